import { has } from '../model/bits.ts';
import { guestWithQueues, onState } from './exercised.ts';
import { firstGuestApqn } from './guest-queues.ts';
import type { StateInvariant } from './types.ts';

/** I3 (host clause): at quiescence a guest's CRYCB holds only APQNs in the host AP configuration. */
export const guestQueuesInHostConfig: StateInvariant = {
  kind: 'state',
  name: 'guest-queues-in-host-config',
  statement: "At quiescence, every APQN in a guest's CRYCB is in the host AP configuration.",
  spec: 'I3',
  exercised: onState(guestWithQueues),
  quiescentOnly: true,
  check: (_cfg, s) =>
    firstGuestApqn(s, (a, d) => (has(s.host.apm, a) && has(s.host.aqm, d) ? null : 'is not in the host configuration')),
};
