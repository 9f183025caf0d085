/**
 * The product search: one breadth-first search over pairs of states, the state under policy A and the
 * state under policy B, both stepped by every op of the scope's alphabet from the same initial state.
 * It is the search core (exhaustive/core.ts) with a pair successor strategy
 * (exhaustive/product-successors.ts) and one of two goals:
 * - attribution (`apmc check --base B`, A the variant): exhaustive/product-attribution.ts;
 * - difference (`apmc diff` without a trace): exhaustive/product-difference.ts;
 * - every class of difference (`apmc diff --classes`): exhaustive/product-classes.ts.
 * Breadth-first order makes each trace reported a shortest one. The bounds (--time, --max-memory,
 * --depth, --max-states, signals) are those of the plain search (exhaustive/bounds.ts); a policy error of
 * either policy ends the search as in the plain search, with its shortest trace. Symmetry reduces the
 * pairs jointly (exhaustive/product-symmetry.ts). It runs in one thread.
 */
import type { Op } from '../model/ops.ts';
import type { ObserveLevel } from '../model/observation.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { yieldTurn } from '../properties/abort.ts';
import type { PolicyGuard } from '../properties/policy-guard.ts';
import type { Property } from '../properties/types.ts';
import { LocalBounds, memoryInUse, reductionMs, resultDepth } from './bounds.ts';
import { type CoreEnd, SearchCore } from './core.ts';
import type { Worker } from 'node:worker_threads';
import { LocalFrontier } from './frontier.ts';
import { applyState, groupElements } from './group.ts';
import type {
  BaseFindings,
  Bound,
  ExhaustiveFound,
  ExhaustiveOptions,
  ExhaustivePolicyError,
  ExhaustiveResult,
} from './options.ts';
import { Attribution, attributionWords } from './product-attribution.ts';
import { Difference } from './product-difference.ts';
import { type Carry, makePairSpace, type PairSpace, replayPair, storeInitialPair } from './product-space.ts';
import { type PairGoal, PairSuccessors } from './product-successors.ts';
import { type CoordinatedSpace, exploreParallel, type PartData } from './parallel.ts';
import { type LevelObserver, type ParallelPart, SharedBounds, SharedFrontier } from './part.ts';
import type { SearchStore } from './space.ts';
import { StateStore, type Stored } from './store.ts';
import { StepFaults } from './successors.ts';
import { SymmetryAudit } from './asymmetry.ts';
import { makeCodec } from './codec.ts';
import { makeSymmetry } from './symmetry.ts';

export interface ProductOptions extends ExhaustiveOptions {
  /** Policy B's guard, as `guard` is policy A's. */
  readonly baseGuard?: PolicyGuard;
}

/** Why a search against a base leaves the history properties undecided. */
export const HISTORY_UNDECIDED = 'history properties are not compared against a base in the exhaustive engine';

/** A difference search's outcome (`exploreDifference`). */
export interface DifferenceResult {
  readonly level: ObserveLevel;
  /** The first (a shortest) trace after which the two designs differ at `level`; null: none found. */
  readonly ops: Op[] | null;
  /**
   * With `ops`: its length. Without: every trace of this many ops or fewer was compared (the pairs of
   * states it reaches and the steps' results), and none differs.
   */
  readonly depth: number;
  /** No pair was left to expand: the whole reachable product (within the depth bound) was seen. */
  readonly complete: boolean;
  readonly bound: Bound | null;
  /** Pairs stored, transitions stepped, ms taken; when the difference was found (ms since the start). */
  readonly states: number;
  readonly transitions: number;
  readonly ms: number;
  readonly foundMs?: number;
  /** A policy that misbehaved (`policy` names it), with its shortest trace: the search ended there. */
  readonly policyError?: ExhaustivePolicyError;
}

/**
 * The search of variant `cfg.policy` against `base` (both at cfg.scope): ExhaustiveResult with `found`
 * the new violations and `base` the inherited and fixed ones (exhaustive/options.ts BaseFindings).
 * History properties among `props` get `undecided` (HISTORY_UNDECIDED). Lets the event loop turn every
 * 20 ms, so that signal handlers can set `opt.signal`.
 */
