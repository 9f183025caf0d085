/**
 * I7, policy-agnostic: the guest matrix is a function of the configuration, not of the order of
 * operations. At quiescence, two histories that end in the same configuration (properties/
 * configuration.ts) give every mdev's guest the same APQNs and control domains.
 *
 * - Random engine: the case's ops against a copy reordered by the case's adjacent transpositions.
 * - Exhaustive engine: a functional dependency over every reached state, settled. Each new settled
 *   class shares (configuration, guests); one map over the whole search (in a parallel search, the
 *   coordinator's) finds two classes with the same configuration but other guests, and the two
 *   shortest traces to them are the counterexample. Under symmetry reduction the dependency must hold
 *   between every images of the states: names are taken out of the key (mdevs sorted by what they
 *   are), ids by trying every id permutation.
 */
import { crycbApqns, domainLines } from '../model/observe.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Mdev, State } from '../model/state.ts';
import { runSettled } from './case.ts';
import { configurationKey } from './configuration.ts';
import { nonEmpty, onState } from './exercised.ts';
import type { HistoryProperty, SearchContext, Violation } from './types.ts';

const NAME = 'order-independence';

export function applySwaps(ops: readonly Op[], swaps: readonly number[]): Op[] {
  const out = ops.slice();
  if (out.length < 2) return out;
  for (const k of swaps) {
    const i = k % (out.length - 1);
    [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  }
  return out;
}

/** What a guest_matrix gives a guest: its APQNs (the cross product) and control domains; null without a shadow. */
export function gives(x: Mdev): string | null {
  if (x.shadow === null) return null;
  return [...crycbApqns(x.shadow), ...domainLines(x.shadow.adm).map((c) => `cd${c}`)].join(' ');
}

const givesOf = (x: Mdev): string => gives(x) ?? '-';

/** What every mdev's guest_matrix gives, mdevs by name. */
function givesAll(s: State): string {
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
    const c = `${x.matrix.apm},${x.matrix.aqm},${x.matrix.adm},${x.kvm === null ? 0 : 1},${x.removing ? 1 : 0}`;
    return { c, g: givesOf(x) };
  });
  rows.sort((a, b) => (a.c < b.c ? -1 : a.c > b.c ? 1 : a.g < b.g ? -1 : a.g > b.g ? 1 : 0));
  let tie = false;
  for (let i = 1; i < rows.length; i++) if (rows[i]!.c === rows[i - 1]!.c && rows[i]!.g !== rows[i - 1]!.g) tie = true;
  const config = configurationKey(s, { ignoreMatrices: true, ignoreMdevs: true });
  return { c: config + '#' + rows.map((r) => r.c).join('|'), g: rows.map((r) => r.g).join('|'), tie };
}

/**
 * Order independence for (ops, other): at quiescence, the same configuration ⇒ every mdev's
 * guest_matrix gives the same APQNs and control domains (an adapter without domains gives nothing).
 */
export function orderViolation(cfg: Config, s0: State, ops: readonly Op[], other: readonly Op[]): Violation | null {
  const a = runSettled(cfg, s0, ops);
  const b = runSettled(cfg, s0, other);
  if (configurationKey(a) !== configurationKey(b)) return null;
  for (const m of Object.keys(a.mdevs)) {
    const x = gives(a.mdevs[m]!);
    const y = gives(b.mdevs[m]!);
    if (x !== y) {
      const show = (g: string | null) => (g === null ? 'none' : `{${g}}`);
      const reason = `same configuration, but ${m}'s guest_matrix gives ${show(x)} after one order`;
      return { property: NAME, ops, other, at: null, reason: `${reason} and ${show(y)} after the other` };
    }
  }
  return null;
}

/** Two real traces to stored states a and b whose settled states share a configuration but not the guests. */
function orderWitness(ctx: SearchContext, a: number, b: number): Violation {
  const { cfg, s0 } = ctx;
  let ta = ctx.trace(a);
  let tb = ctx.trace(b);
  if (ctx.images !== null) {
    // The traces reach images of the stored states: find the images that conflict and rename the ops.
    const A = runSettled(cfg, s0, ta);
    const B = runSettled(cfg, s0, tb);
    const ka = configurationKey(A);
    const e = ctx.renamings.find((x) => {
      const gb = x.state(B);
      return configurationKey(gb) === ka && givesAll(gb) !== givesAll(A);
    });
    if (e === undefined) {
      const both = ctx.renamings.flatMap((x) => ctx.renamings.map((y) => [x, y] as const));
      const pair = both.find(([x, y]) => {
        const ga = x.state(A);
        const gb = y.state(B);
        return configurationKey(ga) === configurationKey(gb) && givesAll(ga) !== givesAll(gb);
      });
      if (pair === undefined) throw new Error(`exhaustive: ${NAME}: no conflicting images of the two states`);
      ta = ta.map((o) => pair[0].op(o));
      tb = tb.map((o) => pair[1].op(o));
    } else tb = tb.map((o) => e.op(o));
  }
  const v = orderViolation(cfg, s0, ta, tb);
  if (v === null) throw new Error(`exhaustive: ${NAME}: the two traces do not reproduce the violation`);
  return v;
}

/** What a settled class shares: its configuration `c`, its guests `g`, its state n and depth. */
interface OrderRecord {
  readonly c: string;
  readonly g: string;
  readonly tie: boolean;
  readonly n: number;
  readonly depth: number;
}

export const orderIndependence: HistoryProperty = {
  kind: 'history',
  name: NAME,
  statement: 'Two histories that end in the same configuration give every mdev the same guest_matrix.',
  spec: 'I7',
  // A guest_matrix to compare.
  exercised: onState((s) => Object.values(s.mdevs).some((x) => x.shadow !== null && nonEmpty(x.shadow))),
  shardSafe: false,
  carries: 'other',
  checkCase: (cfg, s0, c) => (c.swaps.length > 0 ? orderViolation(cfg, s0, c.ops, applySwaps(c.ops, c.swaps)) : null),
  recheck: (cfg, s0, h) => (h.other ? orderViolation(cfg, s0, h.ops, h.other) : null),
  writeCase(_cfg, c, w) {
    for (const op of applySwaps(c.ops, c.swaps)) w.step(op);
    w.settle();
  },
  exhaustive(ctx) {
    const configs = new Map<string, { n: number; g: string }>();
    return {
      settled(n, s, depth) {
        // Only the images with the least configuration are kept: the configuration and the guests of
        // an image are a one-to-one function of the state's, so two images that share a configuration
        // but not the guests become, under the permutation that makes that configuration least, two
        // least images that do the same.
        let imgs = ctx.images
          ? ctx.images(s).map(nameFreeKey)
          : [{ c: configurationKey(s), g: givesAll(s), tie: false }];
        if (imgs.length > 1) {
          let least = imgs[0]!.c;
          for (const x of imgs) if (x.c < least) least = x.c;
          imgs = imgs.filter((x) => x.c === least);
        }
        for (const { c, g, tie } of imgs) ctx.share({ c, g, tie, n, depth } satisfies OrderRecord);
      },
      receive(r) {
        const { c, g, tie, n, depth } = r as unknown as OrderRecord;
        if (tie) return ctx.report(orderWitness(ctx, n, n), depth);
        const seen = configs.get(c);
        if (seen === undefined) configs.set(c, { n, g });
        else if (seen.g !== g) ctx.report(orderWitness(ctx, seen.n, n), depth);
      },
    };
  },
};
