/**
 * Why: a replay script is only useful if it writes the right values to the right sysfs files in the
 * right order, and if its verdict follows what the system answers. These tests run generated scripts
 * against a fake sysfs tree (test/fake-sysfs.ts) whose answers they control.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { d0, upstream } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { parseTrace, type Trace } from '../trace/index.ts';
import { runFake, uuidOf, type FakeOptions } from '../test/fake-sysfs.ts';
import { renderSh } from './sh.ts';

const ROOT = join(import.meta.dirname, '..');
const U0 = uuidOf(0);
const M0 = `/devices/vfio_ap/matrix/${U0}`;

function replay(text: string, policy: Policy = upstream, opts: Partial<FakeOptions> = {}) {
  const t: Trace = parseTrace(text, 'test.trace');
  return runFake(renderSh(t, { policy }), t, { policy, ...opts });
}
/** The sysfs writes and guest actions of a run, without the stubs' own lines. */
const actions = (log: readonly string[]) => log.filter((l) => !l.startsWith('exec:'));
const mismatches = (out: string) => out.split('\n').filter((l) => l.includes('MISMATCH'));

// ---

const halil = readFileSync(join(ROOT, 'traces/halil-order-a.trace'), 'utf8');
const w = suite('what a replay script writes');

w('halil-order-a: every write, in order, with the real ids (adapters 05, 06; domains 0004, 002c)', () => {
  const r = replay(halil);
  assert.equal(actions(r.log), [
    '/bus/ap/apmask\t-5,-6',
    '/bus/ap/aqmask\t-4,-44',
    // the model's queue 01.0001 is bound to vfio_ap after the mask writes: unbind it from there
    '/bus/ap/drivers/vfio_ap/unbind\t06.002c',
    `/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\t${U0}`,
    `vm\tstart apmc-vm1 ${U0}`,
    `${M0}/assign_adapter\t0x05`,
    `${M0}/assign_domain\t0x0004`,
    `${M0}/assign_domain\t0x002c`,
    `${M0}/assign_adapter\t0x06`,
    // cleanup: guest, mdev, masks (relative: only the mapped bits), then the queue left unbound
    'vm\tstop apmc-vm1',
    `${M0}/remove\t1`,
    '/bus/ap/apmask\t+5,+6',
    '/bus/ap/aqmask\t+4,+44',
    '/bus/ap/drivers/cex4queue/bind\t06.002c',
  ]);
});

w('QEMU starts paused and daemonized with the mdev as a vfio-ap device (spec §12.3); quit stops it', () => {
  const r = replay(halil);
  const qemu = r.log.find((l) => l.startsWith('exec:qemu'))!;
  assert.match(qemu, `-device vfio-ap,id=apmc0,sysfsdev=${M0} `);
  assert.match(qemu, / -S /);
  assert.match(qemu, / -daemonize$/);
  assert.ok(r.log.some((l) => l.startsWith('exec:socat') && l.endsWith('\tquit')));
});

w('mask writes: absolute values become relative terms over the mapped ids; no-ops write nothing', () => {
  const r = replay('apmask 0x4\napmask +1\naqmask -1\n');
  // 0x4 keeps adapter 1 and clears adapter 0 (and every bit outside the scope, which the script leaves alone)
  assert.equal(actions(r.log).slice(0, 2), ['/bus/ap/apmask\t-5', '/bus/ap/aqmask\t-44']);
  assert.match(r.stdout, 'model-only step, nothing to do on a real system: the write changes no mapped adapter');
});

w('a malformed mask is written literally, shell quotes and all, and must fail', () => {
  const r = replay("apmask +0,'x\n");
  assert.equal(actions(r.log)[0], "/bus/ap/apmask\t+0,'x");
  assert.match(r.stdout, "bus/ap/apmask <- +0,'x: expected EINVAL, got EINVAL");
  assert.is(r.status, 0);
});

w('ids outside the scope map above ap_max_adapter_id, so the kernel answers ENODEV too', () => {
  const r = replay('create m1\nm1 assign_adapter 5\n');
  // 255 + 1 + (5 - 2 adapters in the scope) = 259
  assert.ok(actions(r.log).includes(`${M0}/assign_adapter\t0x103`));
  assert.match(r.stdout, 'expected ENODEV, got ENODEV');
});

w('a remove while a guest holds the mdev waits in the background and is checked when the guest stops', () => {
  const r = replay('create m1\nstart m1 vm1\nm1 remove\nstop m1\n');
  const a = actions(r.log);
  assert.ok(a.indexOf(`${M0}/remove\t1`) < a.indexOf('vm\tstop apmc-vm1'), a.join('\n'));
  assert.match(r.stdout, 'pending until the guest lets go');
  assert.match(r.stdout, `remove of ${U0} completed: expected ok, got ok`);
  assert.is(r.status, 0, r.stdout);
});

