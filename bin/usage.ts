import { existsSync } from 'node:fs';
import { oneLine, WIDTH, wrap } from '../render/term.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { scopeFlagsHelp } from './scope-flags.ts';

const MECHANISMS_HELP =
  '--mechanisms (check, diff without a trace): the kernel mechanisms whose ops both engines generate ' +
  `besides the classic ones: all (default), none, or a comma list of ${MECHANISMS.join(', ')}.`;

/** A bad command line or input: printed as one line, exit code 2. */
export class UsageError extends Error {
  /** Values in the message the user must copy (a path in a hint): an error line never clips them. */
  readonly keep: readonly string[];
  constructor(message: string, keep: readonly string[] = []) {
    super(message);
    this.keep = keep;
  }
}

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
  apmc run [--policy <name|file>] [scope flags] [--json] <trace>
      run a trace, print every step
  apmc check [--policy <name|file>]... [--property <name>]... [--seed N]
             [--runs N] [--time S] [scope flags] [--json] [--stats] [--verbose]
             [--save [DIR]] [--ci] [--report <dir>] [--shard k/n]
             [--engine random|exhaustive] [--depth N] [--max-states N]
             [--max-memory MB] [--symmetry on|off] [--memo auto|on|off]
             [--order guests-first|plain] [--workers N] [--base <name|file>]
             [--mechanisms all|none|LIST] [--from <trace>]
      check properties (random or exhaustive); with --base, per property what
      each policy adds to the base (new), shares with it (inherited), fixes
  apmc merge [--json] [--ci] <report.json>...
      combine the --json reports of shards
  apmc explain [--format text|md|json|sh] [--policy <name|file>] [scope flags]
               [--property <name|id>] <trace|counterexample.json>
      a trace step by step, with guest grids; --property: that property
      (a name or spec id, I7) judged after every step
  apmc diff --policy <A> --policy <B> [--observe guest|sysfs|all]
            [scope flags] <trace>
      where two policies first differ on a trace (exit 1)
  apmc diff --policy <A> --policy <B> [--observe guest|sysfs|all] [--seed N]
            [--runs N] [--time S] [--max-ops N] [--save FILE]
            [--engine auto|random|exhaustive] [exhaustive flags] [scope flags]
            [--mechanisms all|none|LIST]
      search for a trace after which they differ (exit 1), and show it; auto
      (default): breadth-first first (a shortest trace), then random;
      --classes [--save-dir DIR]: every class of first difference, a trace each
  apmc compare [--policy <name|file>] [--save FILE] [scope flags]
               <a.trace> <b.trace>
      two orders under one design: same configuration, other guests? (exit 1)
  apmc convert [--to json|text] <trace>
      convert a trace between formats
  apmc import [--sysfs DIR] [--lszcrypt FILE] [--mdevctl FILE] [--to json|text]
              [-o FILE] [--policy <name>] [scope flags: at most this many]
      a machine's vfio_ap state as a trace with its real ids (exit 1: the
      model does not rebuild it exactly; stderr says where)
  apmc snapshot [-o FILE]
      the sh script that collects what import reads on an LPAR
  apmc policies      list the built-in policies
  apmc properties [--json]
      list the properties: spec id, name, sentence
  apmc help          this text

${wrap(MECHANISMS_HELP, WIDTH, '  ', '').join('\n')}

scope flags (override the trace's 'scope' line; defaults in parentheses):
${scopeFlagsHelp(WIDTH).join('\n')}

common flags: --color / --no-color (NO_COLOR is honoured)
exit codes: run/convert/explain: 0 done (kernel rejections are results).
  diff: 0 no difference (in every case asked for, or to the depth shown),
  1 the policies differ, 6 a bound (--time …) stopped the search undecided.
  compare: 0 the same guests, 1 other guests from the same configuration,
  4 the two orders end in different configurations. check: 0 every property
  holds (or is vacuous), 1 a violation not recorded as expected, 4 violations
  found and all expected (0 with --ci), 5 an expected violation was not
  found, 6 a verdict left unknown: a bound (--time, --max-states, memory)
  ended an exhaustive search first, or merge misses a shard, 130/143 stopped
  by SIGINT/SIGTERM. check
  and run: 7 a policy error. merge: as check. All: 2 bad usage or input,
  3 internal error.`;

/** `apmc policies`: each built-in policy's name and summary, the summary wrapped under itself. */
export function policiesText(policies: readonly { readonly name: string; readonly summary: string }[]): string {
  const lines = (p: (typeof policies)[number]) =>
    wrap(oneLine(p.summary), WIDTH, ' '.repeat(11), `${oneLine(p.name).padEnd(10)} `);
  return policies.flatMap(lines).join('\n');
}

/** `apmc properties`: each property's spec id and name, its sentence wrapped under them. */
export function propertiesText(
  props: readonly { readonly name: string; readonly spec: string; readonly statement: string }[],
): string {
  return props
    .flatMap((p) => [`${p.spec.padEnd(4)} ${p.name}`, ...wrap(oneLine(p.statement), WIDTH, '     ', '     ')])
    .join('\n');
}

/**
 * The command-line arguments that name files (a '/', an extension, or an existing name): error lines keep them
 * whole.
 */
export const pathArgs = (argv: readonly string[]): string[] => argv.filter((a) => /\/|\.\w+$/.test(a) || existsSync(a));
