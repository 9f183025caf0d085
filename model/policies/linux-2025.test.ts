/**
 * linux-2025, callback by callback: one behaviour each, read in the C code of vfio_ap_ops.c @9b44fff6 (the
 * function named in each title). Where the code and `upstream` (the spec's intended design) differ, the test
 * asserts both.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SCOPE, initialState, observe, qix, run, setDirty, step, upstream } from '../index.ts';
import type { Config, KernelEvent, Op, Policy, Result, Scope, State } from '../index.ts';
import { linux2025 } from './index.ts';

const cfgOf = (policy: Policy, scope: Scope = DEFAULT_SCOPE): Config => ({ scope, policy });
const L = cfgOf(linux2025);
const U = cfgOf(upstream);
const s0 = initialState(DEFAULT_SCOPE);

/** Run `ops` from `s`; the results and the final state and events. */
function go(cfg: Config, ops: readonly Op[], s: State = s0) {
  const steps = run(cfg, s, ops);
  return {
    results: steps.map((r) => r.result),
    state: steps.at(-1)?.state ?? s,
    events: steps.at(-1)?.events ?? ([] as readonly KernelEvent[]),
  };
}
const oks = (n: number, ...rest: Result[]): Result[] => [...new Array<Result>(n).fill('ok'), ...rest];
const texts = (es: readonly KernelEvent[]) => es.map((e) => (e.kind === 'log' ? e.text : e.kind));
const q = (s: State, a: number, d: number) => s.queues[qix(DEFAULT_SCOPE, a, d)]!;

const op = {
  vfio: { kind: 'apmask', value: '-0,-1' } as Op,
  create: (mdev: string): Op => ({ kind: 'create', mdev }),
  start: (mdev: string, vm: string): Op => ({ kind: 'start', mdev, vm }),
  stop: (mdev: string): Op => ({ kind: 'stop', mdev }),
  remove: (mdev: string): Op => ({ kind: 'remove', mdev }),
  aA: (mdev: string, id: number): Op => ({ kind: 'assign_adapter', mdev, id }),
  aD: (mdev: string, id: number): Op => ({ kind: 'assign_domain', mdev, id }),
  aC: (mdev: string, id: number): Op => ({ kind: 'assign_control_domain', mdev, id }),
  uA: (mdev: string, id: number): Op => ({ kind: 'unassign_adapter', mdev, id }),
  bind: (apid: number, apqi: number): Op => ({ kind: 'bind', apid, apqi, driver: 'vfio_ap' }),
  unbind: (apid: number, apqi: number): Op => ({ kind: 'unbind', apid, apqi, driver: 'vfio_ap' }),
  host: (action: 'add' | 'remove', resource: 'adapter' | 'domain' | 'control_domain', id: number): Op => ({
    kind: 'host',
    action,
    resource,
    id,
  }),
};

/**
 * m1 with adapter 0 and domains 0 and 1, 00.0000 unbound: adapter 0 is filtered out of the shadow while
 * 00.0001 stays linked (in the table, not in the guest).
 */
const filteredRow: Op[] = [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.aD('m1', 1), op.unbind(0, 0)];

const t = suite('linux-2025: one behaviour per callback, from the C code');

t('passable: _queue_passable(), vfio_ap_ops.c:683-696 passes normal, deconfigured and checkstopped only', () => {
  assert.equal((['normal', 'deconfigured', 'checkstopped', 'failed', 'in_progress'] as const).map(linux2025.passable), [
    true,
    true,
    true,
    false,
    false,
  ]);
});

t(
  'probe: vfio_ap_mdev_probe_queue(), vfio_ap_ops.c:2416-2468 links the queue and filters: the adapter comes back',
  () => {
    const r = go(L, [...filteredRow, op.bind(0, 0)]);
    assert.equal(r.results, oks(7));
    assert.equal(observe(L, r.state).mdevs['m1']!.guest_matrix, ['00.0000', '00.0001']);
    assert.is(q(r.state, 0, 0).link, 'm1');
  },
);

