/**
 * The history properties in an exhaustive search (README, "Exhaustive engine"):
 * - order-independence is a functional dependency: every reached state is settled (scan finished,
 *   re-probes done), and any two settled states with the same configuration must give every mdev's
 *   guest the same APQNs and control domains. The two traces reported are shortest traces to each.
 * - recovery: from every reached state with a guest attached, every disturbance of the random engine
 *   (every target) is applied and undone; the guest must get back what it rightly had.
 *
 * `historySearch` checks each new state of a search (in one thread, or in a worker of a parallel
 * search, which sends its order-independence records to the coordinator); `historyCoordinator`
 * compares the records the workers send.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { disturbance, recoveryWith, type Violation } from '../properties/case.ts';
import { configurationKey } from '../properties/configuration.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import type { Property } from '../properties/types.ts';
import { alphabet } from './alphabet.ts';
import type { Codec } from './codec.ts';
import type { ExhaustiveFound } from './options.ts';
import type { Stored } from './store.ts';
import { applyOp, permuteIds, type Symmetry } from './symmetry.ts';
import { gives, nameFreeKey, witness } from './witness.ts';

/** A settled class's configuration and guests, sent by a worker for the coordinator to compare. */
export interface HistoryRecord {
  readonly c: string;
  readonly g: string;
  readonly tie: boolean;
  readonly n: number;
  readonly depth: number;
}

/** A search's view of the history properties. */
export interface HistorySearch {
  /**
   * Stored state n (its state s, at `depth`) is new; `quiet`: whether s is quiescent, when already
   * known. 'memory' when the store of classes could not grow (the search ends with the memory bound).
   */
  state(n: number, s: State, depth: number, quiet: boolean | null): 'memory' | null;
}

/** Where the classes of settled states are kept (StateStore, SharedStateStore). */
interface ClassStore {
  add(key: Uint32Array, off: number, parent: number, via: number): number;
}

interface Setting {
  readonly cfg: Config;
  readonly s0: State;
  readonly props: readonly Property[];
  /** The properties not yet violated (the search's own set, read as it changes). */
  readonly open: ReadonlySet<string>;
  readonly sym: Symmetry | null;
  readonly trace: (n: number) => Op[];
  readonly report: (v: Violation, depth: number) => void;
}

/**
 * The history properties of one search (one thread, or one worker of a parallel search: then
 * `record` sends its records to the coordinator). null when none is asked for.
 */
export function historySearch(
  a: Setting & {
    readonly codec: Codec;
    readonly store: Stored;
    readonly checked: ClassStore;
    readonly record: ((r: HistoryRecord) => void) | null;
  },
): HistorySearch | null {
  if (!a.props.some((p) => p.name === 'order-independence' || p.name === 'recovery')) return null;
  const { orderWitness } = witness(a.cfg, a.s0, a.store, alphabet(a.cfg.scope), a.sym);
  const c: HistoryContext = {
    ...a,
    scope: a.cfg.scope,
    W: a.codec.words,
    canonInto: a.sym ? (s, out) => a.sym!.canonical(s, out) : (s, out) => a.codec.encode(s, out, 0),
    settledKey: new Uint32Array(a.codec.words),
    configs: new Map(),
    orderWitness,
    par: a.record === null ? null : { record: (cf, g, tie, n, depth) => a.record!({ c: cf, g, tie, n, depth }) },
    bound: null,
  };
  return {
    state(n, s, depth, quiet) {
      c.bound = null;
      checkSettled(c, n, s, depth, quiet);
      return c.bound;
    },
  };
}

interface HistoryContext extends Setting {
  readonly scope: Config['scope'];
  readonly store: Stored;
  readonly checked: ClassStore;
  readonly W: number;
  readonly canonInto: (s: State, out: Uint32Array) => void;
  readonly settledKey: Uint32Array;
  readonly configs: Map<string, { n: number; g: string }>;
  readonly orderWitness: (a: number, b: number) => Violation;
  readonly par: { record(c: string, g: string, tie: boolean, n: number, depth: number): void } | null;
  /** Set to 'memory' when the store of classes could not grow. */
  bound: 'memory' | null;
}

