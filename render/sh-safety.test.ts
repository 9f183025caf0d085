/**
 * Why: a replay script runs as root on a production LPAR, and what it is made from (a trace file, a
 * counterexample received by email, a policy) is not trusted. No text from them may become a command, and
 * the script's own files (QEMU pidfiles, monitor sockets, logs) must not be ones another user prepared:
 * a planted symlink would let that user truncate a file, a planted pidfile make the script kill a process.
 * render/sh-counterexamples.test.ts runs every saved counterexample with hostile text in every field; this
 * file covers the paths in through the CLI, names outside the trace grammar, and the run directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  lchownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { explainCommand } from '../bin/explain.ts';
import { d0, upstream } from '../model/policies/index.ts';
import { parseCounterexample } from '../properties/counterexample.ts';
import { hostileTexts, runFake, runFakeAsync, type FakeOptions } from '../test/fake-sysfs.ts';
import { parseTrace, type Trace } from '../trace/index.ts';
import { renderSh } from './sh.ts';

const ROOT = join(import.meta.dirname, '..');
const tmp = mkdtempSync(join(tmpdir(), 'apmc-sh-safety-'));
const asRoot = process.getuid?.() === 0;
/** A user id other than ours, for files "another user" planted (only root can make them). */
const OTHER = 65534;
const noColour = new Chalk({ level: 0 });

const VM_TRACE = 'create m1\nstart m1 vm1\nm1 assign_adapter 0\nstop m1\n';
const vmTrace = parseTrace(VM_TRACE, 'vm.trace');
const vmScript = renderSh(vmTrace, { policy: upstream });
const fake = (opts: Partial<FakeOptions> = {}) => runFake(vmScript, vmTrace, { policy: upstream, ...opts });
const actions = (log: readonly string[]) => log.filter((l) => !l.startsWith('exec:'));

/** A process of our own that a script must not kill. */
function victim(): ChildProcess {
  return spawn('sleep', ['60'], { stdio: 'ignore' });
}
async function stillAlive(p: ChildProcess): Promise<boolean> {
  await new Promise((r) => setTimeout(r, 200));
  return p.exitCode === null && p.signalCode === null;
}

// ---

const i = suite('text in the script');

i('a counterexample with a newline in its file name and its note, through apmc explain: no command runs', async () => {
  const canaries = join(tmp, 'cli-canaries');
  mkdirSync(canaries);
  // A file name cannot hold '/': the commands name files relative to the run's directory (the canaries).
  const saved = 'counterexamples/recovery/d0-domain-outside-host-blocks-adapter.json';
  const cx = JSON.parse(readFileSync(join(ROOT, saved), 'utf8'));
  for (const { tag, text } of hostileTexts((tag) => `from-note-${tag}`)) {
    const name = `a\ntouch from-name-${tag}\n#$(touch from-name-subst-${tag}).json`;
    writeFileSync(join(tmp, name), JSON.stringify({ ...cx, note: text }));
    const script = await explainCommand(noColour, join(tmp, name), { format: 'sh', scope: {} });
    assert.not.match(script, /^\s*touch /m, tag);
    if (tag !== 'newline' && tag !== 'substitution' && tag !== 'long') continue;
    const r = runFake(script, parseCounterexample(cx, 'cx.json').trace, { policy: d0, cwd: canaries });
    assert.is(r.status, 4, r.stdout + r.stderr);
  }
  assert.equal(readdirSync(canaries), []);
});

i('mdev and guest names outside the trace grammar are refused, not written into the script', () => {
  for (const bad of ['m1$(touch x)', "m1'x", 'm1\nx', 'm-1 x', '1m', '']) {
    const t: Trace = { ...vmTrace, steps: vmTrace.steps.map((s) => ({ ...s, op: { ...s.op, mdev: bad } as never })) };
    assert.throws(() => renderSh(t, { policy: upstream }), /mdev name/, JSON.stringify(bad));
    const v: Trace = {
      ...vmTrace,
      steps: vmTrace.steps.map((s) => (s.op.kind === 'start' ? { ...s, op: { ...s.op, vm: bad } } : s)),
    };
    assert.throws(() => renderSh(v, { policy: upstream }), /guest name/, JSON.stringify(bad));
  }
});

