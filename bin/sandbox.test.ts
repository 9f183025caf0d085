/**
 * Policy files are code: apmc loads them only from --policy, runs them in a sandbox thread, and reports
 * what a misbehaving one does (exit, loop, allocate without bound, never finish loading, throw a
 * non-Error) as a policy error with its trace, exit 7. A file policy's identity is its path.
 * The CLI is spawned where the process itself is tested: process.exit, loops, heap limits, signals, and the
 * check that a trace never loads a policy file (what a file loaded in a thread prints must reach the
 * process's stderr). A policy that throws or never loads, a policy file's name and a saved policy path
 * run through runCli in this process (test/cli-harness.ts), each in its real sandbox thread.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { queuedInProcess } from '../test/cli-harness.ts';

interface Out {
  code: number;
  out: string;
  err: string;
  ms: number;
}

function apmc(args: string[], env: Record<string, string> = {}, cwd = process.cwd()): Promise<Out> {
  const t0 = Date.now();
  const bin = resolve('bin/apmc.js');
  return new Promise((done) => {
    execFile(
      process.execPath,
      [bin, ...args],
      { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', ...env } },
      (e, out, err) => {
        done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err, ms: Date.now() - t0 });
      },
    );
  });
}

/** apmc through runCli in this process, colour off, after the in-process runs asked for before it. */
async function inProcess(args: string[], cwd = process.cwd()): Promise<Out> {
  const o = await queuedInProcess(args, cwd, { NO_COLOR: '1' }, 60_000);
  return { code: o.code ?? -1, out: o.out, err: o.err, ms: o.ms };
}

const F = 'test/fixtures/sandbox';
const dir = mkdtempSync(join(tmpdir(), 'apmc-sandbox-'));
const trace = join(dir, 'assign1.trace');
writeFileSync(trace, 'scope adapters=2 domains=2\ncreate m1\nm1 assign_adapter 1\n');
const lines = (s: string): string[] =>
  s
    .trim()
    .split('\n')
    .filter((l) => l !== '' && l !== 'looping');

// Started together, awaited in the tests (the machine has 2 cores: the slow ones overlap).
const exits = apmc(['check', '--policy', `${F}/exits.ts`, '--runs', '500', '--ci']);
const never = inProcess(['check', '--policy', `${F}/never-settles.ts`, '--runs', '10']);
const forty2 = inProcess(['check', '--policy', `${F}/throws-42.ts`, '--runs', '500']);
const nul = inProcess(['run', '--policy', `${F}/throws-null.ts`, trace]);
const limited = apmc(['run', '--policy', `${F}/loops.ts`, trace], { APMC_CALL_LIMIT_MS: '300' });
const badLimit = apmc(['run', '--policy', `${F}/loops.ts`, trace], { APMC_CALL_LIMIT_MS: '1e3' });
const diffed = inProcess(['diff', '--policy', 'upstream', '--policy', 'test/fixtures/throwing.ts', trace]);
const explained = inProcess(['explain', '--policy', 'test/fixtures/throwing.ts', trace]);
const timer = inProcess(['check', '--policy', `${F}/timer-throws.ts`, '--runs', '3000']);
const caught = apmc(['check', '--policy', `${F}/exit-caught.ts`, '--runs', '500']);
// The looping policy under a name with a newline: the stopped case's report names it on one line.
const newlineName = join(dir, 'lo\nops.ts');
writeFileSync(newlineName, readFileSync(`${F}/loops.ts`));
const loopCheck = apmc(['check', '--policy', newlineName, '--property', 'assign-idempotent'], {
  APMC_CALL_LIMIT_MS: '300',
});
const alloc = apmc([
  'check',
  '--engine',
  'exhaustive',
  '--depth',
  '3',
  '--policy',
  `${F}/allocates.ts`,
  '--max-memory',
  '256',
]);

// ---
const iso = suite('a misbehaving policy file is a policy error with its trace, exit 7');

