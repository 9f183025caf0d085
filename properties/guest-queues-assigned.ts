import { has } from '../model/bits.ts';
import { guestWithQueues, onState } from './exercised.ts';
import { firstGuestApqn } from './guest-queues.ts';
import type { StateInvariant } from './types.ts';

/** I3 (assignment clause): a guest only gets APQNs assigned to the mdev attached to it. */
export const guestQueuesAssigned: StateInvariant = {
  kind: 'state',
  name: 'guest-queues-assigned',
  statement: "Every APQN in a guest's CRYCB is assigned to the mdev attached to that guest.",
  spec: 'I3',
  exercised: onState(guestWithQueues),
  quiescentOnly: false,
  check: (_cfg, s) =>
    firstGuestApqn(s, (a, d, m) => {
      if (m === null) return 'no mdev is attached to this guest';
      const x = s.mdevs[m]!.matrix;
      return has(x.apm, a) && has(x.aqm, d) ? null : `is not assigned to ${m}`;
    }),
};
