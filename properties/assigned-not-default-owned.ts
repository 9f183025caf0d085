import { has } from '../model/bits.ts';
import { assigned, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName, cross } from './util.ts';

/** I2: no APQN assigned to an mdev is reserved for the default driver by apmask/aqmask. */
export const assignedNotDefaultOwned: StateInvariant = {
  kind: 'state',
  name: 'assigned-not-default-owned',
  statement: 'No APQN assigned to an mdev is default-owned by the bus masks.',
  spec: 'I2',
  exercised: onState((s) => assigned(s) >= 1),
  quiescentOnly: false,
  check: (_cfg, s) => {
    for (const m in s.mdevs) {
      for (const [a, d] of cross(s.mdevs[m]!.matrix)) {
        if (has(s.bus.apmask, a) && has(s.bus.aqmask, d))
          return `${apqnName(a, d)} is assigned to ${m} but default-owned by apmask/aqmask`;
      }
    }
    return null;
  },
};
