/**
 * Deep targets for the random engine: histories a generator should reach on purpose (bench/random-coverage.ts
 * counts the cases it takes). A target is a predicate over a history, fed its states one by one.
 */
import { qix, type Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';

/** Fed the states of one history in order; true once the history so far meets the target. */
export type TargetTracker = (s: State) => boolean;

/**
 * A queue moved between two guests: an APQN is in the CRYCB of the VM of mdev A in some state, and in a later state
 * in the CRYCB of the VM of mdev B, with A ≠ B and the two VMs different (so two mdevs with a guest each).
 */
export function queueMovedBetweenGuests(scope: Scope): TargetTracker {
  // Per APQN, the (mdev, vm) pairs whose guest held it in an earlier state.
  const held: Map<number, Set<string>> = new Map();
  return (s) => {
    const now: [number, string, string][] = [];
    for (const [mdev, m] of Object.entries(s.mdevs)) {
      const vm = m.kvm;
      const crycb = vm === null ? undefined : s.vms[vm]?.crycb;
      if (vm === null || crycb === undefined) continue;
      for (let a = 0; a < scope.adapters; a++) {
        if (((crycb.apm >>> a) & 1) === 0) continue;
        for (let d = 0; d < scope.domains; d++)
          if (((crycb.aqm >>> d) & 1) === 1) now.push([qix(scope, a, d), mdev, vm]);
      }
    }
    let hit = false;
    for (const [q, mdev, vm] of now) {
      for (const pair of held.get(q) ?? []) {
        const [m0, v0] = pair.split(' ');
        if (m0 !== mdev && v0 !== vm) hit = true;
      }
    }
    for (const [q, mdev, vm] of now) {
      let set = held.get(q);
      if (!set) held.set(q, (set = new Set()));
      set.add(`${mdev} ${vm}`);
    }
    return hit;
  };
}
