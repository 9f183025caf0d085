/**
 * `apmc check --engine exhaustive`: one breadth-first search per policy (all selected properties at
 * once), in this thread or split over worker threads (`--workers`) or CI jobs (`--shard k/n`).
 */
import { clip, oneLine } from '../render/term.ts';
import { Worker } from 'node:worker_threads';
import type { Mechanism } from '../model/op-values.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import {
  exploreExhaustiveAsync,
  type ExhaustiveFound,
  type ExhaustiveOptions,
  type Progress,
} from '../exhaustive/engine.ts';
import { exploreParallel, type PartData } from '../exhaustive/parallel.ts';
import { exploreAgainstBase, exploreAgainstBaseParallel } from '../exhaustive/product.ts';
import { workerEntry } from './worker-entry.ts';
import { auditsPolicies, searchOrAgain } from '../exhaustive/asymmetry.ts';
import { idPermCount, MAX_ID_PERMS, symmetryFits } from '../exhaustive/group.ts';
import type { Property } from '../properties/types.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { exhaustiveWatch, SLOTS, watch } from './sandbox-watch.ts';
import { searchFinding, type Finding } from '../check/finding.ts';
import { type SearchedPolicy, type SearchRun, type Shard, timeShare } from '../check/run.ts';

export interface ExhaustiveSettings {
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemory?: number;
  readonly timeMs?: number;
  readonly symmetry: boolean;
  /** Check that the policies treat ids alike (set by searchPolicy for policy files). */
  readonly audit?: boolean;
  /** `--mechanisms`: the kernel mechanisms both engines generate ops of (absent: none, the classic ops). */
  readonly mechanisms?: readonly Mechanism[];
  /** The transition cache: on, off, or (absent) the engine's choice. */
  readonly memo?: boolean;
  /** The order of the states within a level (ExhaustiveOptions.order), or the engine's choice. */
  readonly order?: 'guests-first' | 'plain';
  readonly workers: number;
  readonly shard?: Shard;
  readonly progress?: (policy: string, p: Progress) => void;
  /** Each counterexample as soon as the search finds it (`--save` writes it then). */
  readonly onFound?: (policy: string, f: Finding) => void;
  readonly signal?: { readonly aborted: boolean; readonly reason?: string | null };
  /**
   * `--base`: search each policy against this one, both stepped on every transition (exhaustive/product.ts):
   * `found` holds the new violations, `result.base` the inherited and fixed ones. Over `workers` threads
   * when `baseSpec` (what the worker threads load the base from: a built-in's name or a file) is given too.
   */
  readonly base?: Policy;
  readonly baseSpec?: string;
  /** `--from`: the state each search starts from, per policy (in this thread: the workers start from the boot). */
  readonly from?: (policy: Policy) => State;
}

/** Said once on stderr when `--workers` asks for threads a search against a base cannot use (no baseSpec). */
export const BASE_ONE_THREAD = 'apmc: a search against a base runs in one thread (--workers ignored)';

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** Said once on stderr when symmetry reduction is asked for at a scope with too many renamings to enumerate. */
export function symmetryOffNote(scope: Scope): string | null {
  if (symmetryFits(scope)) return null;
  const n = idPermCount(scope);
  const count = Number.isSafeInteger(n) ? fmt(n) : 'too many';
  return `apmc: symmetry reduction off: ${count} renamings of adapters and domains (at most ${fmt(MAX_ID_PERMS)})`;
}

/** Depth at which shards and workers split the successors. */
export const SHARD_DEPTH = 2;

function options(s: ExhaustiveSettings, policy: string, shard?: Shard): ExhaustiveOptions {
  return {
    ...(s.depth !== undefined ? { depth: s.depth } : {}),
    ...(s.maxStates !== undefined ? { maxStates: s.maxStates } : {}),
    ...(s.maxMemory !== undefined ? { maxMemory: s.maxMemory } : {}),
    ...(s.timeMs !== undefined ? { timeMs: s.timeMs } : {}),
    ...(s.signal ? { signal: s.signal } : {}),
    ...(s.progress ? { progress: (p: Progress) => s.progress!(policy, p) } : {}),
    ...(s.onFound ? { onFound: (f: ExhaustiveFound) => s.onFound!(policy, searchFinding(f)) } : {}),
    symmetry: s.symmetry,
    ...(s.audit ? { audit: true } : {}),
    ...(s.mechanisms !== undefined ? { mechanisms: s.mechanisms } : {}),
    ...(s.memo !== undefined ? { memo: s.memo } : {}),
    ...(s.order !== undefined ? { order: s.order } : {}),
    ...(shard ? { shard: { ...shard, depth: SHARD_DEPTH } } : {}),
  };
}

