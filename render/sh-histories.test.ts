/**
 * Why: an order-independence counterexample is two histories. Its replay script must replay both on the
 * LPAR, the first, then everything back as the first found it, then the second, and compare what the guests
 * got after each with each other and with the model: a script that replays one history cannot show that
 * the order matters. Run against a fake sysfs (test/fake-sysfs.ts) whose answers the tests control.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { upstream, v12Fcfs } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { parseCounterexample, type Counterexample } from '../properties/counterexample.ts';
import { runFake, uuidOf, type FakeOptions } from '../test/fake-sysfs.ts';
import { renderSh } from './sh.ts';

const ROOT = join(import.meta.dirname, '..');
const load = (f: string): Counterexample => {
  const file = join(ROOT, 'counterexamples/order-independence', f);
  return parseCounterexample(JSON.parse(readFileSync(file, 'utf8')), file);
};
const HALIL = load('v12-fcfs-halil-pasic-2020.json');
const FIXED = load('upstream-halil-pasic-2020-fixed.json');
const U0 = uuidOf(0);
const M0 = `/devices/vfio_ap/matrix/${U0}`;

function replay(cx: Counterexample, policy: Policy, opts: Partial<FakeOptions> = {}) {
  const script = renderSh(cx.trace, { policy, property: cx.property, other: cx.other! });
  return { script, ...runFake(script, cx.trace, { policy, other: cx.other!, ...opts }) };
}
const actions = (log: readonly string[]) => log.filter((l) => !l.startsWith('exec:'));

const t = suite('replay scripts of two histories');

t("Halil's two orders under v12-fcfs: A, back to the initial state, B, in that order; exit 0", () => {
  const r = replay(HALIL, v12Fcfs);
  assert.is(r.status, 0, r.stdout + r.stderr);
  const setup = (order: string[]) => [
    '/bus/ap/apmask\t-5,-6',
    '/bus/ap/aqmask\t-4,-44',
    '/bus/ap/drivers/vfio_ap/unbind\t06.002c',
    `/devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough/create\t${U0}`,
    `vm\tstart apmc-vm1 ${U0}`,
    ...order.map((x) => `${M0}/${x}`),
  ];
  const back = [
    'vm\tstop apmc-vm1',
    `${M0}/remove\t1`,
    '/bus/ap/apmask\t+5,+6',
    '/bus/ap/aqmask\t+4,+44',
    '/bus/ap/drivers/cex4queue/bind\t06.002c',
  ];
  const a = ['assign_adapter\t0x05', 'assign_domain\t0x0004', 'assign_domain\t0x002c', 'assign_adapter\t0x06'];
  const b = ['assign_adapter\t0x05', 'assign_domain\t0x0004', 'assign_adapter\t0x06', 'assign_domain\t0x002c'];
  // History A, everything back (between), history B, the cleanup at the end.
  assert.equal(actions(r.log), [...setup(a), ...back, ...setup(b), ...back]);
  assert.match(r.stdout, '== back to the initial state for history B');
  assert.match(r.stdout, '[A9] m1 assign_adapter 1');
  assert.match(r.stdout, '[B9] m1 assign_domain 1');
  assert.match(r.stdout, 'm1: {05.0004 05.002c} after A, {05.0004 06.0004} after B: different, as the model predicts');
  assert.match(r.stdout, 'on this system the two orders give other guests: order independence is violated');
  assert.match(r.stdout, 'reality agrees with the model');
});

t('under upstream the model predicts the same guests, and the script checks that', () => {
  const r = replay(FIXED, upstream);
  assert.is(r.status, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /m1: \{05\.0004 05\.002c\} after A, \{05\.0004 05\.002c\} after B: same, as the model/);
  assert.match(r.stdout, 'on this system the two orders give the same guests');
});

t('a system whose two orders give the same guests where the model predicts other ones: a mismatch, exit 1', () => {
  // Both histories end with A's guest_matrix: the fake's files for m1 are the same in both trees.
  const files = { m1: { guest_matrix: ['05.0004', '05.002c'] } };
  const r = replay(HALIL, v12Fcfs, { files });
  assert.is(r.status, 1, r.stdout);
  assert.match(
    r.stdout,
    'MISMATCH at step compare: m1 guests: {05.0004 05.002c} after A, {05.0004 05.002c} after B: same; ' +
      'the model predicts different',
  );
  assert.match(r.stdout, 'on this system the two orders give the same guests');
});

t('a step of history B that fails where the model says ok is a mismatch at B<n>', () => {
  // The fake keys its answers by the step's label: make B8 (assign_adapter 1) fail.
  const r = replay(HALIL, v12Fcfs, {
    prelude: 'mkdir -p "$APMC_FAKE/fail" && printf "Device or resource busy" > "$APMC_FAKE/fail/B8"',
  });
  assert.is(r.status, 1, r.stdout);
  assert.match(r.stdout, /MISMATCH at step B8: .*assign_adapter <- 0x06: expected ok, got EBUSY/);
});

t('apmc explain --format sh of an order-independence counterexample replays both histories', () => {
  const r = spawnSync(
    process.execPath,
    ['bin/apmc.js', 'explain', '--format', 'sh', 'counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  assert.is(r.status, 0, r.stderr);
  for (const x of [
    "step A1 'apmask -0,-1'",
    "step A9 'm1 assign_adapter 1'",
    'APMC_STEP=between',
    "step B9 'm1 assign_domain 1'",
  ])
    assert.ok(r.stdout.includes(x), x);
  assert.match(
    r.stdout,
    /GA_0=\$\(guests_of 0\)[\s\S]*GB_0=\$\(guests_of 0\)[\s\S]*compare_guests 0 "\$GA_0" "\$GB_0" different/,
  );
  // A one-history trace keeps its plain step numbers.
  const one = spawnSync(process.execPath, ['bin/apmc.js', 'explain', '--format', 'sh', 'traces/halil-order-a.trace'], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  assert.ok(one.stdout.includes("step 1 'apmask -0,-1'") && !one.stdout.includes('between'));
});

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
t(`shellcheck of a two-history script${hasShellcheck ? '' : ' (not installed: skipped)'}`, () => {
  if (!hasShellcheck) return;
  const dir = mkdtempSync(join(tmpdir(), 'apmc-sh2-'));
  const path = join(dir, 'replay.sh');
  writeFileSync(path, renderSh(HALIL.trace, { policy: v12Fcfs, property: HALIL.property, other: HALIL.other! }));
  const r = spawnSync('shellcheck', ['-s', 'sh', '-f', 'gcc', path], { encoding: 'utf8' });
  assert.is(r.stdout, '');
  assert.is(r.status, 0);
});

t.run();
