/** `apmc check`: explore every selected policy × property, compare with the expected verdicts, report. */
import { initialState } from '../model/state.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { explore, type Exploration, type Found } from '../properties/explore.ts';
import { expectation, type Expectation } from '../properties/expected.ts';
import type { Property } from '../properties/types.ts';
import type { ExhaustiveRun } from './check-exhaustive.ts';

export type Verdict = 'holds' | 'violated' | 'unknown';
/** How a verdict compares with the expectation. */
export type Status = 'holds' | 'as-expected' | 'new' | 'missing' | 'unknown';

export interface Cell {
  readonly policy: string;
  readonly property: Property;
  readonly verdict: Verdict;
  readonly expected: Expectation | null;
  readonly status: Status;
  readonly found?: Found;
  /** Why an unknown verdict is unknown (exhaustive engine: the bound reached and the depth). */
  readonly bound?: string;
}

export interface CheckRun {
  readonly scope: Scope;
  readonly seed: number;
  readonly runs: number;
  readonly cells: Cell[];
  readonly explorations: { readonly policy: string; readonly x: Exploration }[];
  readonly engine?: 'random' | 'exhaustive';
  readonly exhaustive?: readonly ExhaustiveRun[];
  /** This run is shard k of n (`--shard k/n`). */
  readonly shard?: { readonly k: number; readonly n: number };
}

function status(verdict: Verdict, expected: Expectation | null): Status {
  if (verdict === 'violated') return expected ? 'as-expected' : 'new';
  if (expected?.foundBy === 'exhaustive') return verdict === 'unknown' ? 'unknown' : 'holds'; // rare for random exploration
  if (expected) return 'missing';
  return verdict === 'unknown' ? 'unknown' : 'holds';
}

export function runCheck(
  policies: readonly Policy[],
  props: readonly Property[],
  scope: Scope,
  seed: number,
  runs: number,
  timeMs: number | undefined,
  shard?: { readonly k: number; readonly n: number },
): CheckRun {
  const cells: Cell[] = [];
  const explorations: CheckRun['explorations'] = [];
  const t0 = Date.now();
  policies.forEach((policy, i) => {
    const cfg = { scope, policy };
    // The time budget is shared out evenly among the policies still to run.
    const left = timeMs === undefined ? undefined : Math.max(1, (timeMs - (Date.now() - t0)) / (policies.length - i));
    const x = explore(cfg, initialState(scope), props, { seed, runs, ...(left !== undefined ? { timeMs: left } : {}) });
    explorations.push({ policy: policy.name, x });
    for (const p of props) {
      const found = x.found.find((f) => f.property === p.name);
      const verdict: Verdict = found ? 'violated' : x.interrupted ? 'unknown' : 'holds';
      const expected = expectation(policy.name, p.name);
      cells.push({ policy: policy.name, property: p, verdict, expected, status: status(verdict, expected), ...(found ? { found } : {}) });
    }
  });
  return { scope, seed, runs, cells, explorations, engine: 'random', ...(shard ? { shard } : {}) };
}

/**
 * Exit codes (README): 1 a new violation; 5 an expected violation not found; 6 a bound (--max-states,
 * memory) ended an exhaustive run before a verdict, or (merge) a shard is missing; 4 violations, all
 * expected; 0 all holds.
 */
export function exitCode(cells: readonly Cell[]): number {
  if (cells.some((c) => c.status === 'new')) return 1;
  if (cells.some((c) => c.status === 'missing')) return 5;
  if (cells.some((c) => c.status === 'unknown' && c.bound !== undefined && /^(states bound|memory bound|a shard is missing)/.test(c.bound))) return 6;
  if (cells.some((c) => c.status === 'as-expected')) return 4;
  return 0;
}
