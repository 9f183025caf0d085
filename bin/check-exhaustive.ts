/**
 * `apmc check --engine exhaustive`: one breadth-first search per policy (all selected properties at
 * once), in this thread or split over worker threads (`--workers`) or CI jobs (`--shard k/n`), turned
 * into the same cells as the random engine.
 */
import { clip, oneLine } from '../render/term.ts';
import { Worker } from 'node:worker_threads';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { exploreExhaustiveAsync, type ExhaustiveFound, type ExhaustiveOptions, type ExhaustiveResult, type Progress } from '../exhaustive/engine.ts';
import { exploreParallel, type PartData } from '../exhaustive/parallel.ts';
import { workerEntry } from './worker-entry.ts';
import { expectation } from '../properties/expected.ts';
import type { Found } from '../properties/explore.ts';
import type { Property } from '../properties/types.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { exhaustiveWatch, SLOTS, watch } from './sandbox-watch.ts';
import { searchStatus, type Cell, type CheckRun, type Verdict } from './check.ts';

export interface ExhaustiveSettings {
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemory?: number;
  readonly timeMs?: number;
  readonly symmetry: boolean;
  /** The transition cache: on, off, or (absent) the engine's choice. */
  readonly memo?: boolean;
  /** The order of the states within a level (ExhaustiveOptions.order), or the engine's choice. */
  readonly order?: 'guests-first' | 'plain';
  readonly workers: number;
  readonly shard?: { readonly k: number; readonly n: number };
  readonly progress?: (policy: string, p: Progress) => void;
  /** Each counterexample as soon as the search finds it (`--save` writes it then). */
  readonly onFound?: (policy: string, f: Found) => void;
  readonly signal?: { readonly aborted: boolean };
}

/** Depth at which shards and workers split the successors. */
export const SHARD_DEPTH = 2;

export interface ExhaustiveRun {
  readonly policy: string;
  readonly r: ExhaustiveResult;
  /** Shards merged into r (1 when it ran alone). */
  readonly parts: number;
}

function options(s: ExhaustiveSettings, policy: string, shard?: { k: number; n: number }): ExhaustiveOptions {
  return {
    ...(s.depth !== undefined ? { depth: s.depth } : {}),
    ...(s.maxStates !== undefined ? { maxStates: s.maxStates } : {}),
    ...(s.maxMemory !== undefined ? { maxMemory: s.maxMemory } : {}),
    ...(s.timeMs !== undefined ? { timeMs: s.timeMs } : {}),
    ...(s.signal ? { signal: s.signal } : {}),
    ...(s.progress ? { progress: (p: Progress) => s.progress!(policy, p) } : {}),
    ...(s.onFound ? { onFound: (f: ExhaustiveFound) => s.onFound!(policy, found(f)) } : {}),
    symmetry: s.symmetry,
    ...(s.memo !== undefined ? { memo: s.memo } : {}),
    ...(s.order !== undefined ? { order: s.order } : {}),
    ...(shard ? { shard: { ...shard, depth: SHARD_DEPTH } } : {}),
  };
}

