/**
 * Every command explains itself: `apmc <command> --help`, `-h` and `apmc help <command>` print its usage
 * on stdout, exit 0; the flags its parser accepts are exactly those its help lists (asked of the command
 * line, not of the table both come from); `--version`; a bare `apmc` and an unknown command exit 2.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcProcess, freshDir, ROOT, runInProcess } from '../test/cli-harness.ts';
import { width } from '../render/term.ts';
import { COMMANDS } from './commands.ts';
import { commandHelp, HELP, SHORT_USAGE } from './usage.ts';

const DIR = freshDir('apmc-help-');
const apmc = (...argv: string[]) => runInProcess(argv, DIR, { NO_COLOR: '1' });
const NAMES = Object.keys(COMMANDS) as (keyof typeof COMMANDS)[];

/** The flags a help text lists in its `flags:` section. */
function listed(help: string): Set<string> {
  const section = help.split('\nflags:\n')[1]!.split('\n\n')[0]!;
  return new Set([...section.matchAll(/^ {2}(?:-\w, )?--([a-z][a-z-]*)/gm)].map((m) => m[1]!));
}

/**
 * Flag names to try on every command: those of every command's help, every flag an apmc source file
 * declares as a parser option, and every `--flag` the README names.
 */
function candidates(): string[] {
  const out = new Set<string>();
  for (const n of NAMES) for (const f of listed(commandHelp(n))) out.add(f);
  for (const f of readdirSync(join(ROOT, 'bin')).filter((x) => x.endsWith('.ts') && !x.endsWith('.test.ts'))) {
    const src = readFileSync(join(ROOT, 'bin', f), 'utf8');
    for (const m of src.matchAll(/'?([a-z][a-z-]*)'?: \{ type: '(?:string|boolean)'/g)) out.add(m[1]!);
  }
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  for (const m of readme.matchAll(/(?<![\w-])--([a-z][a-z-]+)/g)) out.add(m[1]!);
  return [...out].sort();
}

const t = suite('apmc <command> --help');

t('each command: --help, -h and apmc help <command> print its usage on stdout, exit 0', async () => {
  for (const n of NAMES) {
    const want = commandHelp(n);
    assert.ok(want.startsWith(`usage:  apmc ${n}`), n);
    for (const argv of [
      [n, '--help'],
      [n, '-h'],
      ['help', n],
    ]) {
      const r = await apmc(...argv);
      assert.is(r.code, 0, `${argv.join(' ')}: ${r.err}`);
      assert.is(r.err, '', argv.join(' '));
      assert.is(r.out, `${want}\n`, argv.join(' '));
    }
    // Its sections, and every line within 80 columns.
    for (const section of ['\nflags:\n', '\nexit codes:\n', '\nexamples:\n  apmc '])
      assert.ok(want.includes(section), n);
    for (const line of want.split('\n')) assert.ok(width(line) <= 80, `${n}: ${line}`);
  }
});

t('each flag is one line of help, each exit code a number, every example names its command', () => {
  for (const n of NAMES) {
    const help = commandHelp(n);
    const section = help.split('\nflags:\n')[1]!.split('\n\n')[0]!;
    for (const line of section.split('\n')) assert.match(line, /^ {2}-/, `${n}: a flag's help wraps: '${line}'`);
    const exits = help.split('\nexit codes:\n')[1]!.split('\n\n')[0]!;
    for (const line of exits.split('\n')) assert.match(line, /^ {2}\d+(\/\d+)? +\S| {10}\S/, `${n}: '${line}'`);
    const examples = help.split('\nexamples:\n')[1]!.split('\n');
    assert.ok(
      examples.some((e) => e.startsWith(`  apmc ${n}`) || e.includes(`| apmc ${n}`)),
      n,
    );
  }
});

t('the flags a command accepts are exactly the flags its help lists', async () => {
  const all = candidates();
  assert.ok(all.includes('policy') && all.includes('max-states') && all.includes('config'), all.join(' '));
  for (const n of NAMES) {
    const accepted = new Set<string>();
    for (const f of all) {
      // Parsed, the line is help (exit 0) or a flag's own complaint; only an unknown flag says so.
      const r = await apmc(n, `--${f}=1`, '--help');
      if (!r.err.includes(`unknown option '--${f}`)) accepted.add(f);
      else assert.is(r.code, 2, `${n} --${f}`);
    }
    assert.equal([...accepted].sort(), [...listed(commandHelp(n))].sort(), n);
  }
});

t('an unknown flag names the command whose help lists the flags', async () => {
  const r = await apmc('policies', '--json');
  assert.is(r.code, 2);
  assert.is(r.err, "apmc: unknown option '--json' (see 'apmc policies --help')\n");
});

const top = suite('apmc, apmc help, --version, unknown commands');

top('apmc help and apmc --help: every command with its summary, exit 0', async () => {
  for (const argv of [['help'], ['--help'], ['-h']]) {
    const r = await apmc(...argv);
    assert.is(r.code, 0);
    assert.is(r.out, `${HELP}\n`);
  }
  for (const n of NAMES) assert.match(HELP, new RegExp(`\\n {2}${n} +${COMMANDS[n].summary.slice(0, 20)}`));
});

top('--version and -V print the version in package.json', async () => {
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  for (const flag of ['--version', '-V']) {
    const r = await apmc(flag);
    assert.is(r.code, 0);
    assert.is(r.out, `${version}\n`);
  }
  const r = await apmc('--version', 'x');
  assert.is(r.code, 2);
});

top('a bare apmc prints the short usage on stderr and exits 2', async () => {
  const r = await apmc();
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.is(r.err, `${SHORT_USAGE}\n`);
});

top('the process: a bare apmc exits 2, --version exits 0 with the version', async () => {
  const bare = await apmcProcess([]);
  assert.is(bare.code, 2);
  assert.is(bare.err, `${SHORT_USAGE}\n`);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
  const v = await apmcProcess(['-V']);
  assert.equal(v, { code: 0, out: `${version}\n`, err: '' });
});

top('an unknown command, or a flag before any: one line, exit 2', async () => {
  const cases: [string[], string][] = [
    [['chekc'], "apmc: unknown command 'chekc' (did you mean 'check'?)"],
    [['help', 'explian'], "apmc: unknown command 'explian' (did you mean 'explain'?)"],
    [['frobnicate'], "apmc: unknown command 'frobnicate' (see 'apmc help')"],
    [['--policy', 'x'], "apmc: unknown command '--policy' (the command comes first: see 'apmc help')"],
    [['help', 'run', 'check'], 'apmc: apmc help takes one command name, got 2'],
  ];
  for (const [argv, line] of cases) {
    const r = await apmc(...argv);
    assert.is(r.code, 2, argv.join(' '));
    assert.is(r.out, '');
    assert.is(r.err, `${line}\n`);
  }
});

t.run();
top.run();