/**
 * Run one policy: in this thread, or over `workers` worker threads. A policy found not to treat ids alike
 * (exhaustive/asymmetry.ts) is searched again without symmetry reduction, in the time left, with a line on stderr,
 * in this thread: the shared buffers of a parallel search stay mapped until the garbage collector frees them, and
 * while two searches' buffers are, starting the new workers (which spawn esbuild for a policy file) can fail
 * with ENOMEM.
 */
export async function runPolicy(
  policy: Policy,
  policySpec: string,
  props: readonly Property[],
  scope: Scope,
  s: ExhaustiveSettings,
): Promise<SearchedPolicy> {
  const t0 = Date.now();
  const left = () => (s.timeMs === undefined ? {} : { timeMs: Math.max(1, s.timeMs - (Date.now() - t0)) });
  return searchOrAgain(
    s.symmetry,
    (symmetry) =>
      searchPolicy(policy, policySpec, props, scope, symmetry ? s : { ...s, ...left(), symmetry, workers: 1 }),
    (e) => process.stderr.write(`${asymmetryNote(e, s.workers > 1)}\n`),
  );
}

/** The line that says a search runs again without symmetry reduction, and why. */
export const asymmetryNote = (e: Error, oneThread = false): string =>
  `apmc: symmetry reduction off, searching again${oneThread ? ' in one thread' : ''}: ${oneLine(e.message)}`;

async function searchPolicy(
  policy: Policy,
  policySpec: string,
  props: readonly Property[],
  scope: Scope,
  given: ExhaustiveSettings,
): Promise<SearchedPolicy> {
  // A policy file may not treat ids alike, which symmetry reduction takes for granted (exhaustive/asymmetry.ts).
  const audit = given.symmetry && auditsPolicies(policy, given.base);
  const s = { ...given, audit };
  const cfg = { scope, policy };
  const initial = s.from ? { initial: s.from(policy) } : {};
  if (s.base && s.workers > 1 && s.baseSpec !== undefined && !s.from) {
    // The product search over worker threads: each loads both policies.
    const t0 = Date.now();
    const baseSpec = s.baseSpec;
    const entry = await workerEntry();
    const timeMs = s.timeMs === undefined ? {} : { timeMs: Math.max(1, s.timeMs - (Date.now() - t0)) };
    const opt = options({ ...s, ...timeMs }, policy.name, s.shard);
    const spawn = (d: PartData): Worker => spawnPart(entry, { ...d, base: baseSpec }, policySpec, scope, true);
    const result = await exploreAgainstBaseParallel(cfg, s.base, props, opt, s.workers, spawn);
    return { policy: policy.name, result, workers: s.workers };
  }
  if (s.base) {
    // Without the base's spec, the product search runs in this thread (runExhaustiveCheck says so).
    const base = s.base;
    const opt = {
      ...options(s, policy.name, s.shard),
      guard: guardPolicy(policy),
      baseGuard: guardPolicy(base),
      ...exhaustiveWatch(policy.name),
      ...initial,
    };
    const result = await exploreAgainstBase(cfg, base, props, opt);
    return { policy: policy.name, result, workers: 1 };
  }
  if (s.workers <= 1 || s.from) {
    // Guarded like the random engine: a misbehaving policy is a policy error with its shortest trace.
    // In a policy sandbox: where the search is, for the watchdog (bin/sandbox-watch.ts).
    const opt = {
      ...options(s, policy.name, s.shard),
      guard: guardPolicy(policy),
      ...exhaustiveWatch(policy.name),
      ...initial,
    };
    const result = await exploreExhaustiveAsync(cfg, props, opt);
    return { policy: policy.name, result, workers: 1 };
  }
  // One search over worker threads sharing one state store (exhaustive/parallel.ts). Making the
  // workers' script counts against the time bound.
  const t0 = Date.now();
  const entry = await workerEntry();
  const timeMs = s.timeMs === undefined ? {} : { timeMs: Math.max(1, s.timeMs - (Date.now() - t0)) };
  const opt = options({ ...s, ...timeMs }, policy.name, s.shard);
  const spawn = (d: PartData): Worker => spawnPart(entry, d, policySpec, scope, true);
  const result = await exploreParallel(cfg, props, opt, s.workers, spawn);
  return { policy: policy.name, result, workers: s.workers };
}

