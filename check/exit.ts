/** The exit code of `apmc check` and `apmc merge`, and the closing line that says what it rests on. */
import type { Cell, Status } from './verdict.ts';

/**
 * A signal that stopped the run: the code shells report for a death by it, 128 + its number. `abort`: the
 * AbortSignal given to the library's check (api/check.ts), an interruption as SIGINT is.
 */
export const SIGNAL_EXIT: Readonly<Record<string, number>> = { SIGINT: 130, SIGTERM: 143, abort: 130 };

/**
 * Exit codes (README): 7 a policy error; 1 a new violation; 5 an expected violation not found; 6 a
 * search left a verdict undecided (`bound` says why: --time, --max-states or the memory ceiling
 * stopped the exhaustive engine first, shards cannot compare order dependences across shards, or
 * (merge) a shard is missing): an undecided search is never a success; 4 violations, all expected or
 * inherited from the base (`--base`); 0 all holds (vacuous and fixed count as holds). The random
 * engine's `unknown` (its cases cut short by --time) has no bound: an expected violation it did not
 * find is 'missing' (5), the rest count as holds, as sampling never decides.
 */
export function exitCode(cells: readonly Cell[]): number {
  if (cells.some((c) => c.status === 'policy-error')) return 7;
  if (cells.some((c) => c.status === 'new')) return 1;
  if (cells.some((c) => c.status === 'missing')) return 5;
  if (cells.some((c) => c.status === 'unknown' && c.bound !== undefined)) return 6;
  if (cells.some((c) => c.status === 'as-expected' || c.status === 'inherited')) return 4;
  return 0;
}

/** The run's exit code: the cells', 0 for 4 with `--ci` (expected violations only), a stopping signal's code. */
export function runExit(cells: readonly Cell[], ci: boolean, stoppedBy: string | null): number {
  let code = exitCode(cells);
  if (ci && code === 4) code = 0;
  if (stoppedBy !== null) code = SIGNAL_EXIT[stoppedBy] ?? code;
  return code;
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
  const inherited = n('inherited');
  const fixed = n('fixed');
  const violations = expected + fresh + inherited;
  const parts: string[] = [];
  if (violations + missing + unknown + broken === 0) {
    parts.push(cells.length === 0 ? 'nothing checked' : 'every property checked holds');
    if (fixed > 0) parts.push(`${fixed} fixed`);
  } else if (inherited + fixed > 0) {
    // Against a base: what the variant adds, shares with it and removes.
    const found = `${count(violations, 'violation')}: ${fresh} new, ${inherited} inherited, ${expected} expected`;
    parts.push(violations === 0 ? 'no violation' : found, `${fixed} fixed`);
  } else {
    const found = `${count(violations, 'violation')}, ${fresh === 0 ? 'all' : expected} expected`;
    parts.push(violations === 0 ? 'no violation' : found, `${fresh} new`);
  }
  if (violations + missing + unknown + broken > 0) {
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
