/**
 * Spec §8.3 (the remove request) and §1 S1 (the KVM notifier, 5.11), from the text, under every design
 * that has the mechanism: what `request` and `kvm_gone` do, the window between a remove and its
 * completion, and `open` and `kvm` as separate facts (attach, detach, remove, VFIO_DEVICE_RESET).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { d0, DEFAULT_SCOPE, initialState, observe, qix, run, staticPolicy, step, upstream, v12Fcfs } from './index.ts';
import type { Config, KernelEvent, Op, Policy, Result, State } from './index.ts';
import { oneMdevPerVm } from '../properties/one-mdev-per-vm.ts';

const cfgOf = (policy: Policy): Config => ({ scope: DEFAULT_SCOPE, policy });
const s0 = initialState(DEFAULT_SCOPE);

/** Run `ops`, insisting on `results` (default: every one ok); the final state. */
function go(cfg: Config, s: State, ops: readonly Op[], results?: readonly Result[]): State {
  const steps = run(cfg, s, ops);
  assert.equal(
    steps.map((r) => r.result),
    results ?? ops.map((): Result => 'ok'),
    cfg.policy.name,
  );
  return steps.at(-1)?.state ?? s;
}

const crycb = (cfg: Config, s: State, vm: string): string[] => observe(cfg, s).vms[vm]?.crycb ?? [];
const status = (cfg: Config, s: State, apqn: string) => observe(cfg, s).status[apqn];
/** ok for each op of `ops`, then `rest`. */
const oks = (ops: readonly Op[], ...rest: Result[]): Result[] => [...ops.map((): Result => 'ok'), ...rest];
const logs = (es: readonly KernelEvent[]) => es.filter((e) => e.kind === 'log');

const op = {
  create: (mdev: string): Op => ({ kind: 'create', mdev }),
  start: (mdev: string, vm: string): Op => ({ kind: 'start', mdev, vm }),
  stop: (mdev: string): Op => ({ kind: 'stop', mdev }),
  remove: (mdev: string): Op => ({ kind: 'remove', mdev }),
  removeAsync: (mdev: string): Op => ({ kind: 'remove', mdev, async: true }),
  request: (mdev: string): Op => ({ kind: 'request', mdev }),
  kvmGone: (mdev: string): Op => ({ kind: 'kvm_gone', mdev }),
  reset: (mdev: string): Op => ({ kind: 'vfio_reset', mdev }),
  aA: (mdev: string, id: number): Op => ({ kind: 'assign_adapter', mdev, id }),
  aD: (mdev: string, id: number): Op => ({ kind: 'assign_domain', mdev, id }),
  uA: (mdev: string, id: number): Op => ({ kind: 'unassign_adapter', mdev, id }),
  bind: (apid: number, apqi: number): Op => ({ kind: 'bind', apid, apqi, driver: 'vfio_ap' }),
  unbind: (apid: number, apqi: number): Op => ({ kind: 'unbind', apid, apqi, driver: 'vfio_ap' }),
};

/** Every queue to vfio_ap; m1 with adapters 0 and 1 and domain 0, attached to vm1. */
const attached: Op[] = [
  { kind: 'apmask', value: '-0,-1' },
  op.create('m1'),
  op.aA('m1', 0),
  op.aA('m1', 1),
  op.aD('m1', 0),
  op.start('m1', 'vm1'),
];

// ---------------------------------------------------------------------------------------------
const req = suite('§8.3: the remove request');

req('upstream: the remove only waits; the 2025 request clears the CRYCB at once, shadow and kvm kept', () => {
  const cfg = cfgOf(upstream);
  const s = go(cfg, s0, [...attached, op.removeAsync('m1')]);
  assert.ok(s.mdevs['m1']!.removing);
  assert.equal(crycb(cfg, s, 'vm1'), ['00.0000', '01.0000'], 'the remove alone leaves the guest as it was');
  const r = step(cfg, s, op.request('m1'));
  assert.is(r.result, 'ok');
  assert.equal(crycb(cfg, r.state, 'vm1'), [], 'kvm_arch_crypto_clear_masks');
  const m = r.state.mdevs['m1']!;
  assert.equal(m.shadow, s.mdevs['m1']!.shadow, 'the shadow is unchanged');
  assert.is(m.kvm, 'vm1');
  assert.is(r.state.vms['vm1']?.hook, 'm1', 'the PQAP hook stays until the close');
  // The status attribute reads the shadow: "in use" while the guest has nothing (the recorded I14 case).
  assert.is(status(cfg, r.state, '00.0000'), 'in use');
  assert.equal(logs(r.events), [
    { kind: 'log', level: 'notice', text: 'Relaying device request to user', apqns: [], mdev: 'm1' },
  ]);
});

