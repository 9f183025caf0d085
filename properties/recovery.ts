import { guestWithQueues, onState } from './exercised.ts';
import type { HistoryProperty } from './types.ts';

/**
 * I8: after a resource goes away (unbind, mask change, host removal, adapter deconfigure, failed
 * reset) and comes back, with no administrator action on any mdev, every guest has again at least
 * the APQNs it had.
 */
export const recovery: HistoryProperty = {
  kind: 'history',
  history: 'recovery',
  name: 'recovery',
  statement: 'When a resource goes away and comes back with no action on the mdev, every guest gets back what it had.',
  shardSafe: true,
  spec: 'I8',
  // A guest that had queues to lose.
  exercised: onState(guestWithQueues),
};