// ---

const d = suite("the script's run directory (QEMU pidfiles, monitor sockets, logs)");

d('without APMC_RUN: a new private directory (mktemp -d), not a predictable one another user prepared', async () => {
  // The old name was $TMPDIR/apmc-replay.$$: plant it, owned by another user, before the script starts.
  const precious = join(tmp, 'precious');
  writeFileSync(precious, 'keep me\n');
  const p = victim();
  const plant = [
    'export TMPDIR="$APMC_FAKE/tmp"',
    'mkdir -m 1777 "$TMPDIR"',
    'P="$TMPDIR/apmc-replay.$$"',
    'mkdir -m 777 "$P"',
    `ln -s '${precious}' "$P/apmc-vm1.log"`,
    `ln -s '${precious}' "$P/apmc-vm1.sock"`,
    `echo ${p.pid} > "$P/apmc-vm1.pid"`,
    asRoot ? `chown -h -R ${OTHER}:${OTHER} "$P"` : ':',
    'echo "$P" > "$APMC_FAKE/planted"',
  ].join('\n');
  const r = await runFakeAsync(vmScript, vmTrace, { policy: upstream, env: { APMC_RUN: '' }, prelude: plant });
  try {
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.is(readFileSync(precious, 'utf8'), 'keep me\n');
    assert.ok(await stillAlive(p), 'the script killed a process named by a planted pidfile');
    const qemu = r.log.find((l) => l.startsWith('exec:qemu'))!;
    const run = /-pidfile (\S+)\/apmc-vm1\.pid/.exec(qemu)?.[1] ?? '';
    assert.match(run, /\/tmp\/apmc-replay\.[^/]+$/);
    assert.not.match(run, /\/apmc-replay\.\d+$/);
  } finally {
    p.kill();
  }
});

d('without APMC_RUN: the directory is mode 700 while the script runs, and removed after a clean run', () => {
  const probe = join(tmp, 'mode-probe');
  // The QEMU stub runs inside the script: record the directory's mode there.
  const r = fake({
    env: { APMC_RUN: '', APMC_PROBE: probe },
    prelude: [
      'export TMPDIR="$APMC_FAKE/tmp"',
      'mkdir -m 1777 "$TMPDIR"',
      'q="$APMC_FAKE/bin/qemu-system-s390x"',
      `printf '%s\\n' 'stat -c %a "$APMC_RUN" > "$APMC_PROBE"' >> "$q"`,
    ].join('\n'),
  });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(readFileSync(probe, 'utf8'), '700\n');
  assert.not.match(r.stdout, 'QEMU logs:');
});

d('without APMC_RUN: an operator who says no, or does not answer, leaves no directory behind', () => {
  for (const answers of ['n\n', '']) {
    const dir = mkdtempSync(join(tmp, 'tmpdir-'));
    const r = fake({ env: { APMC_RUN: '', TMPDIR: dir }, answers });
    assert.is(r.status, 3, r.stdout + r.stderr);
    assert.match(r.stdout, /nothing done\n$/, JSON.stringify(answers));
    assert.equal(readdirSync(dir), [], JSON.stringify(answers));
  }
});

/** The refusals: exit 2, one line on stderr naming APMC_RUN, nothing written. */
function refused(r: ReturnType<typeof fake>, what: RegExp) {
  assert.is(r.status, 2, r.stdout + r.stderr);
  assert.match(r.stderr, /^replay\.sh: APMC_RUN=\S+: [^\n]+\n$/);
  assert.match(r.stderr, what);
  assert.equal(r.log, []);
}

d('APMC_RUN: a symlink (to a directory of ours) is refused', () => {
  const target = join(tmp, 'link-target');
  mkdirSync(target, { mode: 0o700 });
  symlinkSync(target, join(tmp, 'link'));
  refused(fake({ env: { APMC_RUN: join(tmp, 'link') } }), /symlink/);
  refused(fake({ env: { APMC_RUN: join(tmp, 'link') + '/' } }), /symlink|plain/);
  assert.equal(readdirSync(target), []);
});

