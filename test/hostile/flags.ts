/** Hostile command lines: absurd, empty and repeated flag values, unknown flags and commands. */
import { symlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { Case } from './case.ts';

/**
 * `apmc check` on one policy, one property and 5 runs, with `flags` over that base (a flag given in
 * `flags` replaces the base's), so that a value apmc wrongly accepts costs a fraction of a second.
 */
const chk = (flags: readonly string[]): string[] => {
  const base: Record<string, string> = { '--policy': 'upstream', '--property': 'assign-idempotent', '--runs': '5' };
  for (const f of flags) delete base[f.split('=')[0]!];
  return ['check', ...Object.entries(base).flat(), ...flags];
};

const T = 'create m1\nm1 assign_adapter 1\n';

const flag = (name: string, argv: readonly string[], says: RegExp, extra: Partial<Case> = {}): Case => ({
  name,
  argv,
  exit: 2,
  says,
  files: { 't.trace': T },
  ...extra,
});
const check = (name: string, flags: readonly string[], says: RegExp, extra: Partial<Case> = {}): Case =>
  flag(`check ${name}`, chk(flags), says, extra);

const numbers: Case[] = [
  check('--seed -1', ['--seed', '-1'], /^--seed: /),
  check('--seed=-1', ['--seed=-1'], /^--seed: /),
  check('--seed 1e309', ['--seed', '1e309'], /^--seed: expected a whole number/),
  check('--seed 2^31', ['--seed', '2147483648'], /^--seed: expected a whole number/),
  check('--seed 0x10', ['--seed', '0x10'], /^--seed: /),
  check("--seed ''", ['--seed', ''], /^--seed: /),
  check("--seed ' 1'", ['--seed', ' 1'], /^--seed: /),
  check('--seed in Arabic-Indic digits', ['--seed', '\u0661\u0662'], /^--seed: /),
  check('--seed of 10 MB of digits', ['--seed', '1'.repeat(10 << 20)], /^--seed: /),
  check('--runs 0', ['--runs', '0'], /^--runs: expected a whole number from 1/),
  check('--runs -5', ['--runs', '-5'], /^--runs: /),
  check('--runs 1e3', ['--runs', '1e3'], /^--runs: /),
  check('--runs 10^20', ['--runs', '99999999999999999999'], /^--runs: /),
  check('--runs 1.0', ['--runs', '1.0'], /^--runs: /),
  check("--runs=''", ['--runs='], /^--runs: /),
  check('--time NaN', ['--time', 'NaN'], /^--time: /),
  check('--time 0', ['--time', '0'], /^--time: /),
  check('--time -1', ['--time', '-1'], /^--time: /),
  check('--time 1.5', ['--time', '1.5'], /^--time: /),
  check('--time Infinity', ['--time', 'Infinity'], /^--time: /),
  check('--time 10d', ['--time', '10d'], /^--time: /),
  check('--time 10^11', ['--time', '99999999999'], /^--time: /),
  check("--time ''", ['--time', ''], /^--time: /),
  check('--time with no value at the end', ['--time'], /^--time: missing value$/),
  check('--depth 99999', ['--engine', 'exhaustive', '--depth', '99999'], /^--depth: /),
  check('--depth -1', ['--engine', 'exhaustive', '--depth', '-1'], /^--depth: /),
  check('--depth without --engine exhaustive', ['--depth', '3'], /^--depth needs --engine exhaustive$/),
  check('--workers 0', ['--engine', 'exhaustive', '--workers', '0'], /^--workers: /),
  check('--workers 65', ['--engine', 'exhaustive', '--workers', '65'], /^--workers: /),
  check('--workers 1.5', ['--engine', 'exhaustive', '--workers', '1.5'], /^--workers: /),
  check('--workers with the random engine', ['--workers', '2'], /^--workers needs --engine exhaustive$/),
  check('--max-memory 1', ['--engine', 'exhaustive', '--max-memory', '1'], /^--max-memory: /),
  check('--max-memory 0', ['--engine', 'exhaustive', '--max-memory', '0'], /^--max-memory: /),
  check("--max-memory ''", ['--engine', 'exhaustive', '--max-memory', ''], /^--max-memory: /),
  check('--max-states 0', ['--engine', 'exhaustive', '--max-states', '0'], /^--max-states: /),
  check('--adapters 33', ['--adapters', '33'], /^--adapters: expected 1 to 32/),
  check('--adapters 0', ['--adapters', '0'], /^--adapters: /),
  check('--adapters 0x2', ['--adapters', '0x2'], /^--adapters: /),
  check("--adapters ''", ['--adapters', ''], /^--adapters: /),
  check('--mdevs 9', ['--mdevs', '9'], /^--mdevs: /),
  check('--vms 0', ['--vms', '0'], /^--vms: /),
  check('--control-domains 1e1', ['--control-domains', '1e1'], /^--control-domains: /),
  check('--domains -1', ['--domains', '-1'], /^--domains: /),
];

const words: Case[] = [
  check('--engine EXHAUSTIVE', ['--engine', 'EXHAUSTIVE'], /^--engine: /),
  check("--engine ''", ['--engine', ''], /^--engine: /),
  check('--engine with RTL override', ['--engine', '\u202Eevitsuahxe'], /^--engine: /),
  check('--symmetry maybe', ['--engine', 'exhaustive', '--symmetry', 'maybe'], /^--symmetry: /),
  check('--memo 1', ['--engine', 'exhaustive', '--memo', '1'], /^--memo: /),
  check('--order random', ['--engine', 'exhaustive', '--order', 'random'], /^--order: /),
  check('--shard 0/4', ['--shard', '0/4'], /^--shard: /),
  check('--shard 5/4', ['--shard', '5/4'], /^--shard: /),
  check('--shard 1/0', ['--shard', '1/0'], /^--shard: /),
  check('--shard 1/4/2', ['--shard', '1/4/2'], /^--shard: /),
  check("--shard ''", ['--shard', ''], /^--shard: /),
  check("--property ''", ['--property', ''], /^unknown property ''/),
  check('--property with a trailing newline', ['--property', 'assign-idempotent\n'], /^unknown property/),
  check("--policy ''", ['--policy', ''], /^unknown policy ''/),
  check('--policy with a NUL byte', ['--policy', 'up\0stream'], /^unknown policy/),
  check('--policy with RTL override', ['--policy', 'up\u202Emaerts'], /^unknown policy/),
  check('--policy with an escape sequence', ['--policy', '\x1b]0;owned\x07upstream'], /^unknown policy/),
  check('--policy of 10 000 characters', ['--policy', 'p'.repeat(10_000)], /^unknown policy/),
  check('--policy naming a missing file', ['--policy', './nope.mts'], /^\.\/nope\.mts: no such policy file$/),
  check('--policy naming a directory', ['--policy', './d/'], /^\.\/d\/: /, { files: { 'd/x': '' } }),
  check('--policy naming a JSON file', ['--policy', './p.json'], /^\.\/p\.json: /, {
    files: { 'p.json': '{"name": "upstream"}\n' },
  }),
  check('--policy naming an empty file', ['--policy', './p.mjs'], /^\.\/p\.mjs: does not export a policy/, {
    files: { 'p.mjs': '' },
  }),
  check('--policy naming binary junk', ['--policy', './p.mjs'], /^\.\/p\.mjs: cannot load policy file/, {
    files: { 'p.mjs': Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, 0x1b, 0x80]) },
  }),
  check('an unknown flag', ['--seeds', '3'], /^unknown option '--seeds' \(did you mean '--seed'\?\)$/),
  check('an abbreviated flag', ['--se', '3'], /^unknown option '--se'/),
  check('an unknown flag with an escape sequence', ['--se\x1b[2Jed', '3'], /^unknown option/),
  check('an unknown flag with RTL override', ['--\u202Edees', '3'], /^unknown option/),
  check('a value given to a boolean flag', ['--json=yes'], /'?--json'? /),
  check('a value given to --no-color', ['--no-color=0'], /'?--no-color'? /),
  check('an unknown short flag after -h', ['-hx'], /^unknown option/),
  check('a file argument', ['extra.txt'], /^apmc check takes no file arguments/),
  check("arguments after '--'", ['--', '--seed', '1'], /^apmc check takes no file arguments/),
];

