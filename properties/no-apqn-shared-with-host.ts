import { guestWithQueues, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName, cross, queue } from './util.ts';

/** I5: no APQN is at the same time in a guest's CRYCB and bound to the host's default driver. */
export const noApqnSharedWithHost: StateInvariant = {
  kind: 'state',
  name: 'no-apqn-shared-with-host',
  statement: "No queue is at the same time in a guest's CRYCB and bound to the default driver (cex4queue).",
  spec: 'I5',
  exercised: onState(guestWithQueues),
  quiescentOnly: false,
  check: (cfg, s) => {
    for (const vm in s.vms) {
      for (const [a, d] of cross(s.vms[vm]!.crycb)) {
        if (queue(cfg, s, a, d)?.driver === 'cex4queue')
          return `${apqnName(a, d)} is in ${vm}'s CRYCB and bound to cex4queue`;
      }
    }
    return null;
  },
};
