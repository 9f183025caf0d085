/**
 * `apmc check --engine exhaustive`: one breadth-first search per policy (all selected properties at
 * once), in this thread or split over worker threads (`--workers`) or CI jobs (`--shard k/n`), turned
 * into the same cells as the random engine.
 */
import { Worker } from 'node:worker_threads';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { exploreExhaustiveAsync, type ExhaustiveFound, type ExhaustiveOptions, type ExhaustiveResult, type Progress } from '../exhaustive/engine.ts';
import { mergeResults } from '../exhaustive/merge.ts';
import { expectation } from '../properties/expected.ts';
import type { Found } from '../properties/explore.ts';
import type { Property } from '../properties/types.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import type { Cell, Verdict } from './check.ts';

export interface ExhaustiveSettings {
  readonly depth?: number;
  readonly maxStates?: number;
  readonly maxMemory?: number;
  readonly timeMs?: number;
  readonly symmetry: boolean;
  readonly workers: number;
  readonly shard?: { readonly k: number; readonly n: number };
  readonly progress?: (policy: string, p: Progress) => void;
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
    symmetry: s.symmetry,
    ...(shard ? { shard: { ...shard, depth: SHARD_DEPTH } } : {}),
  };
}

/** Run one policy: here, or as `workers` shards in worker threads, merged. */
export async function runPolicy(policy: Policy, policySpec: string, props: readonly Property[], scope: Scope, s: ExhaustiveSettings): Promise<ExhaustiveRun> {
  const cfg = { scope, policy };
  if (s.workers <= 1) {
    // Guarded like the random engine: a misbehaving policy is a policy error with its shortest trace.
    const r = await exploreExhaustiveAsync(cfg, props, { ...options(s, policy.name, s.shard), guard: guardPolicy(policy) });
    return { policy: policy.name, r, parts: 1 };
  }
  // Worker k of n explores shard (k, n) of this job's shard: a sub-partition when --shard is given too.
  const outer = s.shard ?? { k: 0, n: 1 };
  const n = outer.n * s.workers;
  const parts = await Promise.all(
    Array.from({ length: s.workers }, (_, w) => {
      const shard = { k: outer.k + w * outer.n, n };
      const { progress: _p, signal: _s, ...rest } = options(s, policy.name, shard);
      return inWorker({ policySpec, props: props.map((p) => p.name), scope, opt: rest });
    }),
  );
  return { policy: policy.name, r: mergeResults(parts), parts: s.workers };
}

function inWorker(data: unknown): Promise<ExhaustiveResult> {
  return new Promise((resolve, reject) => {
    const w = new Worker(new URL('./exhaustive-worker.js', import.meta.url), { workerData: data });
    w.once('message', (m: { ok: true; r: ExhaustiveResult } | { ok: false; error: string }) => (m.ok ? resolve(m.r) : reject(new Error(m.error))));
    w.once('error', reject);
  });
}

function found(f: ExhaustiveFound): Found {
  return { ...f, afterRuns: f.afterStates, afterMs: f.foundMs, seed: 0, path: '' };
}

/** Cells for one policy's result. Sharded runs cannot see order dependences that span shards. */
export function exhaustiveCells(policy: string, props: readonly Property[], run: ExhaustiveRun, sharded: boolean): Cell[] {
  const r = run.r;
  return props.map((p) => {
    const f = r.found.find((x) => x.property === p.name);
    const expected = expectation(policy, p.name);
    let verdict: Verdict;
    let bound: string | undefined;
    if (f) verdict = 'violated';
    else if (r.policyError) verdict = 'policy-error';
    else if (sharded && p.name === 'order-independence') {
      verdict = 'unknown';
      bound = 'sharded: order dependences across shards are not compared';
    } else if (r.complete || r.bound === 'depth') verdict = r.exercised.includes(p.name) ? 'holds' : 'vacuous';
    else if (r.bound === null) verdict = 'unknown'; // stopped early: every other property was violated
    else {
      verdict = 'unknown';
      bound = r.bound === 'interrupted' ? `interrupted at depth ${r.depth}` : `${r.bound} bound reached at depth ${r.depth}`;
    }
    const status: Cell['status'] =
      verdict === 'violated' ? (expected ? 'as-expected' : 'new') : verdict === 'unknown' || verdict === 'policy-error' ? verdict : expected ? 'missing' : verdict;
    return { policy, property: p, verdict, expected, status, ...(f ? { found: found(f) } : {}), ...(bound ? { bound } : {}) };
  });
}
