/**
 * Why: apmc's text output is read in 80-column terminals, pasted into mails and review comments.
 * Every line of every text output (check, run, explain text and md, diff, merge, policies, help,
 * error lines) fits 80 columns, measured as a terminal does (wide characters take two columns), and
 * data never puts a control character on the terminal. An error line may be longer only by a path
 * that the user must be able to copy whole.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { POLICIES } from '../model/policies/index.ts';
import { clip, oneLine, width, wrap } from '../render/term.ts';
import { runCli } from './cli.ts';

const ROOT = join(import.meta.dirname, '..');
const TMP = mkdtempSync(join(tmpdir(), 'apmc-width-'));

/** Run one command in this process; its exit code, stdout and stderr. */
async function apmc(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const [ow, ew] = [process.stdout.write, process.stderr.write];
  type Write = typeof process.stdout.write;
  const grab = (to: string[]) =>
    ((chunk: string | Uint8Array) => {
      to.push(String(chunk));
      return true;
    }) as Write;
  process.stdout.write = grab(out);
  process.stderr.write = grab(err);
  let code: number;
  try {
    code = await runCli(argv);
  } finally {
    [process.stdout.write, process.stderr.write] = [ow, ew];
  }
  return { code, out: out.join(''), err: err.join('') };
}

/**
 * The lines wider than 80 columns, or holding a control character, in `text`; a line may be wider
 * by the width of one of `paths` (kept whole where the user copies them).
 */
function bad(text: string, paths: readonly string[] = []): string[] {
  return text.split('\n').filter((l) => {
    // Colour codes are the only escapes allowed; anything else from data must have been escaped.
    if (/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/.test(l.replace(/\x1b\[[0-9;]*m/g, ''))) return true;
    const spare = Math.max(0, ...paths.filter((p) => l.includes(p)).map((p) => width(p)));
    return width(l) > 80 + spare;
  });
}

/** Run a command that must exit with one of `codes`; every line of its stdout and stderr fits. */
async function fits(argv: string[], paths: readonly string[] = [], codes = [0, 1, 4, 5]): Promise<string> {
  const r = await apmc(...argv);
  assert.ok(codes.includes(r.code), `${argv.join(' ')}: exit ${r.code}: ${r.err}`);
  assert.equal(bad(r.out, paths), [], `stdout of ${argv.join(' ')}`);
  assert.equal(bad(r.err, paths), [], `stderr of ${argv.join(' ')}`);
  return r.out;
}

const cxFiles = (dir = join(ROOT, 'counterexamples')): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.isDirectory()) return cxFiles(join(dir, e.name));
    return e.name.endsWith('.json') ? [join(dir, e.name)] : [];
  });

// A long directory and file name, a wide-character name, and hostile data in comments and notes.
const LONG_DIR = join(TMP, 'a-rather-long-directory-name-for-traces-received-by-mail');
const LONG = join(LONG_DIR, `${'x'.repeat(90)}-reset-before-reuse.trace`);
const WIDE = join(TMP, `${'中文名字'.repeat(12)}.trace`);
const HOSTILE = join(TMP, 'hostile.json');
mkdirSync(LONG_DIR);
const cve = readFileSync(join(ROOT, 'traces/cve-2024-26620.trace'), 'utf8');
writeFileSync(LONG, cve.replace('# (b)', `# ${'very '.repeat(40)}long (b)`));
writeFileSync(WIDE, cve.replace('# (b)', `# ${'广告字幕很宽'.repeat(20)} \u202eevil\u202c (b)`));
const cxText = readFileSync(join(ROOT, 'counterexamples/recovery/upstream-domain-outside-host-fixed.json'), 'utf8');
const note = `line one\nline two\x1b[2J\x9b31m ${'字'.repeat(100)} ${'y'.repeat(200)}`;
writeFileSync(HOSTILE, JSON.stringify({ ...(JSON.parse(cxText) as Record<string, unknown>), note }));

// ---
const helpers = suite('terminal text helpers');

helpers('width counts terminal columns: wide characters two, combining marks and colour codes none', () => {
  assert.is(width('abc'), 3);
  assert.is(width('中文'), 4);
  assert.is(width('e\u0301'), 1);
  assert.is(width('\x1b[31mred\x1b[39m'), 3);
});

helpers('oneLine escapes controls, C1 controls and bidirectional overrides', () => {
  assert.is(oneLine('a\nb\x1b[2J\x9b\u202e'), 'a\\x0ab\\x1b[2J\\x9b\\u202e');
});

helpers('clip keeps start and end; wrap cuts a word wider than the line', () => {
  assert.is(clip('abcdefghij', 5), 'ab…ij');
  assert.is(clip('中文中文中文中文', 7), '中…文');
  const ys = ['  yyyyyyyy', '  yyyyyyyy', '  yyyyyyyy', '  y'];
  assert.equal(wrap('x '.repeat(3) + 'y'.repeat(25), 10, '  '), ['  x x x', ...ys]);
});

helpers.run();

// ---
const all = suite('every text output within 80 columns');

