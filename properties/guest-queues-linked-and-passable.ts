import { guestWithQueues, onState, vfioBound } from './exercised.ts';
import { firstGuestApqn } from './guest-queues.ts';
import type { StateInvariant } from './types.ts';
import { queue } from './util.ts';

/**
 * I3 (control clause): at quiescence every vfio_ap queue a guest can use is linked to its mdev and
 * its last reset did not fail. Passable here is the architecture's reading (any answer but a failed
 * reset), the same for every policy.
 */
export const guestQueuesLinkedAndPassable: StateInvariant = {
  kind: 'state',
  name: 'guest-queues-linked-and-passable',
  statement:
    "At quiescence, every vfio_ap queue in a guest's CRYCB is linked to the guest's mdev" +
    ' and its last reset did not fail.',
  spec: 'I3',
  exercised: onState((s) => guestWithQueues(s) && vfioBound(s)),
  quiescentOnly: true,
  check: (cfg, s) =>
    firstGuestApqn(s, (a, d, m) => {
      const q = queue(cfg, s, a, d);
      if (q === null || q.driver !== 'vfio_ap' || m === null) return null; // other clauses
      if (q.link !== m) return q.link === null ? `is not linked to ${m}` : `is linked to ${q.link}, not ${m}`;
      return q.reset === 'failed' ? 'failed its last reset' : null;
    }),
};
