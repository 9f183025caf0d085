/**
 * apmc check when things go wrong: misbehaving policies (test/fixtures/*.ts) are policy errors with
 * a shrunk trace and exit 7, and `apmc run` says so in one line; SIGINT, SIGTERM and --time end a run
 * quickly with the verdicts so far, keeping the counterexamples saved; --stats reports coverage.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

interface Out {
  code: number;
  out: string;
  err: string;
}

/** apmc in this process (runCli), in the repository, colour off; one run at a time. */
const apmc = (...args: string[]): Promise<Out> => apmcInProcess(args).then((o) => ({ ...o, code: o.code ?? -1 }));

const dir = mkdtempSync(join(tmpdir(), 'apmc-robust-'));

interface PolicyErrorJson {
  exit: number;
  results: { verdict: string; status: string }[];
  policy_errors: { kind: string; callback: string; message: string; at: number; trace: { ops: unknown[] } }[];
}

const FIXTURES = [
  { name: 'throwing', kind: 'threw', callback: 'assign', says: /'assign' threw: Error: adapter 1 is not supported/ },
  { name: 'mutating', kind: 'mutated', callback: 'create', says: /'create' mutated its input: state\.mdevs\.m1/ },
  { name: 'nondeterministic', kind: 'nondeterministic', callback: 'attach', says: /'attach' is not deterministic/ },
  {
    name: 'malformed',
    kind: 'malformed',
    callback: 'probe',
    says: /'probe' returned a malformed result: queues must be an array of 4 entries/,
  },
];

// Each in its test: an in-process run started at load would capture what uvu prints meanwhile.
const check = (name: string) => apmc('check', '--policy', `test/fixtures/${name}.ts`, '--runs', '5000', '--json');

// ---
const pe = suite('misbehaving policies: policy error, a shrunk trace, exit 7');

for (const f of FIXTURES) {
  pe(`${f.name}: ${f.kind} in '${f.callback}'`, async () => {
    const r = await check(f.name);
    assert.is(r.code, 7, r.err);
    const rep = JSON.parse(r.out) as PolicyErrorJson;
    assert.is(rep.exit, 7);
    assert.is(rep.policy_errors.length, 1);
    const e = rep.policy_errors[0]!;
    assert.is(e.kind, f.kind);
    assert.is(e.callback, f.callback);
    assert.match(e.message, f.says);
    assert.ok(rep.results.some((x) => x.verdict === 'policy-error' && x.status === 'policy-error'));
    // Shrunk: the fault is at the trace's last step, and the trace is short.
    assert.is(e.at, e.trace.ops.length - 1);
    assert.ok(e.trace.ops.length <= 6, `${e.trace.ops.length} ops`);
    // The trace reproduces it under apmc run: one line naming the file and line, exit 7.
    const file = join(dir, `${f.name}.json`);
    writeFileSync(file, JSON.stringify(e.trace));
    const run = await apmc('run', '--policy', `test/fixtures/${f.name}.ts`, file);
    assert.is(run.code, 7, run.err);
    assert.is(run.out, '');
    assert.is(run.err.trim().split('\n').length, 1, run.err);
    const id = `test/fixtures/${f.name}.ts`;
    assert.match(
      run.err,
      new RegExp(`^apmc: ${file.replace(/[.]/g, '\\.')}:\\d+: policy error in '${id.replace(/[.]/g, '\\.')}': `),
    );
    // Within 80 columns beside the paths: the policy's message, whole in the --json report, may lose its end.
    assert.ok(run.err.includes(`policy error in '${id}': ${e.message.slice(0, 25)}`), run.err);
    assert.ok(run.err.trim().length - file.length - id.length <= 80, run.err);
  });
}