/** The history checks of stored state n (its state s, at `depth`; `q`: whether s is quiescent, if known). */
function checkSettled(ctx: HistoryContext, n: number, s: State, depth: number, q: boolean | null): void {
  const { cfg, s0, scope, open, store, checked, W, canonInto, settledKey, sym, configs, par } = ctx;
  const { report, orderWitness, trace } = ctx;
  // `open` holds only the properties asked for, until each is violated.
  if (!open.has('order-independence') && !open.has('recovery')) return;
  const quiet = (q ??= quiescent(cfg, s));
  const settled = quiet ? s : settle(cfg, s);
  // Both checks depend on the settled state's class alone: most states settle to a class already
  // checked (d0, 2×2×1 m2 v2, depth 5: 15,711 classes for 155,419 states). A quiescent state is its
  // own settled state, and its stored key is its class.
  if (quiet) settledKey.set(store.arena.subarray(n * W, n * W + W));
  else canonInto(settled, settledKey);
  const fresh = checked.add(settledKey, 0, -1, 0);
  if (fresh === -2) ctx.bound = 'memory'; // a growth step would pass the ceiling: the search ends
  if (fresh < 0) return;
  if (open.has('order-independence')) {
    // Under symmetry the dependency must hold between every images of the states: names are taken
    // out of the key (mdevs sorted by what they are), ids by trying every id permutation. Only the
    // images with the least configuration are kept: the configuration and the guests of an image
    // are a one-to-one function of the state's, so two images that share a configuration but not
    // the guests become, under the permutation that makes that configuration least, two least
    // images that do the same.
    let imgs = sym ? sym.perms.map((g) => nameFreeKey(permuteIds(scope, settled, g))) : [{ c: configurationKey(settled), g: gives(settled), tie: false }];
    if (imgs.length > 1) {
      let least = imgs[0]!.c;
      for (const x of imgs) if (x.c < least) least = x.c;
      imgs = imgs.filter((x) => x.c === least);
    }
    for (const { c, g, tie } of imgs) {
      if (par) {
        par.record(c, g, tie, n, depth);
        continue;
      }
      if (tie) {
        report(orderWitness(n, n), depth);
        break;
      }
      const seen = configs.get(c);
      if (seen === undefined) configs.set(c, { n, g });
      else if (seen.g !== g) {
        report(orderWitness(seen.n, n), depth);
        break;
      }
    }
  }
  if (open.has('recovery') && Object.values(settled.vms).some((v) => v.crycb.apm !== 0 && v.crycb.aqm !== 0)) {
    const targets = scope.adapters * scope.domains * Math.max(1, scope.mdevs);
    for (let which = 0; which < 7 && open.has('recovery'); which++) {
      for (let target = 0; target < (which === 6 ? targets : scope.adapters * scope.domains); target++) {
        const dr = disturbance(cfg, settled, which, target);
        if (dr === null) continue;
        const v = recoveryWith(cfg, s0, [], dr, settled);
        if (v !== null) {
          const path = trace(n);
          // The path reaches an image of the stored state: the disturbance is then an image too.
          let again = recoveryWith(cfg, s0, path, dr);
          for (const e of sym && again === null ? sym.elements : []) {
            again = recoveryWith(cfg, s0, path, [dr[0].map((o) => applyOp(o, e)), dr[1].map((o) => applyOp(o, e))]);
            if (again !== null) break;
          }
          if (again === null) throw new Error('exhaustive: recovery: the reconstructed trace does not reproduce the violation');
          report(again, path.length + (again.tail ?? 0));
          break;
        }
      }
    }
  }
}

/**
 * The coordinator of a parallel search: the order-independence records the workers send, compared
 * as they come (in batches, so that a level cut short by a bound still counts; one map for the search).
 */
export function historyCoordinator(
  a: Omit<Setting, 'report'> & {
    readonly store: Stored;
    /** A violation found, its figures in. */
    readonly close: (f: ExhaustiveFound) => void;
    readonly t0: number;
  },
): (records: readonly HistoryRecord[]) => void {
  const { orderWitness } = witness(a.cfg, a.s0, a.store, alphabet(a.cfg.scope), a.sym);
  const configs = new Map<string, { n: number; g: string }>();
  return (records) => compareRecords({ ...a, orderWitness, configs }, records);
}

function compareRecords(
  ctx: {
    readonly open: ReadonlySet<string>;
    readonly store: Stored;
    readonly close: (f: ExhaustiveFound) => void;
    readonly t0: number;
    readonly orderWitness: (a: number, b: number) => Violation;
    readonly configs: Map<string, { n: number; g: string }>;
  },
  records: readonly HistoryRecord[],
): void {
  const { open, store, close, t0, orderWitness, configs } = ctx;
  for (const r of records) {
    if (!open.has('order-independence')) break;
    const report = (a: number, b: number): void => close({ ...orderWitness(a, b), depth: r.depth, afterStates: store.count, foundMs: Date.now() - t0 });
    if (r.tie) report(r.n, r.n);
    else {
      const seen = configs.get(r.c);
      if (seen === undefined) configs.set(r.c, { n: r.n, g: r.g });
      else if (seen.g !== r.g) report(seen.n, r.n);
    }
  }
}
