/**
 * Why: `apmc diff` without a trace must find, by itself, a short trace after which two designs differ,
 * print it so that it replays (`apmc diff --policy A --policy B TRACE` shows the same difference), and never
 * claim more than it searched. `--observe` chooses what counts as a difference, with a trace and without.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT, runInProcess } from '../test/cli-harness.ts';
import { parseTextTrace } from '../trace/index.ts';

/** apmc in this process (runCli), in the repository, colour off. */
const apmc = (...args: string[]) => runInProcess(args, ROOT, { NO_COLOR: '1' }, 60_000);
/** A real apmc process: for the policies that hang, which the sandbox thread stops. */
function apmcProcess(env: Record<string, string>, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/apmc.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', ...env },
    timeout: 60_000,
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const dir = mkdtempSync(join(tmpdir(), 'apmc-diff-'));
/** The trace printed after "the trace (…):", up to the blank line. */
const printedTrace = (out: string): string => {
  const m = /the trace \(apmc run and apmc diff replay it\):\n([\s\S]*?)\n\n/.exec(out);
  assert.ok(m, out);
  return m[1]! + '\n';
};
/** The output with its line breaks and indents as single spaces (prose wraps at 80 columns). */
const flat = (out: string): string => out.replace(/\s+/g, ' ');
const LINKS = 'test/fixtures/diff/keeps-links.ts';

const s = suite('apmc diff without a trace: the random search');

for (const a of ['v12-fcfs', 'd0']) {
  s(`${a} against upstream: a short trace, printed and saved, that replays as different; exit 1`, async () => {
    const save = join(dir, `${a}.trace`);
    const r = await apmc(
      'diff',
      '--policy',
      a,
      '--policy',
      'upstream',
      '--engine',
      'random',
      '--seed',
      '7',
      '--save',
      save,
    );
    assert.is(r.code, 1, r.out + r.err);
    assert.match(flat(r.out), /random search \(seed 7, .*\): found in case \d+ after/);
    assert.equal(
      r.out.split('\n').filter((l) => [...l].length > 80),
      [],
    );
    const text = printedTrace(r.out);
    assert.is(readFileSync(save, 'utf8'), text);
    const t = parseTextTrace(text, save);
    assert.ok(t.steps.length >= 1 && t.steps.length <= 12, `${t.steps.length} steps`);
    assert.match(r.out, `first difference, after step ${t.steps.length} `);
    // The trace replays: the same two policies differ on it, after its last step and not before.
    const again = await apmc('diff', '--policy', a, '--policy', 'upstream', '--observe', 'guest', save);
    assert.is(again.code, 1, again.out + again.err);
    assert.match(again.out, `first difference, after step ${t.steps.length} `);
    // The same seed gives the same trace.
    const same = await apmc('diff', '--policy', a, '--policy', 'upstream', '--engine', 'random', '--seed', '7');
    assert.is(printedTrace(same.out), text);
  });
}

s('upstream against upstream: no difference in every case asked for, said so; exit 0', async () => {
  const r = await apmc('diff', '--policy', 'upstream', '--policy', 'upstream', '--engine', 'random', '--runs', '1500');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(flat(r.out), /no difference found in 1500 cases of 1500 /);
  assert.match(flat(r.out), /sampling: not a proof/);
  assert.equal(
    r.out.split('\n').filter((l) => [...l].length > 80),
    [],
  );
});

s('--time stopping the search before its --runs cases: undecided, exit 6, never 0', async () => {
  const r = await apmc(
    'diff',
    '--policy',
    'upstream',
    '--policy',
    'upstream',
    '--engine',
    'random',
    '--runs',
    '100000000',
    '--time',
    '1',
  );
  assert.is(r.code, 6, r.out + r.err);
  assert.match(flat(r.out), /stopped by --time/);
  assert.match(r.out, /undecided/);
});

s('SIGINT during the search: what was searched, said; exit 130, never 0', async () => {
  const args = ['diff', '--policy', 'upstream', '--policy', 'upstream', '--engine', 'random', '--runs', '100000000'];
  const p = spawn(process.execPath, ['bin/apmc.js', ...args], { env: { ...process.env, NO_COLOR: '1' } });
  let out = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  // The signal comes once the search has started (apmc starts in about a second).
  setTimeout(() => p.kill('SIGINT'), 3000);
  const code = await new Promise<number | null>((done) => p.on('close', (c) => done(c)));
  assert.is(code, 130, out);
  assert.match(flat(out), /no difference found in \d+ cases of 100000000 \(.*stopped by SIGINT\)/);
});

s(
  '--engine exhaustive: a shortest trace (d0 and upstream differ after 4 ops), exit 1; it replays as different',
  async () => {
    const save = join(dir, 'exhaustive.trace');
    const r = await apmc(
      'diff',
      '--policy',
      'd0',
      '--policy',
      'upstream',
      '--engine',
      'exhaustive',
      '--depth',
      '6',
      '--save',
      save,
    );
    assert.is(r.code, 1, r.out + r.err);
    assert.match(flat(r.out), /a shortest trace \(4 ops\)/);
    assert.is(parseTextTrace(readFileSync(save, 'utf8'), save).steps.length, 4);
    assert.is((await apmc('diff', '--policy', 'd0', '--policy', 'upstream', '--observe', 'guest', save)).code, 1);
  },
);

s('--engine exhaustive: no difference to the depth searched is a proof to that depth, exit 0', async () => {
  const r = await apmc('diff', '--policy', 'upstream', '--policy', LINKS, '--engine', 'exhaustive', '--depth', '4');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(flat(r.out), /no difference on any trace of up to 4 ops \(a proof to that depth\)/);
  assert.not.match(r.out, /sampling/);
  // At `all` the links differ: the same search finds it.
  assert.is(
    (await apmc('diff', '--policy', 'upstream', '--policy', LINKS, '--engine', 'exhaustive', '--observe', 'all')).code,
    1,
  );
});

s('bad flags: one line, exit 2', async () => {
  const cases: [string[], string][] = [
    [['--observe', 'links'], "--observe: expected guest, sysfs, all, got 'links'"],
    [['--engine', 'fast'], "--engine: expected 'random', 'exhaustive' or 'auto', got 'fast'"],
    [['--engine', 'random', '--depth', '3'], '--depth needs --engine exhaustive'],
    [['--shard', '1/2'], "unknown option '--shard'"],
    [['--seed', '3', 'traces/halil-order-a.trace'], '--seed: only without a trace'],
    [['--save', join(dir, 'x'), 'traces/halil-order-a.trace'], '--save: only without a trace'],
  ];
  for (const [args, msg] of cases) {
    const r = await apmc('diff', '--policy', 'd0', '--policy', 'upstream', ...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, msg);
    assert.is(r.err.trim().split('\n').length, 1);
  }
});

s('a policy file that throws during the search: a policy error, exit 7', async () => {
  const r = await apmc(
    'diff',
    '--policy',
    'test/fixtures/sandbox/throws-42.ts',
    '--policy',
    'upstream',
    '--runs',
    '3000',
  );
  assert.is(r.code, 7, r.out + r.err);
  assert.match(r.err, "policy error in 'test/fixtures/sandbox/throws-42.ts'");
});

s('a policy file that hangs during the search: the case up to the step it hangs on, exit 7', async () => {
  const loops = 'test/fixtures/sandbox/loops.ts';
  const r = apmcProcess(
    { APMC_CALL_LIMIT_MS: '300' },
    'diff',
    '--policy',
    loops,
    '--policy',
    'upstream',
    '--engine',
    'random',
  );
  assert.is(r.code, 7, r.out + r.err);
  assert.match(r.err, `policy error in '${loops}': 'assign' did not return within 0.3 s`);
  assert.match(r.out, /m1 assign_adapter 1 {2}# <-- policy error/);
});

s('--save to a name with a newline: written there, shown on one line', async () => {
  const save = join(dir, 'with\nnewline.trace');
  const r = await apmc('diff', '--policy', 'd0', '--policy', 'upstream', '--engine', 'random', '--save', save);
  assert.is(r.code, 1, r.out + r.err);
  assert.ok(readFileSync(save, 'utf8').includes('scope'));
  assert.match(r.out, `saved to ${dir}/with\\x0anewline.trace\n`);
});

s('a policy file that hangs in the breadth-first search: a policy error naming that file only, exit 7', async () => {
  const loops = 'test/fixtures/sandbox/loops.ts';
  const r = apmcProcess({ APMC_CALL_LIMIT_MS: '300' }, 'diff', '--policy', loops, '--policy', 'upstream');
  assert.is(r.code, 7, r.out + r.err);
  assert.match(r.err, `apmc: policy error in '${loops}': 'assign' did not return within 0.3 s`);
  assert.not.match(r.err, 'upstream');
});

s.run();

// ---
const o = suite('apmc diff --observe');
const links = join(dir, 'links.trace');
writeFileSync(
  links,
  'scope adapters=2 domains=2\napmask -0,-1\naqmask -0,-1\ncreate m1\nm1 assign_adapter 0\nm1 assign_domain 0\n' +
    'unbind 00.0000\n',
);

o('a patch that changes only links, on a trace: differs at all (the qtable), not at guest nor sysfs', async () => {
  const all = await apmc('diff', '--policy', LINKS, '--policy', 'upstream', '--observe', 'all', links);
  assert.is(all.code, 1, all.out + all.err);
  assert.match(all.out, /first difference, after step 6 \(unbind 00\.0000\):\n {2}m1 qtable: \{00\.0000\} under/);
  for (const level of ['guest', 'sysfs']) {
    const r = await apmc('diff', '--policy', LINKS, '--policy', 'upstream', '--observe', level, links);
    assert.is(r.code, 0, `${level}: ${r.out}${r.err}`);
    assert.match(r.out, 'no difference');
  }
});

o('the same patch without a trace: found at all; at guest only through the oops its stale link causes', async () => {
  const all = await apmc('diff', '--policy', LINKS, '--policy', 'upstream', '--observe', 'all');
  assert.is(all.code, 1, all.out + all.err);
  assert.match(all.out, /observing all/);
  assert.match(all.out, / {2}m1 qtable: /);
  const classic = ['--mechanisms', 'none'];
  const guest = await apmc(
    'diff',
    '--policy',
    LINKS,
    '--policy',
    'upstream',
    '--engine',
    'random',
    '--runs',
    '2000',
    ...classic,
  );
  // The freed queue left in m1's table is dereferenced by the next walk (stop): an oops, EFAULT, the device
  // stays open, and the guest's next start is refused.
  assert.is(guest.code, 1, guest.out + guest.err);
  assert.match(guest.out, /stop m1 +EFAULT +ok/);
});

o('without a trace the default is guest: a result that differs alone is no difference there', async () => {
  // static refuses hot plug (EBUSY) where upstream accepts: at sysfs the first difference is a result.
  const sysfs = await apmc('diff', '--policy', 'static', '--policy', 'upstream', '--observe', 'sysfs', '--seed', '3');
  assert.is(sysfs.code, 1, sysfs.out + sysfs.err);
  const guest = await apmc('diff', '--policy', 'static', '--policy', 'upstream', '--seed', '3');
  assert.is(guest.code, 1, guest.out + guest.err);
  assert.match(guest.out, /first difference, after step \d+ \([^)]*\):\n {2}vm\d crycb/);
});

o.run();