const repeated: Case[] = [
  check('--seed given twice', ['--seed', '1', '--seed', '2'], /^--seed: /, { item: [14] }),
  check('--seed= given twice', ['--seed=1', '--seed=2'], /^--seed: /, { item: [14] }),
  check('--runs given twice', ['--runs', '5', '--runs', '6'], /^--runs: /, { item: [14] }),
  check('--time given twice', ['--time', '1', '--time', '2'], /^--time: /, { item: [14] }),
  check('--engine given twice', ['--engine', 'exhaustive', '--engine', 'random'], /^--engine: /, { item: [14] }),
  check('--adapters given twice', ['--adapters', '2', '--adapters', '3'], /^--adapters: /, { item: [14] }),
  check('--shard given twice', ['--shard', '1/2', '--shard', '2/2'], /^--shard: /, { item: [14] }),
  check('--depth given twice', ['--engine', 'exhaustive', '--depth', '2', '--depth', '1'], /^--depth: /, {
    item: [14],
  }),
  check('--report given twice', ['--report', 'r1', '--report', 'r2'], /^--report: /, { item: [14] }),
  flag('run --policy given twice', ['run', '--policy', 'upstream', '--policy', 'd0', 't.trace'], /^--policy: /, {
    item: [14],
  }),
  flag('convert --to given twice', ['convert', '--to', 'json', '--to', 'text', 't.trace'], /^--to: /, { item: [14] }),
  flag('explain --format given twice', ['explain', '--format', 'sh', '--format', 'md', 't.trace'], /^--format: /, {
    item: [14],
  }),
];

