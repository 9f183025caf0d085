/**
 * How much a check did per policy, in one line each: the cases and operations of an exploration, or the states and
 * transitions of a search. The text report and the HTML report print the same lines.
 */
import type { SampledPolicy, SearchedPolicy } from '../check/run.ts';

const STOPPED: Record<string, string> = { time: 'stopped by --time', 'policy-error': 'stopped by a policy error' };

/** "static: 50000 cases, 379049 operations in 5.5 s (stopped by SIGINT)". */
export function progressLine(r: SampledPolicy): string {
  const x = r.exploration;
  const why = x.stoppedBy === null ? '' : ` (${STOPPED[x.stoppedBy] ?? `stopped by ${x.stoppedBy}`})`;
  if (x.runs === 0 && x.interrupted) return `${r.policy}: not started${why}`;
  return `${r.policy}: ${x.runs} cases, ${x.ops} operations in ${(x.ms / 1000).toFixed(1)} s${why}`;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * The closing line of one policy's search: how much was checked, how fast, with what reduction, e.g.
 * "d0: every ordering of up to 4 ops; 1,234 states, ..., 0.4 s".
 */
export function searchLine(x: SearchedPolicy): string {
  const r = x.result;
  const rate = r.ms > 0 ? (r.states / r.ms) * 1000 : 0;
  const end = r.complete
    ? 'every reachable state'
    : r.bound === 'depth'
      ? `every ordering of up to ${r.depth} ops`
      : r.bound === null
        ? `stopped at depth ${r.depth}: every property violated`
        : `${r.bound} bound reached at depth ${r.depth}`;
  const counts = `${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${fmt(rate)} states/s, depth ${r.depth}`;
  const memory = `${(r.bytes / 1048576).toFixed(1)} MB, symmetry reduction ×${r.reduction.toFixed(2)}`;
  const hits = r.memo ? (100 * r.memo.hits) / Math.max(1, r.memo.hits + r.memo.misses) : 0;
  const cache = r.memo ? `, transition cache ${hits.toFixed(1)}% hits` : '';
  const workers = x.workers > 1 ? `, ${x.workers} workers` : '';
  return `${x.policy}: ${end}; ${counts}, ${memory}${cache}${workers}, ${(r.ms / 1000).toFixed(1)} s`;
}

/**
 * Where a random search found a case: "seed 1, case 3804" (`check`, with or without `--base`, numbers its cases), or
 * fast-check's "fast-check seed 1, path 12:0:1" (the explorer of `apmc diff`).
 */
export function foundWhere(seed: number, path: string): string {
  return /^\d+$/.test(path) ? `seed ${seed}, case ${path}` : `fast-check seed ${seed}, path ${path}`;
}
