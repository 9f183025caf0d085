/**
 * Traces to stored states and the order-independence witness: what a search (exhaustive/engine.ts)
 * and the coordinator of a parallel search (exhaustive/parallel.ts) both report with.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Mdev, State } from '../model/state.ts';
import { gives as guestGives, orderViolation, runSettled, type Violation } from '../properties/case.ts';
import { configurationKey } from '../properties/configuration.ts';
import type { Stored } from './store.ts';
import { applyOp, applyState, type Symmetry } from './symmetry.ts';

const givesOf = (x: Mdev): string => guestGives(x) ?? '-';

export function gives(s: State): string {
  const out: string[] = [];
  for (const m of Object.keys(s.mdevs).sort()) out.push(m, givesOf(s.mdevs[m]!));
  return out.join('|');
}

/**
 * The configuration and the guests with mdev and VM names left out: mdevs sorted by (matrix,
 * attached, removing, what the guest gets). `tie`: two mdevs with the same configuration give
 * different guests, so renaming them gives the same configuration with other guests.
 */
export function nameFreeKey(s: State): { c: string; g: string; tie: boolean } {
  const rows = Object.keys(s.mdevs).map((m) => {
    const x = s.mdevs[m]!;
    return { c: `${x.matrix.apm},${x.matrix.aqm},${x.matrix.adm},${x.kvm === null ? 0 : 1},${x.removing ? 1 : 0}`, g: givesOf(x) };
  });
  rows.sort((a, b) => (a.c < b.c ? -1 : a.c > b.c ? 1 : a.g < b.g ? -1 : a.g > b.g ? 1 : 0));
  let tie = false;
  for (let i = 1; i < rows.length; i++) if (rows[i]!.c === rows[i - 1]!.c && rows[i]!.g !== rows[i - 1]!.g) tie = true;
  return { c: configurationKey(s, { ignoreMatrices: true, ignoreMdevs: true }) + '#' + rows.map((r) => r.c).join('|'), g: rows.map((r) => r.g).join('|'), tie };
}

export interface Witness {
  /** The ops that ran from s0 to stored state n, with the ids that actually ran. */
  trace(n: number): Op[];
  /** Two real traces to states a and b whose settled states share a configuration but not the guests. */
  orderWitness(a: number, b: number): Violation;
}

export function witness(cfg: Config, s0: State, store: Stored, ops: readonly Op[], sym: Symmetry | null): Witness {
  const scope = cfg.scope;
  const trace = (n: number): Op[] => (sym ? sym.replay(cfg, s0, store, ops, n) : store.path(n).map((k) => ops[k]!));
  const orderWitness = (a: number, b: number): Violation => {
    let ta = trace(a);
    let tb = trace(b);
    if (sym) {
      // The traces reach images of the stored states: find the images that conflict and rename the ops.
      const A = runSettled(cfg, s0, ta);
      const B = runSettled(cfg, s0, tb);
      const ka = configurationKey(A);
      const e = sym.elements.find((x) => {
        const gb = applyState(scope, B, x);
        return configurationKey(gb) === ka && gives(gb) !== gives(A);
      });
      if (e === undefined) {
        const both = sym.elements.flatMap((x) => sym.elements.map((y) => [x, y] as const));
        const pair = both.find(([x, y]) => {
          const ga = applyState(scope, A, x);
          const gb = applyState(scope, B, y);
          return configurationKey(ga) === configurationKey(gb) && gives(ga) !== gives(gb);
        });
        if (pair === undefined) throw new Error('exhaustive: order-independence: no conflicting images of the two states');
        ta = ta.map((o) => applyOp(o, pair[0]));
        tb = tb.map((o) => applyOp(o, pair[1]));
      } else tb = tb.map((o) => applyOp(o, e));
    }
    const v = orderViolation(cfg, s0, ta, tb);
    if (v === null) throw new Error('exhaustive: order-independence: the two traces do not reproduce the violation');
    return v;
  };
  return { trace, orderWitness };
}