// Bad input writes nothing: not the --save or --report directory, not ./counterexamples, not apmc's own.
const outputs: Case[] = [
  check('bad input with --save DIR: DIR is not made', ['--save', 'newdir', '--seed', 'x'], /^--seed: /),
  check('bad input with --report DIR: DIR is not made', ['--report', 'newdir', '--seed', 'x'], /^--seed: /),
  check('bad input with --save and no directory', ['--seed', 'x', '--save'], /^--seed: /),
  check('bad input with --save through a planted symlink', ['--save', 'cx', '--seed', 'x'], /^--seed: /, {
    setup: (dir) => symlinkSync(join(dir, 'victim'), join(dir, 'cx')),
    files: { 'victim/keep': 'keep' },
  }),
  check("--report ''", ['--report', ''], /^--report: /, { item: [15], ms: 1500 }),
  check('--report naming a regular file', ['--report', 'f'], /^--report: .*\bf\b/, {
    files: { f: 'keep' },
    item: [15],
    ms: 1500,
  }),
  check('--save naming a regular file', ['--save', 'f'], /^--save: .*\bf\b/, {
    files: { f: 'keep' },
    item: [15],
    ms: 1500,
  }),
  check('--report under a regular file', ['--report', 'f/r'], /^--report: /, {
    files: { f: 'keep' },
    item: [15],
    ms: 1500,
  }),
  {
    ...check('--report /proc/x (checked before the run, no hang)', ['--report', '/proc/x'], /^--report: /, {
      item: [15],
    }),
    spawn: true,
    ms: 4000,
  },
];

const commands: Case[] = [
  flag('run without a file', ['run'], /^expected one trace file, got 0/),
  flag('run with two files', ['run', 't.trace', 't.trace'], /^expected one trace file, got 2/),
  flag('run --policy without its value', ['run', 't.trace', '--policy'], /^--policy: missing value$/),
  flag('run --adapters 33', ['run', '--adapters', '33', 't.trace'], /^--adapters: /),
  flag(
    'run --adapters 1 with a host adapter 1',
    ['run', '--adapters', '1', 'h.trace'],
    /^h\.trace:1: adapter 1 is outside the scope/,
    { files: { 'h.trace': 'host add adapter 1\n' } },
  ),
  flag('run --mdevs 9', ['run', '--mdevs', '9', 't.trace'], /^--mdevs: /),
  flag('convert --to xml', ['convert', '--to', 'xml', 't.trace'], /^--to: expected 'json' or 'text', got 'xml'$/),
  flag("convert --to ''", ['convert', '--to', '', 't.trace'], /^--to: /),
  flag('explain --format xml', ['explain', '--format', 'xml', 't.trace'], /^--format: /),
  flag('explain --format with an escape sequence', ['explain', '--format', '\x1b[2Jsh', 't.trace'], /^--format: /),
  flag(
    'diff with one policy',
    ['diff', '--policy', 'upstream', 't.trace'],
    /^apmc diff needs exactly two --policy flags, got 1$/,
  ),
  flag(
    'diff with three policies',
    ['diff', '--policy', 'upstream', '--policy', 'd0', '--policy', 'upstream', 't.trace'],
    /^apmc diff needs exactly two --policy flags, got 3$/,
  ),
  flag('merge without files', ['merge'], /^apmc merge: expected one or more report files/),
  flag('an unknown command', ['frobnicate'], /^unknown command 'frobnicate'/),
  flag('an empty command', [''], /^unknown command ''/),
  flag('a command in capitals', ['RUN', 't.trace'], /^unknown command 'RUN'/),
  flag('a flag where the command goes', ['--seed', '1'], /^unknown command '--seed'/),
  flag('a command with escape sequences', ['\x1b[31mrun\x1b[0m'], /^unknown command/),
  flag('a command with RTL override', ['\u202Enur'], /^unknown command/),
  flag('a command of 10 MB', ['x'.repeat(10 << 20)], /^unknown command/),
];

export const FLAGS: readonly Case[] = [...numbers, ...words, ...repeated, ...outputs, ...commands];