t(
  'unassign: vfio_ap_mdev_hot_unplug_adapters(), vfio_ap_ops.c:1164-1193 clears back-pointers of shadow queues only',
  () => {
    const l = go(L, [...filteredRow, op.uA('m1', 0)]);
    const u = go(U, [...filteredRow, op.uA('m1', 0)]);
    // 00.0001 was linked but not in the guest: hash_del'ed, q->matrix_mdev kept (vfio_ap_unlink_mdev_fr_queue(),
    // vfio_ap_ops.c:839-842, runs on the reset list only).
    assert.is(l.state.mdevs['m1']!.qtable[0], 0);
    assert.is(q(l.state, 0, 1).link, 'm1');
    assert.is(q(u.state, 0, 1).link, null);
  },
);

t(
  'remove_mdev: vfio_ap_mdev_unlink_fr_queues(), vfio_ap_ops.c:844-858 leaves a back-pointer the table did not hold',
  () => {
    const l = go(L, [...filteredRow, op.uA('m1', 0), op.remove('m1')]);
    const u = go(U, [...filteredRow, op.uA('m1', 0), op.remove('m1')]);
    assert.equal(l.results, oks(8));
    assert.is(l.state.mdevs['m1'], undefined);
    assert.is(q(l.state, 0, 1).link, 'm1');
    assert.is(q(u.state, 0, 1).link, null);
  },
);

t(
  'remove: vfio_ap_mdev_remove_queue(), vfio_ap_ops.c:2470-2517 reads q->matrix_mdev, here a freed mdev: an oops',
  () => {
    const ops = [...filteredRow, op.uA('m1', 0), op.remove('m1'), op.unbind(0, 1)];
    const l = go(L, ops);
    const u = go(U, ops);
    assert.equal(l.results, oks(8, 'EFAULT'));
    assert.ok(l.events.some((e) => e.kind === 'oops' && e.what.includes('freed ap_matrix_mdev')));
    assert.equal(u.results, oks(9));
  },
);

t(
  'bus_remove: ap_queue_remove(), ap_queue.c:1296-1308 ZAPQs the queue after the driver’s remove (the dirty mark goes)',
  () => {
    const i = qix(DEFAULT_SCOPE, 1, 1);
    const s = setDirty(s0, i, 'vm1');
    assert.is(linux2025.bus_remove(L, s, 1, 1).dirty[i], null);
  },
);

t('driver_override: the 2025 AP bus has no such attribute (ENOENT)', () => {
  const r = step(L, s0, { kind: 'driver_override', apid: 0, apqi: 0, driver: 'vfio_ap' });
  assert.is(r.result, 'ENOENT');
});

t('mask_write_refused: ap_bus.c @0291023e refuses no mask write of its own (only in_use can)', () => {
  assert.is(linux2025.mask_write_refused, null);
  assert.equal(go(L, [op.vfio]).results, ['ok']);
});

t(
  'status: status_show(), vfio_ap_ops.c:2309-2348 reads the shadow: "in use" during a pending remove (CRYCB cleared)',
  () => {
    const r = go(L, [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.start('m1', 'vm1'), op.remove('m1')]);
    assert.equal(observe(L, r.state).vms['vm1']?.crycb ?? [], []);
    assert.is(observe(L, r.state).status['00.0000'], 'in use');
  },
);

t('in_use: vfio_ap_mdev_verify_no_sharing(NULL), vfio_ap_ops.c:922-960 logs the first mdev of the list only', () => {
  const ops = [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.create('m2'), op.aA('m2', 1)];
  const write: Op = { kind: 'apmask', value: '+0,+1' };
  const l = go(L, [...ops, op.aD('m2', 0), write]);
  const u = go(U, [...ops, op.aD('m2', 0), write]);
  assert.is(l.results.at(-1), 'EBUSY');
  // list_add() puts m2 first: its line alone.
  assert.equal(texts(l.events), ['m2: Can not reserve queue 01.0000 for host driver: in use by mdev']);
  assert.is(texts(u.events).length, 2);
});

