import { guestWithQueues, onState } from './exercised.ts';
import { firstGuestApqn } from './guest-queues.ts';
import type { StateInvariant } from './types.ts';
import { queue } from './util.ts';

/** I3 (binding clause): at quiescence a guest only gets queues bound to vfio_ap. */
export const guestQueuesBoundToVfioAp: StateInvariant = {
  kind: 'state',
  name: 'guest-queues-bound-to-vfio-ap',
  statement: "At quiescence, every queue in a guest's CRYCB that exists in the host configuration is bound to vfio_ap.",
  spec: 'I3',
  exercised: onState(guestWithQueues),
  quiescentOnly: true,
  check: (cfg, s) =>
    firstGuestApqn(s, (a, d) => {
      const q = queue(cfg, s, a, d);
      if (q === null) return null; // not in the host configuration: the host clause's business
      return q.driver === 'vfio_ap' ? null : q.driver === null ? 'has no driver' : `is bound to ${q.driver}`;
    }),
};
