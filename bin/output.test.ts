/**
 * Why: where apmc writes is checked before a run (a bad --report or --save is bad input at once, not a
 * failure or a hang after the whole run), --save without a directory writes under the current
 * directory, the exhaustive engine saves each counterexample as it finds it, and `apmc merge` refuses
 * reports that are not shards of one run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

const APMC = resolve('bin/apmc.js');
const root = mkdtempSync(join(tmpdir(), 'apmc-output-'));

interface Out {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** Run apmc in `cwd`; killed (SIGKILL) after `limitMs`. */
function apmc(args: string[], opts: { cwd?: string; limitMs?: number } = {}): Promise<Out> {
  return new Promise((done) => {
    const t0 = Date.now();
    const env = { ...process.env, NO_COLOR: '1' };
    const p = spawn(process.execPath, [APMC, ...args], { cwd: opts.cwd ?? process.cwd(), env });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.limitMs ?? 20000);
    p.on('exit', (code, sig) => {
      clearTimeout(timer);
      done({ code: code ?? (sig === 'SIGKILL' ? -9 : -1), out, err, ms: Date.now() - t0 });
    });
  });
}

/**
 * Run `runCli(args)` for each of `cases`, one after the other, in one child process (killed after `limitMs`):
 * per case the exit code, the output, and `ms`, the time runCli itself took (the child's start-up, slow on
 * a busy machine, not counted). A case that never returns leaves it and the cases after it with code -9.
 */
function cliTimed(cases: string[][], opts: { cwd?: string; limitMs?: number } = {}): Promise<Out[]> {
  const script = [
    `const { runCli } = await import(${JSON.stringify(resolve('bin/cli.ts'))});`,
    'for (const args of JSON.parse(process.env.APMC_CASES)) {',
    '  const t = performance.now();',
    '  const code = await runCli(args);',
    "  const end = '\\n@@ ' + JSON.stringify({ code, ms: performance.now() - t }) + '\\n';",
    '  process.stdout.write(end);',
    '  process.stderr.write(end);',
    '}',
    'process.exit(0);',
  ].join('\n');
  return new Promise((done) => {
    const p = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), '--input-type=module', '-e', script], {
      cwd: opts.cwd ?? process.cwd(),
      env: { ...process.env, NO_COLOR: '1', APMC_CASES: JSON.stringify(cases) },
    });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.limitMs ?? 20000);
    p.on('exit', () => {
      clearTimeout(timer);
      const outs = out.split(/\n@@ .*\n/);
      const errs = err.split(/\n@@ .*\n/);
      const ends = [...err.matchAll(/\n@@ (.*)\n/g)].map((m) => JSON.parse(m[1]!) as { code: number; ms: number });
      const killed = { code: -9, ms: Infinity };
      done(cases.map((_, i) => ({ ...(ends[i] ?? killed), out: outs[i] ?? '', err: errs[i] ?? '' })));
    });
  });
}

const tree = (dir: string): string[] => readdirSync(dir, { recursive: true }).map(String).sort();

// ---
const early = suite('output locations: checked before the run, bad ones are bad input');

early('bad --report or --save (a file, /proc, /sys, /dev, empty): exit 2 in 2 s, one line, no file', async () => {
  const dir = mkdtempSync(join(root, 'bad-'));
  const file = join(dir, 'a-file');
  writeFileSync(file, 'x');
  // Many runs: before the check, each of these failed (or hung) only after the whole run.
  const run = ['check', '--policy', 'v12-fcfs', '--runs', '10000000'];
  const cases: [string[], RegExp][] = [
    [['--report', '/proc/x'], /^apmc: --report: '\/proc\/x' is under \/proc/],
    [['--report', '/sys/x'], /^apmc: --report: '\/sys\/x' is under \/sys/],
    [['--report', file], /^apmc: --report: '.*a-file' is not a directory/],
    [['--report', join(file, 'sub')], /^apmc: --report: .*a-file is not a directory/],
    [['--report', ''], /^apmc: --report: expected a directory name/],
    [['--save', file], /^apmc: --save: '.*a-file' is not a directory/],
    [['--save', '/proc/x'], /^apmc: --save: '\/proc\/x' is under \/proc/],
    [['--save', '/dev/shm/x'], /^apmc: --save: '\/dev\/shm\/x' is under \/dev/],
    [['--save', ''], /^apmc: --save: expected a directory name/],
  ];
  const rs = await cliTimed(
    cases.map(([args]) => [...run, ...args]),
    { cwd: dir, limitMs: 30000 },
  );
  rs.forEach((r, i) => {
    const [args, msg] = cases[i]!;
    const what = args.join(' ');
    assert.is(r.code, 2, `${what}: exit ${r.code} after ${r.ms} ms: ${r.err}`);
    assert.ok(r.ms < 2000, `${what}: ${r.ms} ms`);
    assert.match(r.err, msg, what);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.is(r.out, '', what);
  });
  assert.equal(tree(dir), ['a-file']);
  assert.not.ok(existsSync('/proc/x') || existsSync('/dev/shm/x'));
});

early('--report /proc/x alone (the default check): exit 2 within 2 s of the start of the process', async () => {
  const r = await apmc(['check', '--report', '/proc/x'], { limitMs: 10000 });
  assert.is(r.code, 2, r.err);
  assert.ok(r.ms < 2000 + 3000, `${r.ms} ms`); // the process's start-up included: up to 3 s on a busy machine
});

