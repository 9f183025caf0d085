/**
 * The history properties in an exhaustive search: each property's own check (properties/types.ts
 * HistoryCheck) is given every new class of settled states, and what it shares goes to its own
 * `receive` in one thread, or to the coordinator of a parallel search (exhaustive/parallel.ts),
 * which passes every worker's records to its own checks. No property is named here.
 *
 * Every history check depends on the settled state's class alone, and most states settle to a class
 * already met (d0, 2×2×1 m2 v2, depth 5: 15,711 classes for 155,419 states): the classes met are
 * kept in a store of their own (`checked`). A quiescent state is its own settled state, and its
 * stored key is its class.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import type {
  HistoryCheck,
  HistoryProperty,
  Property,
  Renaming,
  SearchContext,
  Shared,
  Violation,
} from '../properties/types.ts';
import type { Codec } from './codec.ts';
import type { Stored } from './store.ts';
import { applyOp, applyState, permuteIds, type Symmetry } from './symmetry.ts';

/** What a worker of a parallel search sends the coordinator for a history property (structured-cloneable). */
export interface HistoryRecord {
  readonly property: string;
  readonly r: Shared;
}

/** A search's view of the history properties. */
export interface HistorySearch {
  /**
   * Stored state n (its state s, at `depth`) is new; `quiet`: whether s is quiescent, when already
   * known. 'memory' when the store of classes could not grow (the search ends with the memory bound).
   */
  state(n: number, s: State, depth: number, quiet: boolean | null): 'memory' | null;
  /** Whether some history property is still looked for. */
  readonly open: boolean;
  /**
   * `state` for a caller that has the key of the settled state's class (exhaustive/memo-states.ts):
   * `settled` gives the settled state (as `state` computes it) only when the class is new.
   */
  settledClass(n: number, key: Uint32Array, settled: () => State, depth: number): 'memory' | null;
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

/** The checks of the history properties among `props`, each with its context. */
function checksOf(a: Setting, share: (p: HistoryProperty, check: () => HistoryCheck, r: Shared) => void) {
  const scope = a.cfg.scope;
  const sym = a.sym;
  const images = sym ? (s: State): State[] => sym.perms.map((g) => permuteIds(scope, s, g)) : null;
  const renamings: Renaming[] = sym
    ? sym.elements.map((e) => ({ state: (s: State) => applyState(scope, s, e), op: (o: Op) => applyOp(o, e) }))
    : [];
  return a.props
    .filter((p): p is HistoryProperty => p.kind === 'history')
    .map((p) => {
      const ctx: SearchContext = {
        cfg: a.cfg,
        s0: a.s0,
        images,
        renamings,
        trace: a.trace,
        report: a.report,
        share: (r) => share(p, () => check, r),
      };
      const check = p.exhaustive(ctx);
      return { name: p.name, check };
    });
}

/**
 * The history properties of one search (one thread, or one worker of a parallel search: then
 * `record` sends what they share to the coordinator). null when none is asked for.
 */
export function historySearch(
  a: Setting & {
    readonly codec: Codec;
    readonly store: Stored;
    readonly checked: ClassStore;
    readonly record: ((r: HistoryRecord) => void) | null;
  },
): HistorySearch | null {
  const { cfg, open, sym, codec, store, checked, record } = a;
  const checks = checksOf(a, (p, check, r) => {
    if (record !== null) record({ property: p.name, r });
    else if (open.has(p.name)) check().receive(r);
  });
  if (checks.length === 0) return null;
  const W = codec.words;
  const key = new Uint32Array(W);
  const classOf = (n: number, k: Uint32Array, settled: State | (() => State), depth: number): 'memory' | null => {
    const fresh = checked.add(k, 0, -1, 0);
    if (fresh === -2) return 'memory'; // a growth step would pass the ceiling: the search ends
    if (fresh < 0) return null;
    const t = typeof settled === 'function' ? settled() : settled;
    for (const c of checks) if (open.has(c.name)) c.check.settled(n, t, depth);
    return null;
  };
  const anyOpen = (): boolean => {
    for (const c of checks) if (open.has(c.name)) return true;
    return false;
  };
  return {
    get open() {
      return anyOpen();
    },
    state(n, s, depth, quiet) {
      if (!anyOpen()) return null;
      const q = quiet ?? quiescent(cfg, s);
      const settled = q ? s : settle(cfg, s);
      if (q) key.set(store.arena.subarray(n * W, n * W + W));
      else if (sym) sym.canonical(settled, key);
      else codec.encode(settled, key, 0);
      return classOf(n, key, settled, depth);
    },
    settledClass(n, k, settled, depth) {
      return classOf(n, k, settled, depth);
    },
  };
}

/**
 * The coordinator of a parallel search: the history properties' checks, given the records the
 * workers send (in batches, as they come, so that a level cut short by a bound still counts).
 */
export function historyCoordinator(a: Setting): (records: readonly HistoryRecord[]) => void {
  const share = (p: HistoryProperty, check: () => HistoryCheck, r: Shared): void => {
    if (a.open.has(p.name)) check().receive(r);
  };
  const checks = new Map(checksOf(a, share).map((c) => [c.name, c.check]));
  return (records) => {
    for (const { property, r } of records) if (a.open.has(property)) checks.get(property)!.receive(r);
  };
}