/**
 * A worker thread running its part of a parallel search (bin/exhaustive-worker.ts, from `workerEntry`);
 * `guard`: the policy guard, as in one thread.
 */
export function spawnPart(entry: URL, d: PartData, policySpec: string, scope: Scope, guard: boolean): Worker {
  // No inherited `--import tsx`: the bundle does not need it, and exhaustive-worker.js registers it itself.
  // In a policy sandbox the worker gets a slot of its own in the watch, and the sandbox's heap limit.
  const w = watch();
  if (w === null) return new Worker(entry, { workerData: { ...d, policySpec, scope, guard }, execArgv: [] });
  const sandbox = { shared: w.shared, slot: 1 + (d.id % (SLOTS - 1)), heapMb: w.heapMb };
  const resourceLimits = { maxOldGenerationSizeMb: w.heapMb };
  return new Worker(entry, { workerData: { ...d, policySpec, scope, guard, sandbox }, execArgv: [], resourceLimits });
}

/** One search per policy; on a TTY a progress line on stderr refreshes a few times a second. */
export async function runExhaustiveCheck(
  policies: readonly Policy[],
  specs: readonly string[],
  props: readonly Property[],
  scope: Scope,
  settings: ExhaustiveSettings,
  tty: boolean,
  onFound?: (policy: string, f: Finding) => void,
): Promise<SearchRun> {
  const progress = tty
    ? (policy: string, p: Progress): void => {
        const rate = p.ms > 0 ? (p.states / p.ms) * 1000 : 0;
        process.stderr.write(
          `\r\x1b[K${clip(oneLine(policy), 24)}: ${fmt(p.states)} states, depth ${p.depth}, ${fmt(rate)} states/s`,
        );
      }
    : undefined;
  const searched: SearchedPolicy[] = [];
  const symOff = settings.symmetry ? symmetryOffNote(scope) : null;
  if (symOff) process.stderr.write(`${symOff}\n`);
  if (settings.base && settings.workers > 1 && settings.baseSpec === undefined) {
    process.stderr.write(`${BASE_ONE_THREAD}\n`);
  }
  const t0 = Date.now();
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    // `--time` is the whole run's: shared out evenly among the policies still to search.
    const t = settings.timeMs;
    const timeMs = timeShare(t, t0, i, policies.length);
    // The line shows at once: setting up a large scope's search takes a moment.
    progress?.(policy.name, { states: 0, transitions: 0, depth: 0, ms: 0 });
    // Counterexamples go to onFound as the search finds them, so that an interrupted run keeps them.
    const each = onFound
      ? {
          onFound: (p: string, f: Finding): void => {
            if (tty) process.stderr.write('\r\x1b[K'); // the progress line makes way
            onFound(p, f);
          },
        }
      : {};
    const set = {
      ...settings,
      ...(progress ? { progress } : {}),
      ...(timeMs !== undefined ? { timeMs } : {}),
      ...each,
    };
    const r = await runPolicy(policy, specs[i] ?? policy.name, props, scope, set);
    if (tty) process.stderr.write('\r\x1b[K');
    searched.push(r);
    if (settings.signal?.aborted) break;
  }
  const sig = settings.signal;
  const stoppedBy = sig?.aborted ? (sig.reason ?? 'signal') : null;
  const shard = settings.shard ? { shard: settings.shard } : {};
  return { engine: 'exhaustive', scope, props, policies: searched, stoppedBy, ...shard };
}
