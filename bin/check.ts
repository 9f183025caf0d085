/** `apmc check`: explore every selected policy × property, compare with the expected verdicts, report. */
import { initialState } from '../model/state.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { explore, type Exploration, type Found } from '../properties/explore.ts';
import { expectation, type Expectation } from '../properties/expected.ts';
import type { Property } from '../properties/types.ts';

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
}

export interface CheckRun {
  readonly scope: Scope;
  readonly seed: number;
  readonly runs: number;
  readonly cells: Cell[];
  readonly explorations: { readonly policy: string; readonly x: Exploration }[];
}

function status(verdict: Verdict, expected: Expectation | null): Status {
  if (verdict === 'violated') return expected ? 'as-expected' : 'new';
  if (expected) return 'missing';
  return verdict === 'unknown' ? 'unknown' : 'holds';
}

export function runCheck(policies: readonly Policy[], props: readonly Property[], scope: Scope, seed: number, runs: number, timeMs: number | undefined): CheckRun {
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
  return { scope, seed, runs, cells, explorations };
}

/** Exit codes (README): 1 a new violation; 5 an expected violation not found; 4 violations, all expected; 0 all holds. */
export function exitCode(cells: readonly Cell[]): number {
  if (cells.some((c) => c.status === 'new')) return 1;
  if (cells.some((c) => c.status === 'missing')) return 5;
  if (cells.some((c) => c.status === 'as-expected')) return 4;
  return 0;
}
