/**
 * The exhaustive engine: breadth-first search of every state reachable from the initial state with
 * the scope's whole alphabet, deduplicated by the packed state (optionally its symmetry-canonical
 * representative). Every state invariant is checked on every reached state and every step property
 * on every transition; breadth-first order makes the first violation of each property a shortest one.
 *
 * This file puts a search together: the search core (exhaustive/core.ts) over a frontier and a
 * bounds source (in one thread here; a worker's of a parallel search in exhaustive/part.ts), a
 * successor strategy (plain: exhaustive/successors.ts; the transition cache: successors-cached.ts)
 * and an observer (exhaustive/observer.ts: the properties' checks and exercise tracking).
 */

import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { yieldTurn } from '../properties/abort.ts';
import type { Property } from '../properties/types.ts';
import { type Bounds, LocalBounds, memoryInUse, reductionMs, resultDepth } from './bounds.ts';
import { type CoreEnd, SearchCore, type Successors } from './core.ts';
import { type Frontier, LocalFrontier } from './frontier.ts';
import { historySearch } from './history.ts';
import { Observer } from './observer.ts';
import type { ExhaustiveOptions, ExhaustiveResult } from './options.ts';
import { type ParallelPart, SharedBounds, SharedFrontier } from './part.ts';
import { makeSpace, type SearchStore, type Space, storeInitial } from './space.ts';
import { StateStore } from './store.ts';
import { PlainSuccessors, StepFaults } from './successors.ts';
import { CachedSuccessors } from './successors-cached.ts';
import { SymmetryAudit } from './asymmetry.ts';
import { witness } from './witness.ts';

export type {
  Bound,
  ExhaustiveFound,
  ExhaustiveOptions,
  ExhaustivePolicyError,
  ExhaustiveResult,
  FrontierLevel,
  Progress,
} from './options.ts';
export type { ParallelPart } from './part.ts';

/** The search, run to its end in this turn of the event loop (tests, bench, worker threads). */
export function exploreExhaustive(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions = {},
): ExhaustiveResult {
  const g = search(cfg, props, opt);
  for (let r = g.next(); ; r = g.next()) if (r.done) return r.value;
}

/** The search, letting the event loop turn every 20 ms so that signal handlers can set `opt.signal`. */
export async function exploreExhaustiveAsync(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions = {},
): Promise<ExhaustiveResult> {
  const g = search(cfg, props, opt);
  for (let r = g.next(); ; r = g.next()) {
    if (r.done) return r.value;
    await yieldTurn();
  }
}

/** One worker's search in a parallel search (run by bin/exhaustive-worker.ts). */
export function exploreExhaustivePart(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions,
  par: ParallelPart,
): ExhaustiveResult {
  const g = search(cfg, props, opt, par);
  for (let r = g.next(); ; r = g.next()) if (r.done) return r.value;
}

/** The parts of one search, put together. */
interface Search {
  readonly sp: Space;
  readonly store: SearchStore;
  readonly observer: Observer;
  readonly faults: StepFaults;
  readonly successors: Successors;
  readonly frontier: Frontier;
  readonly bounds: Bounds;
  readonly trace: (n: number) => Op[];
}

function* search(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions,
  par?: ParallelPart,
): Generator<void, ExhaustiveResult> {
  const t0 = Date.now();
  const x = assemble(cfg, props, opt, t0, par);
  const { sp, store, observer } = x;
  // A parallel search's coordinator stores the initial state; one worker checks it.
  if (!par) storeInitial(sp, store);
  const first = !par || par.id === 0 ? observer.newState(0, sp.s0, 0) : null;
  observer.initial(sp.s0);
  const core = new SearchCore({
    store,
    words: sp.W,
    ops: sp.ops.length,
    successors: x.successors,
    goal: observer,
    frontier: x.frontier,
    bounds: x.bounds,
    maxDepth: opt.depth ?? Infinity,
    maxStates: opt.maxStates ?? Infinity,
    where: opt.where,
    traceTo: opt.traceTo && { state: opt.traceTo.state, give: (i) => opt.traceTo!.give(x.trace(i)) },
  });
  const end = yield* core.run(first);
  if (opt.onFrontier && !par) opt.onFrontier({ ...x.frontier.last, trace: x.trace });
  return result(x, end, opt, t0, par !== undefined);
}