pe('the text report shows the policy error and its trace, the faulting step marked', async () => {
  const r = await apmc('check', '--policy', 'test/fixtures/throwing.ts', '--runs', '2000');
  assert.is(r.code, 7, r.err);
  assert.match(r.out, /== test\/fixtures\/throwing\.ts: POLICY ERROR: 'assign' threw/);
  assert.match(r.out, /m1 assign_adapter 1\s+# <-- policy error/);
  assert.match(r.out, /policy error in 1 policy; exit 7/);
});

pe.run();

// ---
const stop = suite('interrupted and bounded runs');

/** Start apmc check, send `sig` once a counterexample is saved; exit code, output, ms from signal to exit. */
function interrupted(sig: NodeJS.Signals, save: string): Promise<Out & { ms: number }> {
  return new Promise((resolve, reject) => {
    const p = spawn(
      process.execPath,
      ['bin/apmc.js', 'check', '--policy', 'v12-fcfs', '--runs', '10000000', '--save', save],
      {
        env: { ...process.env, NO_COLOR: '1' },
      },
    );
    let out = '';
    let err = '';
    let sent = 0;
    const timer = setTimeout(() => reject(new Error(`no counterexample saved in 30 s: ${err}`)), 30000);
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => {
      err += d;
      // Let it run a little past the first counterexample, then interrupt.
      if (!sent && /saved /.test(err)) {
        sent = 1;
        setTimeout(() => {
          sent = Date.now();
          p.kill(sig);
        }, 500);
      }
    });
    p.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out, err, ms: Date.now() - sent });
    });
  });
}

stop(
  'SIGINT: ends within 2 s, verdicts so far with how far it got, exit 130, counterexamples on disk and replayable',
  async () => {
    const save = mkdtempSync(join(dir, 'save-'));
    const r = await interrupted('SIGINT', save);
    assert.is(r.code, 130, r.err);
    assert.ok(r.ms < 2000, `${r.ms} ms from SIGINT to exit`);
    assert.match(r.out, /unknown/);
    assert.match(r.out, /violated\*/);
    assert.match(r.out, /v12-fcfs: \d+ cases, \d+ operations in [\d.]+ s \(stopped by SIGINT\)/);
    assert.match(r.out, /stopped by SIGINT: the verdicts so far/);
    const saved = [...r.err.matchAll(/^saved (.+)$/gm)].map((m) => m[1]!);
    assert.ok(saved.length >= 1);
    for (const f of saved) {
      assert.ok(existsSync(f), f);
      const run = await apmc('run', '--json', f);
      assert.is(run.code, 0, run.err);
      const doc = JSON.parse((await import('node:fs')).readFileSync(f, 'utf8')) as { ops: unknown[] };
      assert.is((JSON.parse(run.out) as { steps: unknown[] }).steps.length, doc.ops.length);
    }
    // Atomic writes: no temporary file left behind.
    const all = readdirSync(save, { recursive: true }).map(String);
    assert.not.ok(
      all.some((p) => p.includes('.tmp-')),
      all.join(' '),
    );
  },
);

stop('SIGTERM: the same, exit 143', async () => {
  const r = await interrupted('SIGTERM', mkdtempSync(join(dir, 'save-')));
  assert.is(r.code, 143, r.err);
  assert.ok(r.ms < 2000, `${r.ms} ms`);
  assert.match(r.out, /\(stopped by SIGTERM\)/);
});

stop('--time: unfinished properties are unknown, with how far it got; the exit code follows the verdicts', async () => {
  const t0 = Date.now();
  const r = await apmc(
    'check',
    '--policy',
    'upstream',
    '--property',
    'no-apqn-in-two-mdevs',
    '--runs',
    '10000000',
    '--time',
    '1',
  );
  assert.ok(Date.now() - t0 < 4000, `${Date.now() - t0} ms`);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /no-apqn-in-two-mdevs \(I1\)\s+unknown/);
  assert.match(r.out, /upstream: \d+ cases, \d+ operations in [\d.]+ s \(stopped by --time\)/);
});

stop.run();

// ---
const cov = suite('--stats: operation coverage');

cov('a table per policy in text; runs, ok and errnos per operation in --json', async () => {
  const [t, j] = await Promise.all([
    apmc('check', '--policy', 'upstream', '--property', 'assign-idempotent', '--runs', '300', '--stats'),
    apmc('check', '--policy', 'upstream', '--property', 'assign-idempotent', '--runs', '300', '--json'),
  ]);
  assert.is(t.code, 0, t.err);
  assert.match(t.out, /operation coverage, upstream/);
  assert.match(t.out, /assign_adapter\s+\d+\s+\d+\s+\w*/);
  const cover = (
    JSON.parse(j.out) as {
      explorations: { coverage: Record<string, { runs: number; ok: number; failed: Record<string, number> }> }[];
    }
  ).explorations[0]!.coverage;
  const a = cover['assign_adapter']!;
  assert.ok(a.runs > 0);
  assert.is(a.ok + Object.values(a.failed).reduce((x, y) => x + y, 0), a.runs);
  assert.ok(Object.keys(a.failed).every((e) => /^E[A-Z]+$/.test(e)));
});

cov.run();
