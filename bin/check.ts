/** `apmc check`: explore every selected policy × property, compare with the expected verdicts, report. */
import { initialState } from '../model/state.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { Case } from '../properties/case.ts';
import { explore, type Exploration, type Found } from '../properties/explore.ts';
import { expectation, type Expectation } from '../properties/expected.ts';
import type { Property } from '../properties/types.ts';
import type { ExhaustiveRun } from './check-exhaustive.ts';
import type { AbortFlag } from '../properties/abort.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { opStats, type OpStats } from '../properties/stats.ts';

export type Verdict = 'holds' | 'vacuous' | 'violated' | 'unknown' | 'policy-error';
/** How a verdict compares with the expectation. */
export type Status = 'holds' | 'vacuous' | 'as-expected' | 'new' | 'missing' | 'unknown' | 'policy-error';

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

/** One policy's exploration, with its operation coverage and the properties it exercised. */
export interface PolicyRun {
  readonly policy: string;
  readonly x: Exploration;
  readonly stats: OpStats;
  readonly exercised: ReadonlySet<string>;
}

export interface CheckRun {
  readonly scope: Scope;
  readonly seed: number;
  readonly runs: number;
  readonly cells: Cell[];
  readonly explorations: PolicyRun[];
  /** A signal's name if one stopped the run, else null ('time' for the budget shows per exploration). */
  readonly stoppedBy: string | null;
  readonly engine?: 'random' | 'exhaustive';
  readonly exhaustive?: readonly ExhaustiveRun[];
  /** This run is shard k of n (`--shard k/n`). */
  readonly shard?: { readonly k: number; readonly n: number };
}

export interface CheckHooks {
  /** Polled by the engine; bin/signals.ts sets it. */
  readonly signal?: AbortFlag;
  /** Each violation as soon as it is found and shrunk. */
  readonly onFound?: (policy: string, f: Found) => void;
  /** Each case as it starts, and each step of its first history done (the policy sandbox records them). */
  readonly onCase?: (policy: string, c: Case) => void;
  readonly onStepDone?: () => void;
}

function status(verdict: Verdict, expected: Expectation | null): Status {
  if (verdict === 'policy-error') return 'policy-error';
  if (verdict === 'violated') return expected ? 'as-expected' : 'new';
  if (expected?.foundBy === 'exhaustive') return verdict === 'unknown' ? 'unknown' : 'holds'; // rare for random exploration
  if (expected) return 'missing';
  return verdict;
}

/** The mark a status adds to its verdict in the tables: expected `*`, new `!`, missing `?`. */
export const MARK: Readonly<Record<Status, string>> = { holds: '', vacuous: '', 'as-expected': '*', new: '!', missing: '?', unknown: '', 'policy-error': '' };

/** The status of a search's verdict (exhaustive, merged shards): unfinished is unknown, never missing. */
export function searchStatus(verdict: Verdict, expected: Expectation | null): Status {
  if (verdict === 'violated') return expected ? 'as-expected' : 'new';
  if (verdict === 'unknown' || verdict === 'policy-error') return verdict;
  return expected ? 'missing' : verdict;
}

function verdictOf(p: Property, found: Found | undefined, r: PolicyRun): Verdict {
  if (found) return 'violated';
  if (r.x.policyError) return 'policy-error';
  if (r.x.interrupted) return 'unknown';
  return r.exercised.has(p.name) ? 'holds' : 'vacuous';
}