early('--save without a directory: ./counterexamples of the current directory', async () => {
  const cwd = mkdtempSync(join(root, 'cwd-'));
  const args = ['check', '--policy', 'v12-fcfs', '--property', 'order-independence', '--runs', '20000', '--save'];
  const r = await apmc(args, { cwd });
  assert.is(r.code, 4, r.err);
  const saved = [...r.err.matchAll(/^saved (.+)$/gm)].map((m) => m[1]!);
  assert.ok(saved.length >= 1, r.err);
  for (const f of saved) assert.ok(f.startsWith(join(cwd, 'counterexamples', 'order-independence') + '/'), f);
  assert.equal(tree(join(cwd, 'counterexamples', 'order-independence')).length, saved.length);
});

early('a saved path with a newline is shown on one line, escaped', async () => {
  const dir = join(root, 'new\nline');
  const o = await apmc(['check', '--policy', 'static', '--property', 'links-follow-assignment', '--save', dir]);
  assert.is(o.code, 4, o.err);
  const saved = o.err.split('\n').filter((l) => l.startsWith('saved '));
  assert.is(saved.length, 1, o.err);
  assert.match(saved[0]!, 'new\\x0aline/links-follow-assignment/');
});

early.run();

// ---
const ex = suite('the exhaustive engine saves as it finds');

for (const workers of ['1', '2']) {
  ex(`--workers ${workers}: a counterexample is on disk while the search goes on (SIGTERM after 'saved')`, async () => {
    const save = mkdtempSync(join(root, `ex-${workers}-`));
    const r = await new Promise<Out & { files: string[] }>((done, fail) => {
      const t0 = Date.now();
      // links-follow-assignment is violated at depth 4; no-apqn-in-two-mdevs holds, so the search goes on.
      const props = ['--property', 'links-follow-assignment', '--property', 'no-apqn-in-two-mdevs'];
      const args = ['check', '--engine', 'exhaustive', '--workers', workers, '--policy', 'static', ...props];
      args.push('--save', save);
      const p = spawn(process.execPath, [APMC, ...args], { env: { ...process.env, NO_COLOR: '1' } });
      let out = '';
      let err = '';
      let files: string[] = [];
      const timer = setTimeout(() => {
        p.kill('SIGKILL');
        fail(new Error(`nothing saved in 25 s: ${err}`));
      }, 25000);
      p.stdout.on('data', (d: Buffer) => (out += d));
      p.stderr.on('data', (d: Buffer) => {
        err += d;
        if (files.length === 0 && /^saved /m.test(err)) {
          files = [...err.matchAll(/^saved (.+)$/gm)].map((m) => m[1]!);
          for (const f of files) assert.ok(existsSync(f), f); // on disk before the run ends
          p.kill('SIGTERM');
        }
      });
      p.on('exit', (code) => {
        clearTimeout(timer);
        done({ code: code ?? -1, out, err, ms: Date.now() - t0, files });
      });
    });
    assert.is(r.code, 143, r.err);
    assert.match(r.out, /stopped by SIGTERM/);
    assert.ok(r.files.length >= 1);
    for (const f of r.files) assert.ok(JSON.parse(readFileSync(f, 'utf8')).ops.length >= 1, f);
    // Each saved once: not again at the end.
    const lines = r.err.split('\n').filter((l) => /^(saved|kept) /.test(l));
    assert.is(new Set(lines).size, lines.length, lines.join('\n'));
  });
}

ex.run();

// ---
const merge = suite('apmc merge refuses reports that are not shards of one run');

/** What merge accepts and refuses is not about the process: runCli in this process. */
const inProcess = async (args: string[]): Promise<Out> => {
  const o = await apmcInProcess(args);
  return { code: o.code ?? -1, out: o.out, err: o.err, ms: o.ms };
};

merge('different seeds, runs, scopes, policies or properties: one line, exit 2', async () => {
  const dir = mkdtempSync(join(root, 'merge-'));
  const base = ['check', '--policy', 'v12-fcfs', '--policy', 'static', '--property', 'order-independence'];
  base.push('--runs', '200', '--json');
  const [a, b] = await Promise.all([1, 2].map((k) => inProcess([...base, '--shard', `${k}/2`])));
  type Doc = Record<string, unknown> & { results: Record<string, unknown>[] };
  const docs = [a!, b!].map((r) => JSON.parse(r.out) as Doc);
  const write = (name: string, doc: unknown): string => {
    const f = join(dir, name);
    writeFileSync(f, JSON.stringify(doc));
    return f;
  };
  const s1 = write('s1.json', docs[0]);
  const s2 = write('s2.json', docs[1]);
  const ok = await inProcess(['merge', s1, s2]);
  assert.is(ok.err, '');
  assert.match(ok.out, /^apmc merge: 2 reports/);
  const d2 = docs[1]!;
  const variants: [string, unknown, RegExp][] = [
    ['seed', { ...d2, seed: (d2['seed'] as number) + 2 }, /s-seed\.json: made with --seed \d+, not \d+ as .*s1\.json/],
    ['runs', { ...d2, runs: 300 }, /s-runs\.json: made with --runs 300 \(per shard\), not 100 as .*s1\.json/],
    ['scope', { ...d2, scope: { ...(d2['scope'] as object), adapters: 3 } }, /s-scope\.json: scope differs from .*s1/],
    [
      'policies',
      { ...d2, results: d2.results.filter((x) => x['policy'] === 'static') },
      /s-policies\.json: policies differ from .*s1\.json's \(static vs static, v12-fcfs\)/,
    ],
    [
      'properties',
      { ...d2, results: d2.results.map((x) => ({ ...x, property: 'recovery' })) },
      /s-properties\.json: properties differ from .*s1\.json's \(recovery vs order-independence\)/,
    ],
  ];
  for (const [name, doc, msg] of variants) {
    const r = await inProcess(['merge', s1, write(`s-${name}.json`, doc)]);
    assert.is(r.code, 2, `${name}: ${r.out}`);
    assert.match(r.err, msg, name);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.is(r.out, '', name);
  }
});

merge.run();