req('upstream: a filter between the request and the close writes the shadow back; the next request clears it', () => {
  const cfg = cfgOf(upstream);
  // 01.0000 leaves vfio_ap before the remove: adapter 1 leaves the shadow and the guest.
  let s = go(cfg, s0, [...attached, op.unbind(1, 0)]);
  assert.equal(crycb(cfg, s, 'vm1'), ['00.0000']);
  s = go(cfg, s, [op.removeAsync('m1'), op.request('m1')]);
  assert.equal(crycb(cfg, s, 'vm1'), []);
  // In the window: the queue is bound back; probe → filter → vfio_ap_mdev_update_guest_apcb (m.kvm is still set).
  s = go(cfg, s, [op.bind(1, 0)]);
  assert.equal(crycb(cfg, s, 'vm1'), ['00.0000', '01.0000'], 'the guest has the whole shadow again');
  assert.ok(s.mdevs['m1']!.removing, 'the remove still waits');
  s = go(cfg, s, [op.request('m1')]);
  assert.equal(crycb(cfg, s, 'vm1'), []);
  // The close completes the remove: the guest lets go, the linked queues are reset, the mdev is gone.
  s = go(cfg, s, [op.stop('m1')]);
  assert.is(s.mdevs['m1'], undefined);
  assert.is(s.vms['vm1'], undefined, 'no CRYCB and no hook left');
});

req('d0 (6.5–6.7): the request relays to QEMU and changes nothing', () => {
  const cfg = cfgOf(d0);
  const s = go(cfg, s0, [...attached, op.removeAsync('m1')]);
  const r = step(cfg, s, op.request('m1'));
  assert.is(r.result, 'ok');
  assert.is(r.state, s, 'the very same state');
  assert.is(logs(r.events).length, 1);
  assert.equal(crycb(cfg, r.state, 'vm1'), ['00.0000', '01.0000']);
  assert.is(go(cfg, r.state, [op.stop('m1')]).mdevs['m1'], undefined, 'the close completes the remove');
});

req('static: no request callback, the remove just waits; v12-fcfs refuses the remove of an attached mdev', () => {
  const st = cfgOf(staticPolicy);
  const s = go(st, s0, [...attached, op.remove('m1')]);
  assert.ok(s.mdevs['m1']!.removing);
  const r = step(st, s, op.request('m1'));
  assert.equal([r.result, r.state === s, r.events.length], ['ok', true, 0]);
  const v12 = cfgOf(v12Fcfs);
  const t = go(v12, s0, [...attached, op.remove('m1'), op.request('m1')], oks(attached, 'EBUSY', 'EAGAIN'));
  assert.not.ok(t.mdevs['m1']!.removing);
});

req('a request needs a remove that waits for the open device (EAGAIN otherwise)', () => {
  const cfg = cfgOf(upstream);
  go(cfg, s0, [op.create('m1'), op.request('m1')], ['ok', 'EAGAIN']);
  go(cfg, s0, [...attached, op.request('m1')], oks(attached, 'EAGAIN'));
  go(cfg, s0, [op.request('m1')], ['ENOENT']);
});

req('a plain remove is the write and the first request, under every design; a second writer does nothing', () => {
  for (const policy of [upstream, d0, staticPolicy, v12Fcfs]) {
    const cfg = cfgOf(policy);
    const s = go(cfg, s0, attached);
    const plain = step(cfg, s, op.remove('m1'));
    const split = step(cfg, s, op.removeAsync('m1'));
    const then = split.result === 'ok' ? step(cfg, split.state, op.request('m1')) : split;
    assert.is(plain.result, split.result, policy.name);
    assert.equal(plain.state, then.state, policy.name);
    assert.equal(plain.events, split.result === 'ok' ? [...split.events, ...then.events] : split.events, policy.name);
  }
  // upstream: after a filter re-plugged the guest, a second `echo 1 > remove` calls no request.
  const cfg = cfgOf(upstream);
  let s = go(cfg, s0, [...attached, op.unbind(1, 0), op.remove('m1'), op.bind(1, 0)]);
  assert.equal(crycb(cfg, s, 'vm1'), ['00.0000', '01.0000']);
  s = go(cfg, s, [op.remove('m1')]);
  assert.equal(crycb(cfg, s, 'vm1'), ['00.0000', '01.0000']);
});

