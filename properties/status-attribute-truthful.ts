import { has } from '../model/bits.ts';
import { attached, onState, vfioBound } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName } from './util.ts';

/** I14: a vfio_ap queue's `status` says "in use" exactly when its APQN is in a guest's CRYCB. */
export const statusAttributeTruthful: StateInvariant = {
  kind: 'state',
  name: 'status-attribute-truthful',
  statement: 'The status attribute of a vfio_ap queue says "in use" exactly when a guest can use the queue.',
  spec: 'I14',
  exercised: onState((s) => vfioBound(s) && attached(s) >= 1),
  quiescentOnly: false,
  check: (cfg, s) => {
    for (let i = 0; i < s.queues.length; i++) {
      if (s.queues[i]?.driver !== 'vfio_ap') continue;
      const a = Math.floor(i / cfg.scope.domains);
      const d = i % cfg.scope.domains;
      let used = false;
      for (const vm in s.vms) if (has(s.vms[vm]!.crycb.apm, a) && has(s.vms[vm]!.crycb.aqm, d)) used = true;
      const status = cfg.policy.status(cfg, s, a, d);
      if ((status === 'in use') !== used) {
        return `${apqnName(a, d)} status says "${status}" but ${used ? 'a' : 'no'} guest can use it`;
      }
    }
    return null;
  },
};