iso('process.exit(0) in a callback: exit 7 and the policy error, not a silent exit 0 (--ci)', async () => {
  const r = await exits;
  assert.is(r.code, 7, r.err);
  assert.match(r.out, /POLICY ERROR: 'assign' threw: PolicyExit:\s+called process\.exit\(0\)/);
  assert.match(r.out, /m1 assign_adapter 1\s+# <-- policy error/);
});

iso('a loop in a callback: the call limit stops it; apmc run names the line and op', async () => {
  const r = await limited;
  assert.is(r.code, 7, r.err);
  assert.equal(lines(r.err), [
    `apmc: ${trace}:3: policy error in '${F}/loops.ts': 'assign' did not return within 0.3 s`,
  ]);
  assert.is(r.out, '');
  const bad = await badLimit;
  assert.is(bad.code, 2);
  assert.match(bad.err, /^apmc: APMC_CALL_LIMIT_MS: expected whole milliseconds/);
});

iso("a loop in a callback under check: the stopped case's heading names the policy on one line", async () => {
  const r = await loopCheck;
  assert.is(r.code, 7, r.err);
  const heading = r.out.split('\n').find((l) => l.includes('POLICY ERROR'));
  assert.ok(heading?.startsWith(`== ${dir}/lo\\x0aops.ts: POLICY ERROR: 'assign' did not return`), r.out);
});

iso('unbounded allocation with --max-memory 256: exit 7 (not a V8 crash, 134), with a shortest trace', async () => {
  const r = await alloc;
  assert.is(r.code, 7, r.err);
  assert.equal(lines(r.err), [
    `apmc: policy error in '${F}/allocates.ts': 'assign' ran out of memory (--max-memory 256 MB)`,
  ]);
  assert.match(
    r.out,
    new RegExp(
      String.raw`a shortest trace to the state being expanded, then the op \(2 ops\):\n` +
        String.raw` {3}create m1\n {3}m1 assign_adapter 1 {2}# <-- policy error`,
    ),
  );
});

iso("a throw from the policy's own timer, and process.exit caught by the policy: policy errors, exit 7", async () => {
  const t = await timer;
  assert.is(t.code, 7, t.err);
  assert.equal(lines(t.err), [
    `apmc: policy error in '${F}/timer-throws.ts': the policy threw outside a callback: a non-error 1`,
  ]);
  const c = await caught;
  assert.is(c.code, 7, c.err);
  assert.equal(lines(c.err), [
    `apmc: policy error in '${F}/exit-caught.ts': the policy called process.exit(3) and caught the throw`,
  ]);
});

iso('a top-level await that never settles: exit 7 with one line (not exit 13 in silence)', async () => {
  const r = await never;
  assert.is(r.code, 7, r.err);
  assert.equal(lines(r.err), [
    `apmc: policy error in '${F}/never-settles.ts': the policy never finished loading (a top-level await?)`,
  ]);
});

iso('throw 42, throw null: policy errors, exit 7', async () => {
  const r = await forty2;
  assert.is(r.code, 7, r.err);
  assert.match(r.out, /POLICY ERROR: 'assign' threw: a non-error\s+42/);
  const n = await nul;
  assert.is(n.code, 7, n.err);
  assert.equal(lines(n.err), [
    `apmc: ${trace}:3: policy error in '${F}/throws-null.ts': 'assign' threw: a non-error null`,
  ]);
});

iso('apmc diff with a policy that throws: a policy error at its step, exit 7 (not 3)', async () => {
  const r = await diffed;
  assert.is(r.code, 7, r.err);
  assert.equal(lines(r.err), [
    `apmc: ${trace}:3: policy error in 'test/fixtures/throwing.ts': 'assign' threw: Error: adapter 1 is not supported`,
  ]);
  const x = await explained;
  assert.is(x.code, 7, x.err);
});

// Timed: after the cases started together above have ended.
iso('a loop in a callback with --time 2: stopped within 6 s, its case shown', async () => {
  const r = await apmc(['check', '--policy', `${F}/loops.ts`, '--runs', '500', '--time', '2']);
  assert.is(r.code, 7, r.err);
  assert.ok(r.ms < 6000, `${r.ms} ms`);
  assert.equal(lines(r.err), [`apmc: policy error in '${F}/loops.ts': 'assign' still running at --time 2 s`]);
  assert.match(r.out, /the case being checked, up to the op that did not finish/);
  assert.match(r.out, /m1 assign_adapter 1 {2}# <-- policy error\n*$/);
});

iso('SIGTERM during a loop in a callback: apmc ends within 2 s of it (143), naming the policy error', async () => {
  const p = spawn(process.execPath, ['bin/apmc.js', 'check', '--policy', `${F}/loops.ts`, '--runs', '500'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
  let err = '';
  let out = '';
  let sent = 0;
  p.stdout.on('data', (b: Buffer) => (out += b.toString()));
  // The policy prints `looping` (to apmc's stderr) as it enters the loop.
  p.stderr.on('data', (b: Buffer) => {
    err += b.toString();
    if (sent === 0 && err.includes('looping')) {
      sent = Date.now();
      p.kill('SIGTERM');
    }
  });
  const code = await new Promise<number | null>((done) => p.on('exit', (c) => done(c)));
  assert.ok(sent > 0, err);
  assert.ok(Date.now() - sent < 2000, `${Date.now() - sent} ms`);
  assert.is(code, 143, err);
  assert.match(
    err,
    /policy error in 'test\/fixtures\/sandbox\/loops\.ts': 'assign' did not return within 1\.5 s of SIGTERM/,
  );
  assert.match(out, /m1 assign_adapter 1 {2}# <-- policy error/);
});

iso.run();

// ---
const data = suite('a trace or counterexample never loads code; a file policy is known by its path');

data('a trace naming a policy file is refused with a hint (exit 2); the file is not loaded', async () => {
  const d = mkdtempSync(join(tmpdir(), 'apmc-sandbox-data-'));
  writeFileSync(join(d, 'x.mts'), readFileSync(`${F}/canary.ts`));
  writeFileSync(join(d, 't.trace'), 'policy ./x.mts\nscope adapters=2 domains=2\ncreate m1\n');
  const ops = [{ kind: 'create', mdev: 'm1' }];
  const doc = { format: 'apmc-trace/1', scope: { adapters: 2, domains: 2 }, policy: join(d, 'x.mts'), ops };
  writeFileSync(join(d, 't.json'), JSON.stringify(doc));
  writeFileSync(
    join(d, 'cx.json'),
    JSON.stringify({ ...doc, property: 'no-apqn-in-two-mdevs', expect: 'violates', note: 'n' }),
  );
  const env = {};
  const all = [
    ['run', 't.trace'],
    ['run', 't.json'],
    ['explain', 't.trace'],
    ['explain', 'cx.json'],
    ['explain', '--format', 'sh', 'cx.json'],
  ];
  const outs = await Promise.all(all.map((args) => apmc(args, env, d)));
  for (const [i, args] of all.entries()) {
    const r = outs[i]!;
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.is(r.out, '');
    assert.equal(lines(r.err).length, 1, r.err);
    assert.match(
      r.err,
      /^apmc: (t\.trace|t\.json|cx\.json):1: policy files load only from the command line: --policy \S*x\.mts$/m,
    );
    assert.not.match(r.err, /canary: loaded/, `${args.join(' ')} loaded the policy file`);
  }
  // Passed with --policy (the same file, relative to the current directory), it loads and runs.
  const ok = await inProcess(['run', '--policy', './x.mts', 't.trace'], d);
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, /^policy \.\/x\.mts, /);
  assert.match(ok.out, /create m1\s+EBUSY/);
});

data("a policy file may not take a built-in's name, nor a name with a control character (exit 2)", async () => {
  const [up, nl] = await Promise.all([
    inProcess(['check', '--policy', `${F}/named-upstream.ts`, '--runs', '10']),
    inProcess(['run', '--policy', `${F}/named-newline.ts`, trace]),
  ]);
  assert.is(up.code, 2, up.err);
  assert.equal(lines(up.err), [
    `apmc: ${F}/named-upstream.ts: named 'upstream' like a built-in policy; give it a name of its own`,
  ]);
  assert.is(nl.code, 2, nl.err);
  assert.equal(lines(nl.err), [
    `apmc: ${F}/named-newline.ts: the policy's 'name' contains a control character (U+000a)`,
  ]);
});

data('saved counterexamples record the policy file by its path; replaying one needs --policy', async () => {
  const save = join(dir, 'saved');
  const r = await inProcess([
    'check',
    '--policy',
    './examples/refilter-on-unassign.ts',
    '--property',
    'status-attribute-truthful',
    '--runs',
    '300',
    '--save',
    save,
  ]);
  // A violation upstream, its base, expects (expectationFor): exit 4.
  assert.is(r.code, 4, r.err);
  assert.match(r.out, /examples\/refilter-on-unassign\.ts/);
  const files: string[] = [];
  const walk = (p: string): void => {
    for (const f of readdirSync(p)) statSync(join(p, f)).isDirectory() ? walk(join(p, f)) : files.push(join(p, f));
  };
  walk(save);
  assert.is(files.length, 1, files.join(' '));
  const doc = JSON.parse(readFileSync(files[0]!, 'utf8')) as { policy: string };
  // Relative to the counterexample file (absolute when they share no top directory, as /tmp and the repository).
  assert.is(resolve(dirname(files[0]!), doc.policy), resolve('examples/refilter-on-unassign.ts'));
  const [refused, replay] = await Promise.all([
    inProcess(['run', files[0]!]),
    inProcess(['run', '--policy', 'examples/refilter-on-unassign.ts', files[0]!]),
  ]);
  assert.is(refused.code, 2, refused.err);
  assert.match(refused.err, /: --policy examples\/refilter-on-unassign\.ts$/m);
  assert.is(replay.code, 0, replay.err);
});

data.run();