w('a second mdev on a running guest is a QEMU device_add; EPERM shows as a failure', () => {
  const r = replay('create m1\ncreate m2\nstart m1 vm1\nstart m2 vm1\n');
  assert.ok(
    r.log.some((l) => l.startsWith('exec:socat') && l.includes(`device_add vfio-ap,id=apmc1,sysfsdev=`)),
    r.log.join('\n'),
  );
  assert.match(r.stdout, 'expected EPERM, got a failure (no errno to compare)');
  assert.is(r.status, 0, r.stdout);
});

w('ap_config: three 64-digit MSB0 masks of the real ids', () => {
  const r = replay('create m1\nm1 ap_config apm=0 aqm=0,1 adm=0\n');
  const z = (n: number) => '0'.repeat(n);
  // adapter 0x05: bit 5; domains 4 and 44: bits 4 and 44; control domain 4: bit 4
  assert.equal(actions(r.log)[1], `${M0}/ap_config\t0x04${z(62)},0x08${z(9)}8${z(52)},0x08${z(62)}`);
  assert.is(r.status, 0, r.stdout);
});

w('card config: the card of the real adapter, configured again by the cleanup', () => {
  const r = replay('card01 config 0\n');
  const a = actions(r.log);
  assert.equal(a[0], '/bus/ap/devices/card06/config\t0');
  assert.ok(a.includes('/bus/ap/devices/card06/config\t1'), a.join('\n'));
});

w("stop and vfio_reset without a guest: ENODEV, from the script's own record of its guests", () => {
  const r = replay('create m1\nstop m1\nvfio_reset m1\n');
  assert.match(r.stdout, `no guest holds ${U0} (nothing to stop): expected ENODEV, got ENODEV`);
  assert.match(r.stdout, `no guest holds ${U0} (nothing to reset): expected ENODEV, got ENODEV`);
  assert.is(r.status, 0, r.stdout);
});

w('host configuration changes are manual steps; without a terminal they are skipped (exit 4), then a scan', () => {
  const r = replay('host remove domain 1\n');
  assert.match(
    r.stdout,
    '>>> MANUAL STEP: On the HMC/SE (Change LPAR Cryptographic Controls),' +
      " remove usage domain 0x002c (model domain 1) from this LPAR's configuration",
  );
  assert.match(r.stdout, 'skipped (APMC_NONINTERACTIVE=1)');
  assert.equal(actions(r.log)[0], '/bus/ap/scans\t1');
  assert.is(r.status, 4);
});

w('a trace of 50 000 ops renders (no recursion or argument spread over the steps)', () => {
  const lines = ['create m1'];
  for (let k = 0; k < 25_000; k++) lines.push('m1 assign_adapter 0  # on', 'm1 unassign_adapter 0');
  const t = parseTrace(lines.join('\n') + '\n', 'big.trace');
  const script = renderSh(t, { policy: upstream });
  assert.ok(script.includes("\nstep 50001 'm1 unassign_adapter 0'\n"));
  assert.ok(script.includes('\n#   [50001] m1 unassign_adapter 0: ok\n'));
});

// ---

const o = suite('the operator');

o('asked first; anything but y changes nothing (exit 3)', () => {
  const r = replay(halil, upstream, { answers: 'n\n' });
  assert.is(r.status, 3);
  assert.match(r.stdout, 'Go on? [y/N]');
  assert.equal(r.log, []);
});

o('a manual step waits for Enter; done, it is a full replay, and the cleanup lists what to undo by hand', () => {
  const r = replay('host remove domain 1\n', upstream, { answers: 'y\n\n' });
  assert.match(r.stdout, 'Press Enter when done, s to skip, q to abort');
  assert.match(r.stdout, 'undo by hand on the HMC/SE:\n    add back usage domain 0x002c (model domain 1)\n');
  assert.is(r.status, 0, r.stdout);
});

o('q at a manual step aborts (exit 3), after the cleanup', () => {
  const r = replay('create m1\nhost remove domain 1\nm1 assign_adapter 0\n', upstream, { answers: 'y\nq\n' });
  assert.is(r.status, 3);
  assert.match(r.stdout, 'aborted: stopped by the operator');
  assert.ok(r.log.includes(`${M0}/remove\t1`), r.log.join('\n'));
  assert.not.ok(r.log.includes(`${M0}/assign_adapter\t0x05`));
});

o('without an operator, APMC_MANUAL=abort stops at the first manual step (exit 3)', () => {
  const r = replay('host remove domain 1\n', upstream, { env: { APMC_MANUAL: 'abort' } });
  assert.is(r.status, 3);
  assert.equal(actions(r.log), ['/bus/ap/apmask\t+5,+6', '/bus/ap/aqmask\t+4,+44']);
});

// ---

const v = suite('the verdict follows what the system answers');