t(
  'on_config_changed: vfio_ap_mdev_cfg_remove(), vfio_ap_ops.c:2598-2629 locks an absent matrix_mdev->kvm: an oops',
  () => {
    const ops = [op.create('m1'), op.host('remove', 'adapter', 0)];
    const l = go(L, ops);
    assert.equal(l.results, ['ok', 'EFAULT']);
    assert.ok(l.events.some((e) => e.kind === 'oops' && e.what.includes('matrix_mdev->kvm of m1')));
    assert.equal(go(U, ops).results, ['ok', 'ok']);
  },
);

t(
  'on_config_changed: vfio_ap_mdev_cfg_remove(), vfio_ap_ops.c:2598-2629: cdrem = removed control domains NOT assigned',
  () => {
    const ops = [op.create('m1'), op.aC('m1', 0), op.start('m1', 'vm1'), op.host('remove', 'control_domain', 0)];
    const l = go(L, ops);
    const u = go(U, ops);
    // The assigned control domain 0 is not in cdrem: the shadow keeps it, and so does the guest.
    assert.is(l.state.mdevs['m1']!.shadow?.adm, 1);
    assert.equal(observe(L, l.state).vms['vm1']?.control_domains, ['0000']);
    assert.is(u.state.mdevs['m1']!.shadow?.adm, 0);
    assert.equal(observe(U, u.state).vms['vm1']?.control_domains ?? [], []);
  },
);

t(
  'on_config_changed: vfio_ap_mdev_hot_unplug_cfg(), vfio_ap_ops.c:2557-2583: APCB updated only for a non-empty shadow',
  () => {
    const ops = [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.start('m1', 'vm1')];
    const l = go(L, [...ops, op.host('remove', 'adapter', 0)]);
    const u = go(U, [...ops, op.host('remove', 'adapter', 0)]);
    // do_hotplug |= bitmap_andnot(shadow.apm, ...): the shadow's apm is now empty, so 0: no update.
    assert.equal(observe(L, l.state).mdevs['m1']!.guest_matrix, ['.0000']);
    assert.equal(observe(L, l.state).vms['vm1']?.crycb, ['00.0000']);
    assert.equal(observe(U, u.state).vms['vm1']?.crycb ?? [], []);
  },
);

t(
  'on_scan_complete: vfio_ap_mdev_hot_plug_cfg(), vfio_ap_ops.c:2819-2847 locks an absent matrix_mdev->kvm: an oops',
  () => {
    const host = { apm: 0b01, aqm: 0b11, adm: 0b1 } as State['host'];
    const s = initialState(DEFAULT_SCOPE, host);
    const ops = [op.vfio, op.create('m1'), op.aA('m1', 1), op.aD('m1', 0), op.host('add', 'adapter', 1)];
    const l = go(L, ops, s);
    assert.equal(l.results, oks(4, 'EFAULT'));
    assert.ok(l.events.some((e) => e.kind === 'oops' && e.what.includes('matrix_mdev->kvm of m1')));
    const u = go(U, ops, s);
    assert.equal(u.results, oks(5));
    assert.equal(observe(U, u.state).mdevs['m1']!.guest_matrix, ['01.0000']);
  },
);

t('create: the mdev core refuses more than max_instances (EUSERS)', () => {
  const r = go(L, [op.create('m1'), op.create('m2'), op.create('m3')]);
  assert.equal(r.results, ['ok', 'ok', 'EUSERS']);
});