export async function exploreAgainstBase(
  cfg: Config,
  base: Config['policy'],
  props: readonly Property[],
  opt: ProductOptions = {},
): Promise<ExhaustiveResult> {
  return drive(againstBase(cfg, base, props, opt), true);
}

/** exploreAgainstBase, run to its end in this turn of the event loop (tests, bench). */
export function exploreAgainstBaseSync(
  cfg: Config,
  base: Config['policy'],
  props: readonly Property[],
  opt: ProductOptions = {},
): ExhaustiveResult {
  return drive(againstBase(cfg, base, props, opt), false) as ExhaustiveResult;
}

/** One worker's part of a parallel search against a base (run by bin/exhaustive-worker.ts). */
export function exploreAgainstBasePart(
  cfg: Config,
  base: Config['policy'],
  props: readonly Property[],
  opt: ProductOptions,
  par: ParallelPart,
): ExhaustiveResult {
  return drive(againstBase(cfg, base, props, opt, par), false) as ExhaustiveResult;
}

/**
 * The search against a base over `workers` threads sharing one store of pairs (exhaustive/parallel.ts);
 * `spawn` starts a worker that runs `exploreAgainstBasePart` (bin/exhaustive-worker.ts, given the base's
 * spec in PartData.base). Each worker steps its part of every level; the coordinator closes the properties
 * found anywhere between levels, and the goal's live bits change only then, alike in every worker.
 */
export async function exploreAgainstBaseParallel(
  cfg: Config,
  base: Config['policy'],
  props: readonly Property[],
  opt: ProductOptions,
  workers: number,
  spawn: (d: PartData) => Worker,
): Promise<ExhaustiveResult> {
  const local = props.filter((p) => p.kind !== 'history');
  const history = props.filter((p) => p.kind === 'history');
  const cfgB = { scope: cfg.scope, policy: base };
  const space = (): CoordinatedSpace => {
    const sp = makePairSpace(cfg, cfgB, attributionWords(local), opt);
    const att = new Attribution(sp, local, opt, Date.now(), () => 0, true);
    const initial = att.initial(sp.s0);
    return {
      W: sp.W,
      bits: sp.bits,
      alphabet: sp.ops.length,
      s0: sp.s0,
      sym: null,
      storeInitial: (store) => storeInitialPair(sp, store, initial),
      trace: (store) => (n) => replayPair(sp, store, n, att.carry.bind(att), att.live),
      reduction: (store, ms) => pairReduction(sp, store, ms),
    };
  };
  const r = await exploreParallel(cfg, local, opt, workers, spawn, space);
  const undecided = history.map((p) => ({ property: p.name, reason: HISTORY_UNDECIDED }));
  return {
    ...r,
    base: beside(r.found, r.base ?? { policy: base.name, inherited: [], fixed: [] }),
    ...(undecided.length > 0 ? { undecided } : {}),
  };
}

/**
 * `exploreDifference(ca, cb, level, opt)`: the shortest trace after which policies ca.policy and
 * cb.policy (same scope) differ at observation `level` (model/observation.ts `differ`: what guests get,
 * everything sysfs shows with the step's result, or the whole model state), searched breadth-first over
 * pairs of states with the plain search's options and bounds (`opt.depth`, `maxStates`, `maxMemory`,
 * `timeMs`, `signal`, `progress`, `symmetry`, `guard` for ca, `baseGuard` for cb). Resolves to the trace,
 * or to `ops: null` with the depth to which no difference exists and whether the search was complete.
 */
export async function exploreDifference(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  opt: ProductOptions = {},
): Promise<DifferenceResult> {
  return drive(difference(ca, cb, level, opt), true);
}

/** exploreDifference, run to its end in this turn of the event loop (tests, bench). */
export function exploreDifferenceSync(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  opt: ProductOptions = {},
): DifferenceResult {
  return drive(difference(ca, cb, level, opt), false) as DifferenceResult;
}

export function drive<R>(g: Generator<void, R>, async: false): R;
export function drive<R>(g: Generator<void, R>, async: true): Promise<R>;
export function drive<R>(g: Generator<void, R>, async: boolean): R | Promise<R> {
  if (!async) for (let r = g.next(); ; r = g.next()) if (r.done) return r.value;
  return (async () => {
    for (let r = g.next(); ; r = g.next()) {
      if (r.done) return r.value;
      await yieldTurn();
    }
  })();
}