v('the model agrees with the fake: exit 0', () => {
  const r = replay(halil);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.equal(mismatches(r.stdout), []);
  assert.match(r.stdout, 'm1 guest_matrix: {05.0004 05.002c} as expected');
});

v('the same under bash, /bin/sh on most s390 distributions', () => {
  if (spawnSync('bash', ['--version']).status !== 0) return;
  const good = replay(halil, upstream, { shell: 'bash' });
  assert.is(good.status, 0, good.stdout + good.stderr);
  const bad = replay(halil, upstream, { shell: 'bash', results: (i, m) => (i === 3 ? 'EBUSY' : m) });
  assert.equal(mismatches(bad.stdout), [
    '  MISMATCH at step 3: bus/ap/drivers/vfio_ap/unbind <- 06.002c: expected ok, got EBUSY',
  ]);
});

v("a guest_matrix other than the model's: exit 1, and the line says what differs", () => {
  const r = replay(halil, upstream, { files: { m1: { guest_matrix: ['05.0004', '05.002c', '06.0004', '06.002c'] } } });
  assert.is(r.status, 1);
  assert.equal(mismatches(r.stdout), [
    '  MISMATCH at step end: m1 guest_matrix: expected {05.0004 05.002c}, got {05.0004 05.002c 06.0004 06.002c}',
  ]);
  assert.match(r.stdout, 'reality DISAGREES with the model: 1 mismatch(es)');
});

v('a write that fails where the model succeeds: exit 1, naming the step and the errno', () => {
  const r = replay(halil, upstream, { results: (i, m) => (i === 3 ? 'EBUSY' : m) });
  assert.is(r.status, 1);
  assert.equal(mismatches(r.stdout), [
    '  MISMATCH at step 3: bus/ap/drivers/vfio_ap/unbind <- 06.002c: expected ok, got EBUSY',
  ]);
});

v('a different errno is a disagreement, unless APMC_ERRNO=loose', () => {
  const text =
    'apmask -0\naqmask -0\ncreate m1\ncreate m2\n' +
    'm1 assign_adapter 0\nm1 assign_domain 0\nm2 assign_domain 0\nm2 assign_adapter 0\n';
  const results = (i: number, m: string) => (i === 8 ? 'EADDRNOTAVAIL' : m) as never;
  const strict = replay(text, upstream, { results });
  assert.match(strict.stdout, 'expected EADDRINUSE, got EADDRNOTAVAIL');
  assert.is(strict.status, 1);
  assert.is(replay(text, upstream, { results, env: { APMC_ERRNO: 'loose' } }).status, 0);
});

v('a mismatch after a skipped manual step does not count as a disagreement (exit 4); one before does (exit 1)', () => {
  const text = 'create m1\nhost remove domain 1\nm1 assign_adapter 0\n';
  assert.is(replay(text, upstream, { results: (i, m) => (i === 3 ? 'EBUSY' : m) }).status, 4);
  assert.is(replay(text, upstream, { results: (i, m) => (i === 1 ? 'EEXIST' : m) }).status, 1);
});

v('APMC_CHECK_STEPS=1 checks guest_matrix after each step that changes it', () => {
  // The fake's guest_matrix holds the final value throughout, so only step 8 (where it is reached) agrees.
  const r = replay(halil, upstream, { env: { APMC_CHECK_STEPS: '1' } });
  assert.equal(
    mismatches(r.stdout).map((l) => l.split(':')[0]),
    ['  MISMATCH at step 4', '  MISMATCH at step 6', '  MISMATCH at step 7'],
  );
  assert.is(r.status, 1);
});

v('bad setup: a malformed mapping variable is one line on stderr, exit 2, and nothing is written', () => {
  const r = replay(halil, upstream, { env: { APMC_ADAPTER_0: '0x1g' } });
  assert.is(r.status, 2);
  assert.is(r.stderr, 'replay.sh: APMC_ADAPTER_0=0x1g: not a decimal or 0x hex number\n');
  assert.equal(r.log, []);
});

v('bad setup: a mapped adapter the host does not own (apmask bit clear) is refused before any change', () => {
  const r = replay(halil, upstream, { apmask: `0x${'f'.repeat(63)}b` }); // bit 253 clear: harmless
  assert.is(r.status, 0);
  const bad = replay(halil, upstream, { apmask: `0xfb${'f'.repeat(62)}` }); // bit 5 clear: adapter 0x05
  assert.is(bad.status, 2);
  assert.match(bad.stderr, 'model adapter 0: bit 5 of');
  assert.equal(bad.log, []);
});

v('the expectations come from the given policy (d0 keeps 01.0001 out of the guest too)', () => {
  const r = replay(halil, d0);
  assert.is(r.status, 0, r.stdout);
  assert.match(r.stdout, 'apmc replay: a trace (d0)');
});

w.run();
o.run();
v.run();