d('APMC_RUN: a directory under a symlinked parent is refused', () => {
  mkdirSync(join(tmp, 'real-parent/run'), { recursive: true, mode: 0o700 });
  symlinkSync(join(tmp, 'real-parent'), join(tmp, 'linked-parent'));
  refused(fake({ env: { APMC_RUN: join(tmp, 'linked-parent/run') } }), /symlink/);
  refused(fake({ env: { APMC_RUN: join(tmp, 'linked-parent/new') } }), /symlink/);
  assert.not.ok(existsSync(join(tmp, 'real-parent/new')));
});

d('APMC_RUN: a file, a relative path, a directory writable by others are refused', () => {
  writeFileSync(join(tmp, 'a-file'), '');
  refused(fake({ env: { APMC_RUN: join(tmp, 'a-file') } }), /not a directory/);
  refused(fake({ env: { APMC_RUN: 'relative/run' } }), /absolute/);
  refused(fake({ env: { APMC_RUN: `${tmp}/./x/../run` } }), /plain/);
  const open = join(tmp, 'open');
  mkdirSync(open);
  chmodSync(open, 0o777);
  refused(fake({ env: { APMC_RUN: open } }), /writable/);
  mkdirSync(join(open, 'run'), { mode: 0o700 });
  refused(fake({ env: { APMC_RUN: join(open, 'run') } }), /writable/);
});

const needsRoot = asRoot ? '' : ' (needs root: skipped)';
d(`APMC_RUN: a directory another user owns, with planted links and pidfile, is refused${needsRoot}`, async () => {
  if (!asRoot) return;
  const theirs = join(tmp, 'theirs');
  mkdirSync(theirs, { mode: 0o700 });
  const precious = join(tmp, 'precious-2');
  writeFileSync(precious, 'keep me\n');
  const p = victim();
  try {
    symlinkSync(precious, join(theirs, 'apmc-vm1.log'));
    writeFileSync(join(theirs, 'apmc-vm1.pid'), `${p.pid}\n`);
    for (const f of ['', 'apmc-vm1.log', 'apmc-vm1.pid']) lchownSync(join(theirs, f), OTHER, OTHER);
    const r = await runFakeAsync(vmScript, vmTrace, { policy: upstream, env: { APMC_RUN: theirs } });
    refused(r, /owned/);
    assert.is(readFileSync(precious, 'utf8'), 'keep me\n');
    assert.ok(await stillAlive(p));
    // Under a directory another user owns, even a new directory could be swapped: refused too.
    refused(fake({ env: { APMC_RUN: join(theirs, 'new') } }), /owned|writable/);
  } finally {
    p.kill();
  }
});

d('APMC_RUN: a directory of ours is used; it is created (mode 700) if missing, and kept', () => {
  const mine = join(tmp, 'mine');
  let r = fake({ env: { APMC_RUN: mine } });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.is(statSync(mine).mode & 0o777, 0o700);
  r = fake({ env: { APMC_RUN: mine } });
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.ok(existsSync(mine));
  assert.ok(actions(r.log).includes('vm\tstart apmc-vm1 00000000-0000-4000-8000-000000000000'));
});

d('APMC_RUN of ours: leftover links and a pidfile in it are removed, never followed or trusted', async () => {
  const mine = join(tmp, 'mine-2');
  mkdirSync(mine, { mode: 0o700 });
  const precious = join(tmp, 'precious-3');
  writeFileSync(precious, 'keep me\n');
  const p = victim();
  try {
    symlinkSync(precious, join(mine, 'apmc-vm1.log'));
    symlinkSync(precious, join(mine, 'apmc-vm1.sock'));
    symlinkSync(precious, join(mine, 'remove.0'));
    writeFileSync(join(mine, 'apmc-vm1.pid'), `${p.pid}\n`);
    const r = await runFakeAsync(vmScript, vmTrace, { policy: upstream, env: { APMC_RUN: mine } });
    assert.is(r.status, 0, r.stdout + r.stderr);
    assert.is(readFileSync(precious, 'utf8'), 'keep me\n');
    assert.ok(await stillAlive(p), 'the script killed a process named by a leftover pidfile');
  } finally {
    p.kill();
  }
});

d.after(() => rmSync(tmp, { recursive: true, force: true }));

i.run();
d.run();