/** The store, the observer, the successor strategy, the frontier and the bounds of a search. */
function assemble(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions,
  t0: number,
  par?: ParallelPart,
): Search {
  const sp = makeSpace(cfg, opt);
  const store = par ? par.store : new StateStore(sp.W, sp.codec.bits);
  /** The classes of settled states whose history properties were checked. */
  const checked = par ? par.checked : new StateStore(sp.W, sp.codec.bits);
  const { trace } = witness(cfg, sp.s0, store, sp.ops, sp.sym);
  const observer = new Observer({ sp, props, opt, t0, count: () => store.count, trace });
  const report = observer.report.bind(observer);
  const record = par ? par.record.bind(par) : null;
  const { s0, sym, codec } = sp;
  const open = observer.open;
  observer.watchHistory(historySearch({ cfg, s0, props, open, sym, codec, store, checked, trace, report, record }));
  const faults = new StepFaults(cfg, opt.guard, trace);
  const audit = opt.audit && sym ? new SymmetryAudit(sp.cfg, sym, sp.W, sp.ops, { where: opt.where }) : undefined;
  const setting = { sp, store, observer, faults, guard: opt.guard, audit };
  // The transition cache, when asked for: step properties' verdicts are cached as flag bits (31 at most).
  const cached = opt.memo === true && observer.stepProps.length <= 31;
  const successors = cached ? new CachedSuccessors(setting) : new PlainSuccessors(setting);
  // A growth step that would take the process past the ceiling is refused: the memory bound.
  const maxMemory = opt.maxMemory ?? Infinity;
  if (maxMemory !== Infinity) {
    const allow = (bytes: number): boolean => memoryInUse() + bytes <= maxMemory;
    for (const s of [store, checked]) if (s instanceof StateStore) s.allow = allow;
    if (successors instanceof CachedSuccessors) successors.allow = allow;
  }
  const ordered = (opt.order ?? (props.length > 0 ? 'guests-first' : 'plain')) === 'guests-first';
  const frontier = par
    ? new SharedFrontier(par, observer, codec, ordered, opt.shard)
    : new LocalFrontier(store, codec, ordered, opt.shard);
  const bounds = par ? new SharedBounds(par) : new LocalBounds(opt, t0);
  return { sp, store, observer, faults, successors, frontier, bounds, trace };
}

function result(x: Search, end: CoreEnd, opt: ExhaustiveOptions, t0: number, parallel: boolean): ExhaustiveResult {
  const { sp, store, observer, successors } = x;
  const { bound, complete } = end;
  const cached = successors instanceof CachedSuccessors ? successors : null;
  const memo = cached?.memo ?? null;
  const policyError = x.faults.error;
  return {
    states: store.count,
    transitions: end.transitions,
    depth: resultDepth(complete, bound, end.depth),
    complete,
    bound,
    ms: Date.now() - t0,
    bytes: store.bytes,
    alphabet: sp.ops.length,
    found: observer.found,
    reduction: sp.sym && !parallel ? sp.sym.reduction(store, reductionMs(opt)) : 1,
    exercised: [...observer.exercised],
    ...(memo
      ? {
          memo: {
            hits: memo.stats.hits,
            misses: memo.stats.misses,
            bytes: cached!.bytes,
            ...(process.env['XP_DEBUG'] ? { st: cached!.states?.memo.stats } : {}),
          },
        }
      : {}),
    ...(policyError ? { policyError } : {}),
  };
}
