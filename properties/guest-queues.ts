/** Shared walk for the I3 clauses: every APQN of every VM's CRYCB, with the mdev attached to that VM. */
import type { State } from '../model/state.ts';
import { apqnName, cross } from './util.ts';

export function firstGuestApqn(
  s: State,
  bad: (a: number, d: number, mdev: string | null) => string | null,
): string | null {
  for (const vm in s.vms) {
    let mdev: string | null = null;
    for (const m in s.mdevs) if (s.mdevs[m]!.kvm === vm) mdev = m;
    for (const [a, d] of cross(s.vms[vm]!.crycb)) {
      const why = bad(a, d, mdev);
      if (why) return `${vm} can use ${apqnName(a, d)}, which ${why}`;
    }
  }
  return null;
}