/** What a goal gives the search: itself, the initial pair's goal words, and how replays recompute them. */
export interface GoalParts {
  readonly goal: PairGoal & { trace: (n: number) => Op[] };
  readonly initial: Uint32Array;
  readonly carry: Carry | null;
  readonly live: Uint32Array | null;
  /** What a worker's frontier reports of each level (a parallel search only). */
  readonly level?: LevelObserver;
}

export interface Searched {
  readonly sp: PairSpace;
  readonly store: SearchStore;
  readonly end: CoreEnd;
  readonly policyError: ExhaustivePolicyError | undefined;
  readonly t0: number;
}

export function* productSearch(
  cfgA: Config,
  cfgB: Config,
  T: number,
  opt: ProductOptions,
  make: (sp: PairSpace, t0: number, count: () => number) => GoalParts,
  par?: ParallelPart,
): Generator<void, Searched> {
  const t0 = Date.now();
  const sp = makePairSpace(cfgA, cfgB, T, opt);
  const store = par ? par.store : new StateStore(sp.W, sp.bits);
  const g = make(sp, t0, () => store.count);
  const trace = (n: number): Op[] => replayPair(sp, store, n, g.carry, g.live);
  g.goal.trace = trace;
  const faultsA = new StepFaults(cfgA, opt.guard, trace);
  const faultsB = new StepFaults(cfgB, opt.baseGuard, trace);
  // A parallel search's coordinator stores the initial pair.
  if (!par) storeInitialPair(sp, store, g.initial);
  const successors = new PairSuccessors({
    sp,
    store,
    goal: g.goal,
    faultsA,
    faultsB,
    guardA: opt.guard,
    guardB: opt.baseGuard,
    audits: opt.audit && sp.sym ? pairAudits(sp, opt.where) : undefined,
  });
  const maxMemory = opt.maxMemory ?? Infinity;
  if (maxMemory !== Infinity && store instanceof StateStore) {
    store.allow = (bytes: number): boolean => memoryInUse() + bytes <= maxMemory;
  }
  const ordered = (opt.order ?? 'guests-first') === 'guests-first';
  const level = g.level;
  const frontier =
    par && level
      ? new SharedFrontier(par, level, sp.codecA, ordered, opt.shard, sp.W)
      : new LocalFrontier(store, sp.codecA, ordered, opt.shard, sp.W);
  const core = new SearchCore({
    store,
    words: sp.W,
    ops: sp.ops.length,
    successors,
    goal: g.goal,
    frontier,
    bounds: par ? new SharedBounds(par) : new LocalBounds(opt, t0),
    maxDepth: opt.depth ?? Infinity,
    maxStates: opt.maxStates ?? Infinity,
    where: opt.where,
    traceTo: opt.traceTo && { state: opt.traceTo.state, give: (i) => opt.traceTo!.give(trace(i)) },
  });
  const end = yield* core.run(null);
  if (opt.onFrontier && !par) opt.onFrontier({ ...frontier.last, trace });
  const b = faultsB.error;
  const policyError = faultsA.error
    ? { ...faultsA.error, policy: cfgA.policy.name }
    : b && { ...b, policy: cfgB.policy.name };
  return { sp, store, end, policyError, t0 };
}

/** The checks that each policy of a pair treats ids alike, each with a symmetry of its own. */
function pairAudits(sp: PairSpace, where: Int32Array | undefined): [SymmetryAudit, SymmetryAudit] {
  const audit = (cfg: Config) => {
    const codec = makeCodec(cfg.scope);
    return new SymmetryAudit(cfg, makeSymmetry(cfg.scope, codec), codec.words, sp.ops, { where });
  };
  return [audit(sp.cfgA), audit(sp.cfgB)];
}