/** Run one policy: in this thread, or over `workers` worker threads. */
export async function runPolicy(policy: Policy, policySpec: string, props: readonly Property[], scope: Scope, s: ExhaustiveSettings): Promise<ExhaustiveRun> {
  const cfg = { scope, policy };
  if (s.workers <= 1) {
    // Guarded like the random engine: a misbehaving policy is a policy error with its shortest trace.
    // In a policy sandbox: where the search is, for the watchdog (bin/sandbox-watch.ts).
    const opt = { ...options(s, policy.name, s.shard), guard: guardPolicy(policy), ...exhaustiveWatch(policy.name) };
    const r = await exploreExhaustiveAsync(cfg, props, opt);
    return { policy: policy.name, r, parts: 1 };
  }
  // One search over worker threads sharing one state store (exhaustive/parallel.ts). Making the
  // workers' script counts against the time bound.
  const t0 = Date.now();
  const entry = await workerEntry(policySpec);
  const timeMs = s.timeMs === undefined ? {} : { timeMs: Math.max(1, s.timeMs - (Date.now() - t0)) };
  const opt = options({ ...s, ...timeMs }, policy.name, s.shard);
  const r = await exploreParallel(cfg, props, opt, s.workers, (d) => spawnPart(entry, d, policySpec, scope, true));
  return { policy: policy.name, r, parts: s.workers };
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

function found(f: ExhaustiveFound): Found {
  return { ...f, afterRuns: f.afterStates, afterMs: f.foundMs, seed: 0, path: '' };
}

/** Cells for one policy's result. Sharded runs cannot see order dependences that span shards (workers can). */
export function exhaustiveCells(policy: string, props: readonly Property[], run: ExhaustiveRun, sharded: boolean): Cell[] {
  const r = run.r;
  return props.map((p) => {
    const f = r.found.find((x) => x.property === p.name);
    const expected = expectation(policy, p.name);
    let verdict: Verdict;
    let bound: string | undefined;
    if (f) verdict = 'violated';
    else if (r.policyError) verdict = 'policy-error';
    else if (sharded && p.kind === 'history' && !p.shardSafe) {
      verdict = 'unknown';
      bound = 'sharded: order dependences across shards are not compared';
    } else if (r.complete || r.bound === 'depth') verdict = r.exercised.includes(p.name) ? 'holds' : 'vacuous';
    else if (r.bound === null) {
      verdict = 'unknown'; // not reached: the search ended before it (every property asked for has a verdict then)
      bound = `search ended at depth ${r.depth}`;
    } else {
      verdict = 'unknown';
      bound = r.bound === 'interrupted' ? `interrupted at depth ${r.depth}` : `${r.bound} bound reached at depth ${r.depth}`;
    }
    const status = searchStatus(verdict, expected);
    return { policy, property: p, verdict, expected, status, ...(f ? { found: found(f) } : {}), ...(bound ? { bound } : {}) };
  });
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One search per policy; on a TTY a progress line on stderr refreshes a few times a second. */
export async function runExhaustiveCheck(
  policies: readonly Policy[],
  specs: readonly string[],
  props: readonly Property[],
  scope: Scope,
  settings: ExhaustiveSettings,
  tty: boolean,
  onFound?: (policy: string, f: Found) => void,
): Promise<CheckRun> {
  const progress = tty
    ? (policy: string, p: Progress): void => {
        const rate = p.ms > 0 ? (p.states / p.ms) * 1000 : 0;
        process.stderr.write(`\r\x1b[K${clip(oneLine(policy), 24)}: ${fmt(p.states)} states, depth ${p.depth}, ${fmt(rate)} states/s`);
      }
    : undefined;
  const runs: ExhaustiveRun[] = [];
  const cells: CheckRun['cells'] = [];
  const t0 = Date.now();
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    // `--time` is the whole run's: shared out evenly among the policies still to search.
    const t = settings.timeMs;
    const timeMs = t === undefined ? undefined : Math.max(1, (t - (Date.now() - t0)) / (policies.length - i));
    // The line shows at once: setting up a large scope's search takes a moment.
    progress?.(policy.name, { states: 0, transitions: 0, depth: 0, ms: 0 });
    // Counterexamples go to onFound as the search finds them, so that an interrupted run keeps them.
    const each = onFound
      ? {
          onFound: (p: string, f: Found): void => {
            if (tty) process.stderr.write('\r\x1b[K'); // the progress line makes way
            onFound(p, f);
          },
        }
      : {};
    const set = { ...settings, ...(progress ? { progress } : {}), ...(timeMs !== undefined ? { timeMs } : {}), ...each };
    const r = await runPolicy(policy, specs[i] ?? policy.name, props, scope, set);
    if (tty) process.stderr.write('\r\x1b[K');
    runs.push(r);
    cells.push(...exhaustiveCells(policy.name, props, r, settings.shard !== undefined));
    if (settings.signal?.aborted) break;
  }
  const sig = settings.signal as { aborted: boolean; reason?: string | null } | undefined;
  return {
    scope,
    seed: 0,
    runs: 0,
    cells,
    explorations: [],
    stoppedBy: sig?.aborted ? (sig.reason ?? 'signal') : null,
    engine: 'exhaustive',
    exhaustive: runs,
    ...(settings.shard ? { shard: settings.shard } : {}),
  };
}

/** The closing line of one policy's search: how much was checked, how fast, with what reduction. */
export function exhaustiveSummary(x: ExhaustiveRun): string {
  const r = x.r;
  const rate = r.ms > 0 ? (r.states / r.ms) * 1000 : 0;
  const end = r.complete
    ? 'every reachable state'
    : r.bound === 'depth'
      ? `every ordering of up to ${r.depth} ops`
      : r.bound === null
        ? `stopped at depth ${r.depth}: every property violated`
        : `${r.bound} bound reached at depth ${r.depth}`;
  const parts = x.parts > 1 ? `, ${x.parts} workers` : '';
  return `${x.policy}: ${end}; ${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${fmt(rate)} states/s, depth ${r.depth}, ${(r.bytes / 1048576).toFixed(1)} MB, symmetry reduction ×${r.reduction.toFixed(2)}${r.memo ? `, transition cache ${((100 * r.memo.hits) / Math.max(1, r.memo.hits + r.memo.misses)).toFixed(1)}% hits` : ''}${parts}, ${(r.ms / 1000).toFixed(1)} s`;
}
