/** A bad command line or input: printed as one line, exit code 2. */
export class UsageError extends Error {}

/** The closest of `options` to `word` (edit distance ≤ 3), for "did you mean" hints. */
export function closest(word: string, options: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = 4;
  for (const o of options) {
    const d = distance(word.toLowerCase(), o.toLowerCase());
    if (d < bestD) [best, bestD] = [o, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export const HELP = `apmc: a model checker for the s390 AP passthrough stack (AP bus + vfio_ap + KVM)

usage:
  apmc run [--policy <name|file>] [scope flags] [--json] <trace>   run a trace, print every step
  apmc check [--policy <name|file>]... [--property <name>]... [--seed N] [--runs N] [--time S]
             [scope flags] [--json] [--stats] [--save [DIR]] [--ci]  check properties by random exploration
  apmc convert [--to json|text] <trace>                           convert a trace between formats
  apmc policies                                                   list the built-in policies
  apmc help                                                       this text

scope flags (override the trace's 'scope' line; defaults in parentheses):
  --adapters N (2)  --domains N (2)  --control-domains N (1)  --mdevs N (2)  --vms N (2)

common flags: --color / --no-color (NO_COLOR is honoured)
exit codes: run/convert: 0 done (kernel rejections are results). check: 0 every property holds
  (or is vacuous), 1 a violation not recorded as expected, 4 violations found and all expected
  (0 with --ci), 5 an expected violation was not found, 130/143 stopped by SIGINT/SIGTERM.
  check and run: 7 a policy error. All: 2 bad usage or input, 3 internal error.`;