function* againstBase(
  cfg: Config,
  base: Config['policy'],
  props: readonly Property[],
  opt: ProductOptions,
  par?: ParallelPart,
): Generator<void, ExhaustiveResult> {
  let att!: Attribution;
  const cfgB = { scope: cfg.scope, policy: base };
  const words = attributionWords(props);
  const x = yield* productSearch(
    cfg,
    cfgB,
    words,
    opt,
    (sp, t0, count) => {
      att = new Attribution(sp, props, opt, t0, count, par !== undefined);
      return { goal: att, initial: att.initial(sp.s0), carry: att.carry.bind(att), live: att.live, level: att };
    },
    par,
  );
  const { sp, store, end, policyError, t0 } = x;
  const history = props.filter((p) => p.kind === 'history');
  return {
    states: store.count,
    transitions: end.transitions,
    depth: resultDepth(end.complete, end.bound, end.depth),
    complete: end.complete,
    bound: end.bound,
    ms: Date.now() - t0,
    bytes: store.bytes,
    alphabet: sp.ops.length,
    found: att.found,
    base: beside(att.found, { policy: base.name, inherited: att.inherited, fixed: att.fixed }),
    reduction: par ? 1 : pairReduction(sp, store, reductionMs(opt)),
    exercised: props.filter((p) => att.exercised.has(p.name)).map((p) => p.name),
    ...(policyError ? { policyError } : {}),
    ...(history.length > 0 ? { undecided: history.map((p) => ({ property: p.name, reason: HISTORY_UNDECIDED })) } : {}),
  };
}

function* difference(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  opt: ProductOptions,
): Generator<void, DifferenceResult> {
  let d!: Difference;
  const x = yield* productSearch(ca, cb, 0, opt, (sp, t0, count) => {
    d = new Difference(sp, level, t0, count);
    return { goal: d, initial: new Uint32Array(0), carry: null, live: null };
  });
  const { store, end, policyError, t0 } = x;
  // The initial pair is one state under both policies: no difference before the first op.
  const depth = d.ops !== null ? d.ops.length : resultDepth(end.complete, end.bound, end.depth);
  return {
    level,
    ops: d.ops,
    depth,
    complete: d.ops === null && end.complete,
    bound: end.bound,
    states: store.count,
    transitions: end.transitions,
    ms: Date.now() - t0,
    ...(d.ops !== null ? { foundMs: d.foundMs } : {}),
    ...(policyError ? { policyError } : {}),
  };
}

/**
 * The base figures beside the new violations: an inherited or fixed trace no shorter than the property's new
 * one is left out (the property's status is new; which of two equally short traces a search meets first
 * depends on the order within a level, and over worker threads on how they ran).
 */
function beside(found: readonly ExhaustiveFound[], b: BaseFindings): BaseFindings {
  const depth = new Map(found.map((f) => [f.property, f.depth]));
  const keep = (f: ExhaustiveFound): boolean => f.depth < (depth.get(f.property) ?? Infinity);
  return { policy: b.policy, inherited: b.inherited.filter(keep), fixed: b.fixed.filter(keep) };
}

/**
 * Pairs per symmetry class, estimated on up to 500 stored pairs spread over the store (within `ms`):
 * the average number of distinct images of a pair under the group (1 without symmetry).
 */
function pairReduction(sp: PairSpace, store: Stored, ms: number): number {
  const sym = sp.sym;
  if (sym === null || store.count === 0) return 1;
  const elements = groupElements(sp.scope, sym.perms);
  const { W, W1, codecA, codecB, scope } = sp;
  codecA.reference(null);
  codecB.reference(null);
  const key = new Uint32Array(2 * W1);
  const end = Date.now() + ms;
  const sample = Math.min(store.count, 500);
  const stride = Math.max(1, Math.floor(store.count / sample));
  let sum = 0;
  let n = 0;
  for (let i = 0; i < store.count && n < sample && (n === 0 || Date.now() < end); i += stride) {
    const a = codecA.decode(store.arena, i * W);
    const b = codecB.decode(store.arena, i * W + W1);
    const seen = new Set<string>();
    for (const e of elements) {
      const ia: State = applyState(scope, a, e);
      const ib: State = applyState(scope, b, e);
      codecA.encode(ia, key, 0);
      codecB.encode(ib, key, W1);
      seen.add(`${key.join(',')}${[ia.mdevs, ib.mdevs, ia.vms, ib.vms].map((r) => Object.keys(r).join()).join('/')}`);
    }
    sum += seen.size;
    n++;
  }
  return n === 0 ? 1 : sum / n;
}