export async function runCheck(
  policies: readonly Policy[],
  props: readonly Property[],
  scope: Scope,
  seed: number,
  runs: number,
  timeMs: number | undefined,
  hooks: CheckHooks = {},
  shard?: { readonly k: number; readonly n: number },
): Promise<CheckRun> {
  const cells: Cell[] = [];
  const explorations: PolicyRun[] = [];
  const t0 = Date.now();
  for (const [i, policy] of policies.entries()) {
    // Every policy runs guarded: a misbehaving one is a policy error, not a crash (properties/policy-guard.ts).
    const guard = guardPolicy(policy);
    const cfg = { scope, policy: guard.policy };
    const stats = opStats();
    const tracker = exerciseTracker(cfg, props);
    // The time budget is shared out evenly among the policies still to run.
    const left = timeMs === undefined ? undefined : Math.max(1, (timeMs - (Date.now() - t0)) / (policies.length - i));
    const x = await explore(cfg, initialState(scope), props, {
      seed,
      runs,
      guard,
      ...(left !== undefined ? { timeMs: left } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      onStep: (before, op, after) => {
        hooks.onStepDone?.();
        stats.recordOp(op.kind, after.result);
        tracker.observe(before, op, after);
      },
      onFound: (f) => hooks.onFound?.(policy.name, f),
      ...(hooks.onCase ? { onCase: (c: Case) => hooks.onCase!(policy.name, c) } : {}),
    });
    const r: PolicyRun = { policy: policy.name, x, stats, exercised: tracker.exercised };
    explorations.push(r);
    for (const p of props) {
      const found = x.found.find((f) => f.property === p.name);
      const verdict = verdictOf(p, found, r);
      const expected = expectation(policy.name, p.name);
      cells.push({ policy: policy.name, property: p, verdict, expected, status: status(verdict, expected), ...(found ? { found } : {}) });
    }
  }
  const stoppedBy = hooks.signal?.aborted ? (hooks.signal.reason ?? 'signal') : null;
  return { scope, seed, runs, cells, explorations, stoppedBy, engine: 'random', ...(shard ? { shard } : {}) };
}

/**
 * Exit codes (README): 7 a policy error; 1 a new violation; 5 an expected violation not found; 6 a
 * search left a verdict undecided (`bound` says why: --time, --max-states or the memory ceiling
 * stopped the exhaustive engine first, shards cannot compare order dependences across shards, or
 * (merge) a shard is missing): an undecided search is never a success; 4 violations, all expected;
 * 0 all holds (vacuous counts as holds). The random engine's `unknown` (its cases cut short by
 * --time) has no bound: an expected violation it did not find is 'missing' (5), the rest count as
 * holds, as sampling never decides. A signal's code is main's.
 */
export function exitCode(cells: readonly Cell[]): number {
  if (cells.some((c) => c.status === 'policy-error')) return 7;
  if (cells.some((c) => c.status === 'new')) return 1;
  if (cells.some((c) => c.status === 'missing')) return 5;
  if (cells.some((c) => c.status === 'unknown' && c.bound !== undefined)) return 6;
  if (cells.some((c) => c.status === 'as-expected')) return 4;
  return 0;
}

const count = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/**
 * The closing line of `apmc check` and `apmc merge`: what the verdicts were, counted from the cells,
 * and the exit code, e.g. "30 violations, all expected; 0 new; exit 0" (in 80 columns: a long one
 * continues on a second line). A run stopped by a signal gets a line saying so before it.
 */
export function closingLine(cells: readonly Cell[], code: number, signal: string | null = null): string {
  const n = (s: Status): number => cells.filter((c) => c.status === s).length;
  const expected = n('as-expected');
  const fresh = n('new');
  const missing = n('missing');
  const unknown = n('unknown');
  const broken = new Set(cells.filter((c) => c.status === 'policy-error').map((c) => c.policy)).size;
  const violations = expected + fresh;
  const parts: string[] = [];
  if (violations + missing + unknown + broken === 0) {
    parts.push(cells.length === 0 ? 'nothing checked' : 'every property checked holds');
  } else {
    const found = `${count(violations, 'violation')}, ${fresh === 0 ? 'all' : expected} expected`;
    parts.push(violations === 0 ? 'no violation' : found, `${fresh} new`);
    if (missing > 0) parts.push(`${count(missing, 'expected violation')} not found`);
    if (unknown > 0) parts.push(`${unknown} unknown (not finished)`);
    if (broken > 0) parts.push(`policy error in ${count(broken, 'policy', 'policies')}`);
  }
  parts.push(`exit ${code}`);
  // At most 80 columns: a long count continues on a second line.
  const lines = [parts[0]!];
  for (const x of parts.slice(1)) {
    if (lines[lines.length - 1]!.length + 2 + x.length > 80) lines[lines.length - 1] += ';';
    if (lines[lines.length - 1]!.endsWith(';')) lines.push(x);
    else lines[lines.length - 1] += `; ${x}`;
  }
  const line = lines.join('\n');
  return signal === null ? line : `stopped by ${signal}: the verdicts so far, 'unknown' where unfinished\n${line}`;
}