req.run();

// ---------------------------------------------------------------------------------------------
const kvm = suite('§1 S1: the KVM notifier reports the KVM gone while the device is open');

kvm('static: CRYCB and hook cleared, the matrix queues reset, kvm = null, open kept', () => {
  const cfg = cfgOf(staticPolicy);
  const s = go(cfg, s0, [...attached]);
  const i = qix(DEFAULT_SCOPE, 0, 0);
  assert.is(s.dirty[i], 'vm1', 'the guest could use 00.0000');
  const r = step(cfg, s, op.kvmGone('m1'));
  assert.is(r.result, 'ok');
  const m = r.state.mdevs['m1']!;
  assert.equal([m.kvm, m.open], [null, true]);
  assert.is(r.state.vms['vm1'], undefined, 'CRYCB empty and PQAP hook cleared');
  assert.is(r.state.dirty[i], null, 'vfio_ap_mdev_reset_queues');
  // No KVM: the matrix is no longer frozen (the 5.x checks test m.kvm), but the device is still open.
  let t = go(cfg, r.state, [op.uA('m1', 1), op.start('m1', 'vm2'), op.kvmGone('m1')], ['ok', 'EBUSY', 'EAGAIN']);
  t = go(cfg, t, [op.reset('m1')]);
  const closed = step(cfg, t, op.stop('m1'));
  assert.is(closed.result, 'ok');
  assert.equal(closed.state, { ...t, mdevs: { m1: { ...t.mdevs['m1']!, open: false } } }, 'the close only closes');
  go(cfg, closed.state, [op.stop('m1'), op.reset('m1'), op.start('m1', 'vm2')], ['ENODEV', 'ENODEV', 'ok']);
});

kvm('static: a remove after the notifier waits for the close, which completes it', () => {
  const cfg = cfgOf(staticPolicy);
  let s = go(cfg, s0, [...attached, op.kvmGone('m1'), op.remove('m1')]);
  assert.ok(s.mdevs['m1']!.removing);
  s = go(cfg, s, [op.stop('m1')]);
  assert.is(s.mdevs['m1'], undefined);
});

kvm('v12-fcfs (5.10 notifier): only m.kvm = NULL; the guest keeps its CRYCB and the hook an mdev it lost', () => {
  const cfg = cfgOf(v12Fcfs);
  const s = go(cfg, s0, [...attached]);
  const r = step(cfg, s, op.kvmGone('m1'));
  assert.is(r.result, 'ok');
  const m = r.state.mdevs['m1']!;
  assert.equal([m.kvm, m.open, m.shadow], [null, true, null]);
  assert.equal(r.state.vms, s.vms, 'CRYCB and hook untouched');
  assert.equal(r.state.dirty, s.dirty, 'no reset');
  assert.is(oneMdevPerVm.check(cfg, s), null);
  assert.match(oneMdevPerVm.check(cfg, r.state) ?? '', "vm1's PQAP hook names m1, which is not attached to it");
  // The remove is no longer refused (no KVM) but waits for the open device; the close completes it.
  let t = go(cfg, r.state, [op.remove('m1')]);
  assert.ok(t.mdevs['m1']!.removing);
  t = go(cfg, t, [op.stop('m1')]);
  assert.is(t.mdevs['m1'], undefined);
  assert.equal(crycb(cfg, t, 'vm1'), ['00.0000', '01.0000'], 'the guest still has the queues');
});

kvm('upstream and d0: the KVM is bound at open, there is no notifier (ENODEV)', () => {
  for (const policy of [upstream, d0]) {
    const cfg = cfgOf(policy);
    const s = go(cfg, s0, attached);
    const r = step(cfg, s, op.kvmGone('m1'));
    assert.equal([r.result, r.state === s], ['ENODEV', true], policy.name);
  }
});

kvm.run();