all('explain, text and md, every saved counterexample', async () => {
  for (const f of cxFiles()) {
    // A counterexample of a policy file names it; the file loads only from the command line.
    const named = (JSON.parse(readFileSync(f, 'utf8')) as { policy?: string }).policy ?? '';
    const policy = named.includes('/') ? ['--policy', join(ROOT, named)] : [];
    await fits(['explain', '--no-color', ...policy, f]);
    await fits(['explain', '--format', 'md', ...policy, f]);
  }
});

all('explain, run and diff on traces with long and wide file names, long comments and hostile notes', async () => {
  const traces = [LONG, WIDE, join(ROOT, 'traces/halil-order-a.trace'), join(ROOT, 'examples/adapter-pops-up.trace')];
  for (const f of traces) {
    await fits(['explain', '--no-color', f]);
    await fits(['explain', '--color', f]);
    await fits(['explain', '--format', 'md', f]);
    await fits(['run', '--no-color', '--policy', 'd0', f]);
    await fits(['diff', '--no-color', '--policy', 'd0', '--policy', 'upstream', f]);
    await fits(['diff', '--no-color', '--policy', 'upstream', '--policy', 'upstream', f]);
  }
  const h = await fits(['explain', '--no-color', HOSTILE]);
  assert.match(h, /line one\\x0aline two\\x1b\[2J\\x9b31m/);
  await fits(['explain', '--format', 'md', HOSTILE]);
  // The largest scope: 32 domains make the widest grids and the longest lists of changes.
  const policy = './examples/refilter-on-unassign.ts';
  const big = ['--adapters', '32', '--domains', '32', '--control-domains', '32'];
  await fits(['run', '--no-color', '--policy', policy, ...big, WIDE]);
  await fits(['explain', '--no-color', '--policy', policy, ...big, WIDE]);
});

all('check on every policy with a small budget, with --stats, one policy at a time and all together', async () => {
  const policyFile = 'examples/refilter-on-unassign.ts';
  for (const p of Object.keys(POLICIES)) await fits(['check', '--no-color', '--policy', p, '--runs', '8', '--stats']);
  await fits(['check', '--color', '--runs', '5']);
  await fits(['check', '--no-color', '--runs', '5', '--policy', 'upstream', '--policy', policyFile]);
  const small = ['--adapters', '2', '--domains', '1', '--mdevs', '1', '--vms', '1'];
  await fits(['check', '--no-color', '--engine', 'exhaustive', '--depth', '3', ...small]);
  // A policy error: its message, its trace with the faulting step marked.
  const broken = ['--policy', 'test/fixtures/malformed.ts', '--policy', 'test/fixtures/throwing.ts'];
  const pe = await fits(['check', '--no-color', '--runs', '300', ...broken], [], [7]);
  assert.match(pe, /POLICY ERROR/);
});

all('merge of two shards, policies, help', async () => {
  const shards = [1, 2].map((k) => join(TMP, `a-long-name-for-the-json-report-of-shard-${k}-of-the-nightly-job.json`));
  for (const [i, f] of shards.entries()) {
    const r = await apmc('check', '--json', '--runs', '4', '--shard', `${i + 1}/2`);
    writeFileSync(f, r.out);
  }
  await fits(['merge', '--no-color', ...shards]);
  await fits(['merge', '--no-color', shards[0]!], [], [6]);
  await fits(['policies']);
  await fits(['help']);
});

all('error lines: one line each, longer than 80 columns only by a path', async () => {
  const missing = join(TMP, 'no-such-directory-with-a-long-name', 'and-a-long-file-name-that-does-not-exist.trace');
  const badTrace = join(TMP, `${'b'.repeat(70)}.trace`);
  writeFileSync(badTrace, `create m1\nm1 frobnicate ${'z'.repeat(300)}\n`);
  const amp = join(TMP, `${'c'.repeat(60)}.trace`);
  writeFileSync(amp, 'create m1 &\n');
  const cases = [
    ['explain', missing],
    ['run', badTrace],
    ['run', '--policy', 'no-such-policy-with-a-long-name-that-is-not-built-in', LONG],
    ['check', `--${'q'.repeat(200)}`],
    ['check', '--runs', '9'.repeat(200)],
    ['check', '--property', 'guest-queues-linked-and-passible'],
    ['diff', '--policy', 'upstream', LONG],
    [`${'w'.repeat(200)}`],
    ['merge', LONG],
    ['run', amp],
    ['check', '--seed', '-1'],
    ['check', '--control-domains', '33'],
    ['check', '--control-domains', '--json'],
    ['explain', '--format', 'html', LONG],
  ];
  for (const argv of cases) {
    const r = await apmc(...argv);
    assert.is(r.code, 2, `${argv.join(' ')}: ${r.err}`);
    assert.is(r.out, '');
    assert.is(r.err.split('\n').filter((l) => l !== '').length, 1, r.err);
    assert.equal(bad(r.err, [missing, badTrace, LONG, amp]), [], argv.join(' '));
    assert.not.match(r.err, /…\n$/, 'the message is whole');
  }
});

all.after(() => rmSync(TMP, { recursive: true, force: true }));

all.run();
