/**
 * Combining the results of the shards of one exhaustive search. Every state at the shard depth
 * belongs to exactly one shard, so a violation's shortest trace is the shortest over the shards.
 * States and transitions are summed: a state reachable from two shards' roots counts once in each.
 */
import type { ExhaustiveFound, ExhaustiveResult } from './engine.ts';

export function mergeResults(parts: readonly ExhaustiveResult[]): ExhaustiveResult {
  const found = new Map<string, ExhaustiveFound>();
  for (const r of parts) {
    for (const f of r.found) {
      const g = found.get(f.property);
      if (g === undefined || f.depth < g.depth) found.set(f.property, f);
    }
  }
  const bounds = parts.map((r) => r.bound).filter((b) => b !== null);
  const policyError = parts.find((r) => r.policyError)?.policyError;
  return {
    states: sum(parts.map((r) => r.states)),
    transitions: sum(parts.map((r) => r.transitions)),
    depth: Math.min(...parts.map((r) => r.depth)),
    complete: parts.every((r) => r.complete),
    // The most serious bound wins: one shard out of memory makes the whole run bounded.
    bound:
      (['policy-error', 'interrupted', 'memory', 'states', 'time', 'depth'] as const).find((b) => bounds.includes(b)) ??
      null,
    ms: Math.max(...parts.map((r) => r.ms)),
    bytes: sum(parts.map((r) => r.bytes)),
    alphabet: parts[0]?.alphabet ?? 0,
    found: [...found.values()],
    reduction: sum(parts.map((r) => r.reduction * r.states)) / Math.max(1, sum(parts.map((r) => r.states))),
    exercised: [...new Set(parts.flatMap((r) => r.exercised))],
    ...(policyError ? { policyError } : {}),
  };
}

const sum = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0);
