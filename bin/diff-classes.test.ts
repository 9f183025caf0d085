/**
 * Why: `apmc diff --classes` lists every way two designs depart from each other, each with a trace that
 * `apmc diff A B TRACE` replays: the designs agree after every step but the last and differ after it, with
 * that class. Both engines; the exhaustive one proves "no difference" when there is none.
 */
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { upstream } from '../model/policies/upstream.ts';
import { v12Fcfs } from '../model/policies/v12-fcfs.ts';
import { initialState } from '../model/state.ts';
import { entryKind, firstDifferenceClass, opKindOf } from '../properties/difference-classes.ts';
import { parseTextTrace } from '../trace/index.ts';
import { ROOT, runInProcess } from '../test/cli-harness.ts';
import { classFileName } from './diff-classes.ts';

const SMALL = ['--adapters', '1', '--domains', '1', '--mdevs', '1', '--vms', '1'];
const t = suite('apmc diff --classes');

t('a class names the op kind and the kinds of entry, without ids', () => {
  assert.is(entryKind('05.002c driver'), 'driver');
  assert.is(entryKind('m1 guest_matrix'), 'guest_matrix');
  assert.is(entryKind('vm2 crycb control domains'), 'crycb control domains');
  assert.is(opKindOf({ kind: 'host', action: 'remove', resource: 'adapter', id: 1 }), 'host remove adapter');
  assert.is(opKindOf({ kind: 'remove', mdev: 'm1', async: true }), 'remove &');
  assert.is(classFileName(3, 'unbind: driver, result ok/EBUSY'), '03-unbind-driver-result-ok-ebusy.trace');
  assert.is(classFileName(1, '../../etc'), '01-etc.trace');
});

t('exhaustive, to a depth: each saved trace replays and first differs at its last step, with its class', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-classes-'));
  const args = ['diff', '--classes', '--policy', 'v12-fcfs', '--policy', 'upstream', '--observe', 'sysfs'];
  const r = await runInProcess([...args, '--engine', 'exhaustive', '--depth', '3', ...SMALL, '--save-dir', dir], ROOT);
  assert.is(r.code, 1, r.err);
  assert.match(r.out, /exhaustive search: \d+ classes; every trace of up to 3 ops compared/);
  assert.match(r.out, /kvm_gone: result EAGAIN\/ENODEV \(2 ops\)/);
  const files = readdirSync(dir).sort();
  assert.ok(files.length >= 10, files.join(' '));
  const scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
  for (const f of files) {
    const text = readFileSync(join(dir, f), 'utf8');
    const ops = parseTextTrace(text, f).steps.map((s) => s.op);
    const d = firstDifferenceClass(
      { scope, policy: v12Fcfs },
      { scope, policy: upstream },
      initialState(scope),
      ops,
      'sysfs',
    );
    assert.ok(d !== null && d.at === ops.length - 1, f);
    assert.ok(text.includes(d!.cls), `${f}: ${d!.cls}`);
    const again = await runInProcess(['diff', '--policy', 'v12-fcfs', '--policy', 'upstream', join(dir, f)], ROOT);
    assert.is(again.code, 1, `${f} replays as different`);
  }
});

t('a design against itself: no class, proved to the depth; exit 0', async () => {
  const args = ['diff', '--classes', '--policy', 'upstream', '--policy', 'upstream', '--engine', 'exhaustive'];
  const r = await runInProcess([...args, '--depth', '3', ...SMALL], ROOT);
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, /0 classes; every trace of up to 3 ops compared/);
  assert.match(r.out, /no difference/);
});

t('random: classes of shrunk traces, each first differing at its last step', async () => {
  const args = ['diff', '--classes', '--policy', 'd0', '--policy', 'upstream', '--engine', 'random', '--runs', '300'];
  const r = await runInProcess([...args, '--observe', 'all'], ROOT);
  assert.is(r.code, 1, r.err);
  assert.match(r.out, /random search \(seed 1\): \d+ classes in 300 cases/);
});

t('bad flags: --save-dir without --classes or empty, --classes with a trace', async () => {
  const empty = mkdtempSync(join(tmpdir(), 'apmc-classes-'));
  const e = await runInProcess(
    ['diff', '--classes', '--policy', 'd0', '--policy', 'upstream', '--save-dir', ''],
    empty,
  );
  assert.is(e.code, 2);
  assert.match(e.err, /--save-dir: expected a directory name, got an empty one/);
  assert.equal(readdirSync(empty), [], 'nothing written');
  const a = await runInProcess(['diff', '--policy', 'd0', '--policy', 'upstream', '--save-dir', 'x'], ROOT);
  assert.is(a.code, 2);
  assert.match(a.err, /--save-dir needs --classes/);
  const trace = 'examples/adapter-pops-up.trace';
  const b = await runInProcess(['diff', '--classes', '--policy', 'd0', '--policy', 'upstream', trace], ROOT);
  assert.is(b.code, 2);
  assert.match(b.err, /--classes: only without a trace/);
});

t.run();
