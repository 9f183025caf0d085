/**
 * Why: a replay script runs as root on a production LPAR, and what it is made from (a trace file, a
 * counterexample received by email, a policy) is not trusted. No text from them may become a command, and
 * the script's own files (QEMU pidfiles, monitor sockets, logs) must not be ones another user prepared:
 * a planted symlink would let that user truncate a file, a planted pidfile make the script kill a process.
 * render/sh-counterexamples.test.ts runs every saved counterexample with hostile text in every field; this
 * file covers the paths in through the CLI and names outside the trace grammar.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import {
  chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync,
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
  const cx = JSON.parse(readFileSync(join(ROOT, 'counterexamples/recovery/d0-domain-outside-host-blocks-adapter.json'), 'utf8'));
  for (const { tag, text } of hostileTexts((tag) => `from-note-${tag}`)) {
    const name = `a\ntouch from-name-${tag}\n#$(touch from-name-subst-${tag}).json`;
    writeFileSync(join(tmp, name), JSON.stringify({ ...cx, note: text }));
    const script = await explainCommand(noColour, join(tmp, name), { format: 'sh', scope: {} });
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

i.after(() => rmSync(tmp, { recursive: true, force: true }));

i.run();
