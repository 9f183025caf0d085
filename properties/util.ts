import { has, ids, intersects } from '../model/bits.ts';
import { apqnName } from '../model/scope.ts';
import type { Matrix, State } from '../model/state.ts';

/** Every APQN (as [apid, apqi]) a CRYCB or matrix gives: the cross product. */
export function* cross(m: Pick<Matrix, 'apm' | 'aqm'>): Generator<[number, number]> {
  const ds = ids(m.aqm);
  for (const a of ids(m.apm)) for (const d of ds) yield [a, d];
}

/** The first APQN shared by two cross products, or null. */
export function sharedApqn(x: Matrix, y: Matrix): string | null {
  if (!intersects(x.apm, y.apm) || !intersects(x.aqm, y.aqm)) return null;
  for (const [a, d] of cross(x)) if (has(y.apm, a) && has(y.aqm, d)) return apqnName(a, d);
  return null;
}

/** For every attached VM: its name, its CRYCB, and the mdev attached to it. */
export function* guests(s: State): Generator<{ vm: string; crycb: Matrix; mdev: string }> {
  for (const m in s.mdevs) {
    const x = s.mdevs[m]!;
    if (x.kvm === null) continue;
    const v = s.vms[x.kvm];
    if (v) yield { vm: x.kvm, crycb: v.crycb, mdev: m };
  }
}

/** The queue device of an APQN, or null (model/blocks/queries.ts). */
export { queueAt as queue } from '../model/blocks/queries.ts';

export { apqnName };