t(
  'assign: assign_domain_store(), vfio_ap_ops.c:1297-1344 → verify_no_sharing() logs the first sharer only and stops',
  () => {
    const cfg3 = (p: Policy) => cfgOf(p, { ...DEFAULT_SCOPE, mdevs: 3 });
    const s = initialState({ ...DEFAULT_SCOPE, mdevs: 3 });
    const ops = [
      op.vfio,
      op.create('m1'),
      op.aA('m1', 0),
      op.aD('m1', 0),
      op.create('m2'),
      op.aA('m2', 1),
      op.aD('m2', 0),
      op.create('m3'),
      op.aA('m3', 0),
      op.aA('m3', 1),
      op.aD('m3', 0),
    ];
    const l = go(cfg3(linux2025), ops, s);
    const u = go(cfg3(upstream), ops, s);
    assert.is(l.results.at(-1), 'EADDRINUSE');
    // The list is m3, m2, m1: m3 is the assignee, m2 the first other; m1 is not looked at.
    assert.equal(texts(l.events), ['m3: Userspace may not assign queue 01.0000 to mdev: already assigned to m2']);
    assert.is(texts(u.events).length, 2);
  },
);

t(
  'ap_config: ap_config_store(), vfio_ap_ops.c:1705-1785 unplugs like unassign: back-pointers outside the shadow stay',
  () => {
    const w: Op = { kind: 'ap_config', mdev: 'm1', apm: [], aqm: [0, 1], adm: [] };
    const l = go(L, [...filteredRow, w]);
    const u = go(U, [...filteredRow, w]);
    assert.equal(l.results, oks(7));
    assert.is(q(l.state, 0, 1).link, 'm1');
    assert.is(q(u.state, 0, 1).link, null);
  },
);

t(
  'attach: vfio_ap_mdev_set_kvm(), vfio_ap_ops.c:1821-1848 sets the PQAP hook before its EPERM check and leaves it',
  () => {
    const ops = [op.create('m1'), op.start('m1', 'vm1'), op.create('m2'), op.start('m2', 'vm1')];
    const l = go(L, ops);
    const u = go(U, ops);
    assert.equal(l.results, oks(3, 'EPERM'));
    assert.is(l.state.vms['vm1']?.hook, 'm2');
    assert.is(u.state.vms['vm1']?.hook, 'm1');
  },
);

t(
  'detach: vfio_ap_mdev_unset_kvm(), vfio_ap_ops.c:1881-1899 resets every queue of the table, filtered row included',
  () => {
    const ops = [...filteredRow, op.start('m1', 'vm1')];
    const s = go(L, ops).state;
    const dirty = setDirty(s, qix(DEFAULT_SCOPE, 0, 1), 'vm9');
    const r = step(L, dirty, op.stop('m1'));
    assert.is(r.result, 'ok');
    assert.is(r.state.dirty[qix(DEFAULT_SCOPE, 0, 1)], null);
  },
);

t(
  'reset: vfio_ap_mdev_reset_queues(), vfio_ap_ops.c:2017-2033: EIO for a nonzero response code, deconfigured included',
  () => {
    const ops = [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.start('m1', 'vm1')];
    const r = go(L, [...ops, { kind: 'card_config', apid: 0, config: 0 }, { kind: 'vfio_reset', mdev: 'm1' }]);
    assert.is(r.results.at(-1), 'EIO');
  },
);

t('request: vfio_ap_mdev_request(), vfio_ap_ops.c:2072-2099 clears the KVM’s masks and relays the request', () => {
  const ops = [op.vfio, op.create('m1'), op.aA('m1', 0), op.aD('m1', 0), op.start('m1', 'vm1')];
  const r = go(L, [...ops, { kind: 'remove', mdev: 'm1', async: true }, { kind: 'request', mdev: 'm1' }]);
  assert.is(r.results.at(-1), 'ok');
  assert.equal(observe(L, r.state).vms['vm1']?.crycb ?? [], []);
  assert.equal(texts(r.events), ['Relaying device request to user']);
});

t('kvm_gone: the KVM is bound at open_device; there is no notifier (ENODEV)', () => {
  const r = go(L, [op.create('m1'), op.start('m1', 'vm1'), { kind: 'kvm_gone', mdev: 'm1' }]);
  assert.equal(r.results, ['ok', 'ok', 'ENODEV']);
});

t.run();
