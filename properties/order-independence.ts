import { nonEmpty, onState } from './exercised.ts';
import type { HistoryProperty } from './types.ts';

/** I7, policy-agnostic: the guest matrix is a function of the configuration, not of the order of operations. */
export const orderIndependence: HistoryProperty = {
  kind: 'history',
  history: 'order-independence',
  name: 'order-independence',
  statement: 'Two histories that end in the same configuration give every mdev the same guest_matrix.',
  shardSafe: false,
  spec: 'I7',
  // A guest_matrix to compare.
  exercised: onState((s) => Object.values(s.mdevs).some((x) => x.shadow !== null && nonEmpty(x.shadow))),
};
