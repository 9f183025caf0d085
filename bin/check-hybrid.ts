/**
 * `apmc check --engine hybrid`: per policy, the exhaustive breadth-first search to a depth (`--depth N`, else as
 * deep as a quarter of the policy's share of `--time` takes it), then random walks (properties/explore.ts, with
 * shrinking) started from states of its frontier, the last complete level, for violations deeper than the search's
 * horizon. A violation a walk finds is the frontier state's trace followed by the walk's case, then shrunk whole
 * from the initial state.
 *
 * The run is given as a random-engine run (check/run.ts) with the search's findings merged in, so that the
 * verdicts are the random engine's (check/verdict.ts): a violation found by either phase counts; a property
 * neither phase violated holds only as sampled (the walks are not a proof), and a walk phase cut short by the
 * budget or a signal leaves it unknown.
 *
 * Against a base (`--base P`), the search runs over pairs of states (exhaustive/product.ts), and each walk's case
 * runs whole from the initial state under both designs, the frontier state's trace first
 * (properties/attribution-explore.ts `prefix`): each violation is new, inherited or fixed as under the random
 * engine's `--base`.
 */
import { asymmetryNote, symmetryOffNote } from './check-exhaustive.ts';
import { auditsPolicies, searchOrAgain } from '../exhaustive/asymmetry.ts';
import type { Finding } from '../check/finding.ts';
import { sampledFinding, searchFinding } from '../check/finding.ts';
import { type HybridSearch, type RandomRun, type SampledPolicy, timeShare, withPrefix } from '../check/run.ts';
import { prng } from '../properties/prng.ts';
import {
  type ExhaustiveFound,
  type ExhaustiveResult,
  exploreExhaustiveAsync,
  type FrontierLevel,
} from '../exhaustive/engine.ts';
import type { ExhaustiveOptions } from '../exhaustive/options.ts';
import { exploreAgainstBase } from '../exhaustive/product.ts';
import type { Mechanism } from '../model/op-values.ts';
import type { Config, Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { exploreAgainst } from '../properties/attribution-explore.ts';
import { type BaseFound, explore, type Exploration, type ExploreOptions, type Found } from '../properties/explore.ts';
import type { PolicyError } from '../properties/policy-error.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { shrinkViolation } from '../properties/shrink.ts';
import { coverage, opStats } from '../properties/stats.ts';
import type { Property } from '../properties/types.ts';
import { type CheckHooks, recording } from './check.ts';

export interface HybridSettings {
  /** The search phase's depth (`--depth`); default: what its share of the time budget reaches. */
  readonly depth?: number;
  readonly symmetry: boolean;
  readonly mechanisms?: readonly Mechanism[];
}

/** The search phase's depth when neither `--depth` nor `--time` bounds it. */
export const HYBRID_DEPTH = 4;
/** Frontier states the walks start from, at most (the cases are shared out among them). */
export const HYBRID_STARTS = 32;

/**
 * The frontier states the walks start from: `n` of the level [start, end), one drawn at random (seeded) in each
 * of `n` equal slices of it. At random, because the level is numbered in the order the search met its states, so
 * that neighbours are siblings sharing a prefix, and a fixed pick (the first ones, every k-th) would start every
 * walk under a few parents, or always under the same ones whatever the seed; one per slice, so that the picks are
 * spread over the whole level rather than clustered as independent draws can be. The same seed gives the same
 * states (the search numbers its states deterministically).
 */
export function frontierStarts(start: number, end: number, n: number, seed: number): number[] {
  const size = end - start;
  const k = Math.min(n, size);
  const rand = prng(seed);
  const out: number[] = [];
  for (let i = 0; i < k; i++) {
    const lo = start + Math.floor((i * size) / k);
    const hi = start + Math.floor(((i + 1) * size) / k);
    out.push(lo + Math.floor(rand() * (hi - lo)));
  }
  return out;
}

/** A search's finding in the random engine's record (found after 0 cases, at the search's time). */
function asFound(f: ExhaustiveFound, seed: number): Found {
  const { depth: _d, afterStates: _s, foundMs, ...v } = f;
  return { ...v, afterRuns: 0, foundMs, afterMs: foundMs, seed, path: '' };
}

/** Each policy in turn: the search, then the walks from its frontier. */
export async function runHybridCheck(
  policies: readonly Policy[],
  props: readonly Property[],
  scope: Scope,
  seed: number,
  runs: number,
  timeMs: number | undefined,
  settings: HybridSettings,
  hooks: CheckHooks = {},
  base?: Policy,
): Promise<RandomRun> {
  const explored: SampledPolicy[] = [];
  const symOff = settings.symmetry ? symmetryOffNote(scope) : null;
  if (symOff) process.stderr.write(`${symOff}\n`);
  const t0 = Date.now();
  for (const [i, policy] of policies.entries()) {
    if (hooks.signal?.aborted) break;
    const left = timeShare(timeMs, t0, i, policies.length);
    explored.push(await hybridPolicy(policy, props, scope, seed, runs, left, settings, hooks, base));
  }
  const stoppedBy = hooks.signal?.aborted ? (hooks.signal.reason ?? 'signal') : null;
  return { engine: 'random', scope, props, seed, runs, policies: explored, stoppedBy };
}

async function hybridPolicy(
  policy: Policy,
  props: readonly Property[],
  scope: Scope,
  seed: number,
  runs: number,
  timeMs: number | undefined,
  settings: HybridSettings,
  hooks: CheckHooks,
  base?: Policy,
): Promise<SampledPolicy> {
  const t0 = Date.now();
  const guard = guardPolicy(policy);
  const cfg: Config = { scope, policy: guard.policy };
  // Against a base, the base runs guarded too: its policy errors are reported as such.
  const bguard = base ? guardPolicy(base) : undefined;
  const stats = opStats();
  const tracker = exerciseTracker(cfg, props);
  const report = (f: Finding) => hooks.onFound?.(policy.name, f);
  // The search phase: to --depth (within half the budget), or as deep as a quarter of the budget reaches.
  let level: FrontierLevel | null = null;
  const depth = settings.depth ?? (timeMs === undefined ? HYBRID_DEPTH : undefined);
  const searchMs = timeMs === undefined ? undefined : timeMs / (settings.depth === undefined ? 4 : 2);
  const searchOpt: ExhaustiveOptions = {
    symmetry: settings.symmetry,
    audit: auditsPolicies(policy, base),
    mechanisms: settings.mechanisms ?? [],
    guard,
    ...(depth !== undefined ? { depth } : {}),
    ...(searchMs !== undefined ? { timeMs: searchMs } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onFound: (f) => report(searchFinding(f)),
    onFrontier: (f) => {
      level = f;
    },
  };
  // Against a base: the search over pairs of states (its found: the new violations; history properties are left
  // to the walks).
  const searchWith = (symmetry: boolean) =>
    bguard
      ? exploreAgainstBase(cfg, bguard.policy, props, { ...searchOpt, symmetry, baseGuard: bguard })
      : exploreExhaustiveAsync(cfg, props, { ...searchOpt, symmetry });
  const searched = await searchOrAgain(settings.symmetry, searchWith, (e) =>
    process.stderr.write(`${asymmetryNote(e)}\n`),
  );
  const found: Found[] = searched.found.map((f) => asFound(f, seed));
  // The first inherited and fixed violation of each property: the search's (a shortest), else the first walk's.
  const kept: Kept | undefined = base && { policy: base.name, inherited: new Map(), fixed: new Map() };
  const keep = (b: { inherited: readonly Found[]; fixed: readonly Found[] }) => {
    if (kept === undefined) return;
    for (const f of b.inherited) if (!kept.inherited.has(f.property)) kept.inherited.set(f.property, f);
    for (const f of b.fixed) if (!kept.fixed.has(f.property)) kept.fixed.set(f.property, f);
  };
  if (searched.base) {
    const asFounds = (l: readonly ExhaustiveFound[]) => l.map((f) => asFound(f, seed));
    keep({ inherited: asFounds(searched.base.inherited), fixed: asFounds(searched.base.fixed) });
  }
  const exercised = new Set([...searched.exercised]);
  const s0 = initialState(scope);
  const total: WalkTotals = { runs: 0, ops: 0, interrupted: false, stoppedBy: null };
  const frontier = level as FrontierLevel | null;
  // A search a signal or a policy error ended leaves the walks nothing sure to start from.
  const stopped = searched.bound === 'interrupted' || searched.bound === 'policy-error';
  const starts = frontier && !stopped ? frontierStarts(frontier.start, frontier.end, HYBRID_STARTS, seed) : [];
  // The walks' starts are counted as they go (a walk that finds every property left ends them).
  const search = {
    depth: frontier?.depth ?? 0,
    states: searched.states,
    frontier: frontier ? frontier.end - frontier.start : 0,
    starts: 0,
    ms: searched.ms,
  } satisfies HybridSearch;
  if (stopped) total.interrupted = true;
  if (searched.bound === 'policy-error') total.stoppedBy = 'policy-error';
  for (const [j, n] of starts.entries()) {
    const remaining = props.filter((p) => !found.some((f) => f.property === p.name));
    // A walk out of its share of the time leaves the next ones theirs; a signal or a policy error ends them.
    if (remaining.length === 0 || (total.stoppedBy !== null && total.stoppedBy !== 'time')) break;
    const prefix = frontier!.trace(n);
    const left = timeShare(timeMs, t0, j, starts.length);
    const share = Math.ceil((runs - total.runs) / (starts.length - j));
    const opt: ExploreOptions = {
      seed: (seed + j * 104729) | 0,
      runs: share,
      guard,
      ...(settings.mechanisms !== undefined ? { mechanisms: settings.mechanisms } : {}),
      ...(left !== undefined ? { timeMs: left } : {}),
      ...recording(hooks, policy.name, stats, tracker),
    };
    search.starts++;
    // Against a base, every case runs whole from the initial state under both designs, the frontier state's
    // trace first, and is attributed and shrunk there.
    const x = bguard
      ? await exploreAgainst(cfg, { cfg: { scope, policy: bguard.policy }, guard: bguard }, s0, remaining, {
          ...opt,
          prefix,
        })
      : await explore(
          cfg,
          prefix.reduce((s: State, op) => step(cfg, s, op).state, s0),
          remaining,
          opt,
        );
    // Shrunk whole only while the budget lasts and no signal came (the walk's shrinking keeps to them itself).
    const late = () => hooks.signal?.aborted === true || (timeMs !== undefined && Date.now() - t0 >= timeMs);
    for (const f of x.found) {
      const whole = bguard
        ? f
        : late()
          ? withPrefix(f, prefix)
          : shrunkWhole(cfg, s0, withPrefix(f, prefix), remaining);
      found.push(whole);
      report(sampledFinding(whole));
    }
    if (x.base) keep(x.base);
    add(total, x);
    if (x.policyError) {
      return { ...done(policy, found, total, t0, stats, tracker, exercised, x, undefined, kept), search };
    }
  }
  settleTimeStop(total, runs, stopped);
  const searchError = searched.policyError;
  return { ...done(policy, found, total, t0, stats, tracker, exercised, undefined, searchError, kept), search };
}

/** The first inherited and fixed violation of each property, against the base named `policy`. */
interface Kept {
  readonly policy: string;
  readonly inherited: Map<string, Found>;
  readonly fixed: Map<string, Found>;
}

/** The kept inherited and fixed violations of the properties without a new one. */
function baseFound(kept: Kept, found: readonly Found[]): BaseFound {
  const without = (m: Map<string, Found>) =>
    [...m.values()].filter((f) => !found.some((n) => n.property === f.property));
  return { policy: kept.policy, inherited: without(kept.inherited), fixed: without(kept.fixed) };
}

/** The frontier's trace and the walk's case, shrunk together from the initial state (kept as is if that fails). */
function shrunkWhole(cfg: Config, s0: State, f: Found, props: readonly Property[]): Found {
  const prop = props.find((p) => p.name === f.property);
  if (!prop) return f;
  try {
    return { ...f, ...shrinkViolation(cfg, s0, f, prop) };
  } catch {
    return f;
  }
}

export interface WalkTotals {
  runs: number;
  ops: number;
  interrupted: boolean;
  stoppedBy: string | null;
}

/**
 * A walk cut short by its share of the time leaves its cases to the walks after it (their shares are drawn from
 * the cases left): once every case of the budget ran, the time did not leave the walks unfinished. `stopped`:
 * the search phase was interrupted, which no later case makes up for.
 */
export function settleTimeStop(total: WalkTotals, runs: number, stopped: boolean): void {
  if (total.stoppedBy !== 'time' || stopped || total.runs < runs) return;
  total.stoppedBy = null;
  total.interrupted = false;
}

function add(total: WalkTotals, x: Exploration): void {
  total.runs += x.runs;
  total.ops += x.ops;
  total.interrupted ||= x.interrupted;
  total.stoppedBy ??= x.stoppedBy;
}

function done(
  policy: Policy,
  found: Found[],
  total: WalkTotals,
  t0: number,
  stats: ReturnType<typeof opStats>,
  tracker: ReturnType<typeof exerciseTracker>,
  exercised: Set<string>,
  last?: Exploration,
  searchError?: ExhaustiveResult['policyError'],
  kept?: Kept,
): SampledPolicy {
  // The search's policy error in the random engine's record (found after 0 cases).
  const policyError =
    last?.policyError ??
    (searchError && {
      ...searchError,
      // exhaustive/successors.ts records a PolicyFault's own kind.
      kind: searchError.kind as PolicyError['kind'],
      policy: searchError.policy ?? policy.name,
      afterRuns: 0,
      seed: 0,
      path: '',
    });
  for (const p of tracker.exercised) exercised.add(p);
  const exploration: Exploration = {
    found,
    runs: total.runs,
    ms: Date.now() - t0,
    interrupted: total.interrupted,
    ops: total.ops,
    stoppedBy: total.stoppedBy,
    ...(policyError ? { policyError } : {}),
    ...(kept ? { base: baseFound(kept, found) } : {}),
  };
  return { policy: policy.name, exploration, coverage: coverage(stats), exercised };
}
