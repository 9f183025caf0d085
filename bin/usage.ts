import { existsSync, readFileSync } from 'node:fs';
import { oneLine, WIDTH, width, wrap } from '../render/term.ts';
import { type CommandName, COMMANDS, type CommandSpec, COMMON, type Flag } from './commands.ts';

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

const TITLE = 'apmc: a model checker for the s390 AP passthrough stack (AP bus + vfio_ap + KVM)';

/** The list of commands and where their flags are: what a bare `apmc` prints on stderr. */
export const SHORT_USAGE = [
  'usage: apmc <command> [flags] [arguments]',
  '',
  'commands:',
  ...Object.values(COMMANDS).map((c) => `  ${c.name.padEnd(11)} ${c.summary}`),
  '',
  'apmc <command> --help (or apmc help <command>): flags, exit codes, examples.',
].join('\n');

/** `apmc help`: the commands, and what every command shares. */
export const HELP = [
  TITLE,
  '',
  SHORT_USAGE,
  ...wrap(
    "'apmc --version' (or -V): the version. A trace argument '-' reads the trace from standard input " +
      '(one per command). apmc check reads defaults from ./apmc.config.json or the "apmc" key of ' +
      './package.json (--config <file>, --no-config). Every command exits 2 on bad usage or input (one line on ' +
      'stderr naming the file, line and problem) and 3 on an internal error. NO_COLOR is honoured.',
    WIDTH,
  ),
].join('\n');

/** A flag as its help's left column shows it: `-h, --help`, `--policy <name|file>`. */
const flagLabel = (name: string, f: Flag): string =>
  `${f.short ? `-${f.short}, ` : ''}--${name}${f.arg ? ` ${f.arg}` : ''}`;

/** The widest left column before a flag's help moves under it. */
const LABEL_MAX = 32;

/** `apmc <command> --help`: its usage, what it does, every flag it takes (one line each), exit codes, examples. */
export function commandHelp(name: CommandName): string {
  const c: CommandSpec = COMMANDS[name];
  const flags: [string, Flag][] = [...Object.entries(c.flags as Record<string, Flag>), ...Object.entries(COMMON)];
  const col = Math.min(LABEL_MAX, Math.max(...flags.map(([n, f]) => flagLabel(n, f).length))) + 4;
  const flagLines = flags.flatMap(([n, f]) => {
    const label = `  ${flagLabel(n, f)}`;
    const pad = ' '.repeat(col);
    if (width(label) + 2 > col) return [label, ...wrap(f.help, WIDTH, pad)];
    return wrap(f.help, WIDTH, pad, label.padEnd(col));
  });
  const codes = [...c.exits, '2 bad usage or input', '3 internal error'];
  const exits = codes
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10))
    .flatMap((e) => {
      const [code, ...rest] = e.split(' ');
      return wrap(rest.join(' '), WIDTH, ' '.repeat(10), `  ${code!.padEnd(8)}`);
    });
  return [
    ...c.synopsis.flatMap((s, i) => wrap(`apmc ${s}`, WIDTH, ' '.repeat(9), i === 0 ? 'usage:  ' : '        ')),
    '',
    ...wrap(c.about, WIDTH),
    ...(c.stdin ? ["A trace argument '-' reads the trace from standard input (one per command)."] : []),
    '',
    'flags:',
    ...flagLines,
    '',
    'exit codes:',
    ...exits,
    '',
    'examples:',
    ...c.examples.map((e) => `  ${e}`),
  ].join('\n');
}

/** The version in apmc's package.json, read when asked (not built in). */
export function packageVersion(): string {
  const doc = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version?: unknown };
  if (typeof doc.version !== 'string') throw new Error('package.json has no "version" string');
  return doc.version;
}

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
