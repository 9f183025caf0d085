/**
 * The worked examples of spec §6 and §10 (examples 1–5), and the static design gap of §5, each with
 * the outcome the spec states, under every design the spec names for it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  bits,
  d0,
  DEFAULT_SCOPE,
  extend,
  initialState,
  observe,
  qix,
  run,
  staticPolicy,
  step,
  upstream,
  v12Fcfs,
} from './index.ts';
import type { Config, Matrix, Op, Policy, Result, Scope, State } from './index.ts';

const cfgOf = (policy: Policy, scope: Scope = DEFAULT_SCOPE): Config => ({ scope, policy });

/** Run `ops` from `s`, insisting that every one succeeds; the final state. */
function ok(cfg: Config, s: State, ops: readonly Op[]): State {
  const steps = run(cfg, s, ops);
  assert.equal(
    steps.map((r) => r.result),
    ops.map((): Result => 'ok'),
    `${cfg.policy.name}: every setup op succeeds`,
  );
  return steps.at(-1)?.state ?? s;
}

const crycb = (cfg: Config, s: State, vm: string): string[] => observe(cfg, s).vms[vm]?.crycb ?? [];
const guestMatrix = (cfg: Config, s: State, m: string): string[] | null | undefined =>
  observe(cfg, s).mdevs[m]?.guest_matrix;
const driverOf = (cfg: Config, s: State, apqn: string) => observe(cfg, s).queues[apqn];

const create = (mdev: string): Op => ({ kind: 'create', mdev });
const start = (mdev: string, vm: string): Op => ({ kind: 'start', mdev, vm });
const aA = (mdev: string, id: number): Op => ({ kind: 'assign_adapter', mdev, id });
const aD = (mdev: string, id: number): Op => ({ kind: 'assign_domain', mdev, id });
const uD = (mdev: string, id: number): Op => ({ kind: 'unassign_domain', mdev, id });
const uA = (mdev: string, id: number): Op => ({ kind: 'unassign_adapter', mdev, id });
const apmask = (value: string): Op => ({ kind: 'apmask', value });
const unbindVfio = (apid: number, apqi: number): Op => ({ kind: 'unbind', apid, apqi, driver: 'vfio_ap' });

// ---------------------------------------------------------------------------------------------
// §6 / §10 example 1: Halil's FCFS order dependence.
// Bound to vfio_ap: {00.0000, 00.0001, 01.0000}; 01.0001 is not bound. Matrix {0,1}×{0,1} either way.
// ---------------------------------------------------------------------------------------------

const halilSetup: Op[] = [apmask('-0-1'), unbindVfio(1, 1), create('m'), start('m', 'v')];
const orderA: Op[] = [aA('m', 0), aD('m', 0), aD('m', 1), aA('m', 1)];
const orderB: Op[] = [aA('m', 0), aD('m', 0), aA('m', 1), aD('m', 1)];
const fullMatrix = ['00.0000', '00.0001', '01.0000', '01.0001'];

const halil = suite('§6/§10 ex.1: Halil — FCFS order dependence');

halil('setup: 01.0001 is the only queue not bound to vfio_ap', () => {
  for (const p of [v12Fcfs, d0, upstream]) {
    const cfg = cfgOf(p);
    const s = ok(cfg, initialState(cfg.scope), halilSetup);
    assert.equal(observe(cfg, s).queues, {
      '00.0000': 'vfio_ap',
      '00.0001': 'vfio_ap',
      '01.0000': 'vfio_ap',
      '01.0001': null,
    });
  }
});

halil('v12-fcfs: order A gives {00.0000, 00.0001}, order B gives {00.0000, 01.0000}', () => {
  const cfg = cfgOf(v12Fcfs);
  const base = ok(cfg, initialState(cfg.scope), halilSetup);
  const a = ok(cfg, base, orderA);
  const b = ok(cfg, base, orderB);
  assert.equal(observe(cfg, a).mdevs['m']?.matrix, fullMatrix);
  assert.equal(observe(cfg, b).mdevs['m']?.matrix, fullMatrix);
  assert.equal(crycb(cfg, a, 'v'), ['00.0000', '00.0001']);
  assert.equal(crycb(cfg, b, 'v'), ['00.0000', '01.0000']);
  assert.equal(guestMatrix(cfg, a, 'm'), ['00.0000', '00.0001']);
  assert.equal(guestMatrix(cfg, b, 'm'), ['00.0000', '01.0000']);
});

halil('v12-fcfs: the shadow exists only while a guest is attached (guest_matrix gives ENODEV without one)', () => {
  const cfg = cfgOf(v12Fcfs);
  const s = ok(cfg, initialState(cfg.scope), [apmask('-0-1'), create('m'), aA('m', 0), aD('m', 0)]);
  assert.is(guestMatrix(cfg, s, 'm'), null);
  const attached = ok(cfg, s, [start('m', 'v')]);
  assert.equal(guestMatrix(cfg, attached, 'm'), ['00.0000']);
  const detached = ok(cfg, attached, [{ kind: 'stop', mdev: 'm' }]);
  assert.is(guestMatrix(cfg, detached, 'm'), null);
});

for (const p of [d0, upstream]) {
  halil(`${p.name}: both orders give {00.0000, 00.0001} (adapter 1 dropped: 01.0001 unavailable)`, () => {
    const cfg = cfgOf(p);
    const base = ok(cfg, initialState(cfg.scope), halilSetup);
    for (const order of [orderA, orderB]) {
      const s = ok(cfg, base, order);
      assert.equal(observe(cfg, s).mdevs['m']?.matrix, fullMatrix);
      assert.equal(guestMatrix(cfg, s, 'm'), ['00.0000', '00.0001']);
      assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001']);
    }
  });
  halil(`${p.name}: the same result without a guest (guest_matrix shows the would-be guest)`, () => {
    const cfg = cfgOf(p);
    const base = ok(cfg, initialState(cfg.scope), [apmask('-0-1'), unbindVfio(1, 1), create('m')]);
    for (const order of [orderA, orderB])
      assert.equal(guestMatrix(cfg, ok(cfg, base, order), 'm'), ['00.0000', '00.0001']);
  });
}

// ---------------------------------------------------------------------------------------------
// §6: Halil's second point, over-provisioning. Adapters 1–4 × domains 1–3 with adapter 4 not in
// the host configuration, modelled as adapters {0,1,2} × domains {0,1} with adapter 2 absent.
// ---------------------------------------------------------------------------------------------

const OVER_SCOPE: Scope = { adapters: 3, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const overHost: Matrix = { apm: bits.of(0, 1), aqm: bits.of(0, 1), adm: bits.of(0) };
const adaptersFirst: Op[] = [aA('m', 0), aA('m', 1), aA('m', 2), aD('m', 0), aD('m', 1)];
const interleaved: Op[] = [aA('m', 0), aD('m', 0), aD('m', 1), aA('m', 1), aA('m', 2)];
const overSetup: Op[] = [apmask('-0-2'), create('m'), start('m', 'v')];

const overprov = suite('§6: Halil — over-provisioned adapter under FCFS');

overprov('v12-fcfs: adapters first → the guest gets nothing; interleaved → {0,1}×{0,1}', () => {
  const cfg = cfgOf(v12Fcfs, OVER_SCOPE);
  const base = ok(cfg, initialState(OVER_SCOPE, overHost), overSetup);
  const nothing = ok(cfg, base, adaptersFirst);
  assert.equal(crycb(cfg, nothing, 'v'), []);
  const some = ok(cfg, base, interleaved);
  assert.equal(crycb(cfg, some, 'v'), ['00.0000', '00.0001', '01.0000', '01.0001']);
});

for (const p of [d0, upstream]) {
  overprov(`${p.name}: APID filtering gives {0,1}×{0,1} in both orders`, () => {
    const cfg = cfgOf(p, OVER_SCOPE);
    const base = ok(cfg, initialState(OVER_SCOPE, overHost), overSetup);
    for (const order of [adaptersFirst, interleaved]) {
      assert.equal(crycb(cfg, ok(cfg, base, order), 'v'), ['00.0000', '00.0001', '01.0000', '01.0001']);
    }
  });
}

// ---------------------------------------------------------------------------------------------
// §10 example 2: CVE-2024-26620, delta filtering. {14,16}×{4,5,6} ≙ adapters {0,1} × domains {0,1,2}.
// ---------------------------------------------------------------------------------------------

const CVE_SCOPE: Scope = { adapters: 2, domains: 3, control_domains: 1, mdevs: 2, vms: 2 };
const cveSetup: Op[] = [
  apmask('-0-1'),
  create('m'),
  aA('m', 0),
  aA('m', 1),
  aD('m', 0),
  aD('m', 1),
  aD('m', 2),
  start('m', 'v'),
];
const all6 = ['00.0000', '00.0001', '00.0002', '01.0000', '01.0001', '01.0002'];

const cve = suite('§10 ex.2: CVE-2024-26620 delta filtering');

for (const p of [d0, upstream]) {
  cve(`${p.name}: (a) unassign_domain 4 and (b) unbind 16.0005 behave as stated`, () => {
    const cfg = cfgOf(p, CVE_SCOPE);
    const s0 = ok(cfg, initialState(CVE_SCOPE), cveSetup);
    assert.equal(crycb(cfg, s0, 'v'), all6);
    const sa = ok(cfg, s0, [uD('m', 0)]);
    assert.equal(crycb(cfg, sa, 'v'), ['00.0001', '00.0002', '01.0001', '01.0002']);
    const sb = ok(cfg, sa, [unbindVfio(1, 1)]);
    assert.equal(crycb(cfg, sb, 'v'), ['00.0001', '00.0002']);
    assert.is(driverOf(cfg, sb, '01.0001'), null);
  });
}

cve('d0: (c) assign_domain 4 plugs adapter 16 back, including the unbound 16.0005', () => {
  const cfg = cfgOf(d0, CVE_SCOPE);
  const s = ok(cfg, initialState(CVE_SCOPE), [...cveSetup, uD('m', 0), unbindVfio(1, 1), aD('m', 0)]);
  assert.equal(crycb(cfg, s, 'v'), all6);
  assert.equal(guestMatrix(cfg, s, 'm'), all6);
  // The harm: the guest uses a queue that has no driver and that vfio_ap does not track.
  assert.is(driverOf(cfg, s, '01.0001'), null);
  assert.is(s.queues[qix(CVE_SCOPE, 1, 1)]?.link, null);
});

cve('upstream: (c) assign_domain 4 keeps adapter 16 out (16.0005 is not linked)', () => {
  const cfg = cfgOf(upstream, CVE_SCOPE);
  const s = ok(cfg, initialState(CVE_SCOPE), [...cveSetup, uD('m', 0), unbindVfio(1, 1), aD('m', 0)]);
  assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001', '00.0002']);
  assert.equal(guestMatrix(cfg, s, 'm'), ['00.0000', '00.0001', '00.0002']);
  assert.equal(observe(cfg, s).mdevs['m']?.matrix, all6);
});

// ---------------------------------------------------------------------------------------------
// §10 example 3: over-provisioned domain. Matrix {5}×{4, 0x47} with 0x47 not in the host config
// ≙ adapter 1 × domains {0, 2}, host aqm = {0, 1}.
// ---------------------------------------------------------------------------------------------

const dom = suite('§10 ex.3: over-provisioned domain');
const domHost: Matrix = { apm: bits.of(0, 1), aqm: bits.of(0, 1), adm: bits.of(0) };
const domOrders: readonly (readonly Op[])[] = [
  [aA('m', 1), aD('m', 0), aD('m', 2)],
  [aD('m', 0), aD('m', 2), aA('m', 1)],
];
const domSetup: Op[] = [apmask('-1'), create('m'), start('m', 'v')];

dom('setup: there is no 01.0002 queue (domain 2 is not in the host config)', () => {
  const cfg = cfgOf(upstream, CVE_SCOPE);
  const s = ok(cfg, initialState(CVE_SCOPE, domHost), domSetup);
  assert.equal(observe(cfg, s).queues, {
    '00.0000': 'cex4queue',
    '00.0001': 'cex4queue',
    '01.0000': 'vfio_ap',
    '01.0001': 'vfio_ap',
  });
});

dom('d0: adapter 5 is dropped, the guest gets nothing', () => {
  const cfg = cfgOf(d0, CVE_SCOPE);
  for (const order of domOrders) {
    const s = ok(cfg, initialState(CVE_SCOPE, domHost), [...domSetup, ...order]);
    assert.equal(observe(cfg, s).mdevs['m']?.matrix, ['01.0000', '01.0002']);
    assert.equal(crycb(cfg, s, 'v'), []);
    assert.equal(
      guestMatrix(cfg, s, 'm')?.filter((l) => /^[0-9a-f]{2}\.[0-9a-f]{4}$/.test(l)),
      [],
    );
  }
});

dom('upstream: F intersects with the host first and gives {5}×{4}', () => {
  const cfg = cfgOf(upstream, CVE_SCOPE);
  for (const order of domOrders) {
    const s = ok(cfg, initialState(CVE_SCOPE, domHost), [...domSetup, ...order]);
    assert.equal(crycb(cfg, s, 'v'), ['01.0000']);
    assert.equal(guestMatrix(cfg, s, 'm'), ['01.0000']);
  }
});

// ---------------------------------------------------------------------------------------------
// §10 example 4: deconfigured adapter (6.6+). card01/config := 0, then resets store 'deconfigured'.
// ---------------------------------------------------------------------------------------------

const decon = suite('§10 ex.4: deconfigured adapter');
const deconSetup: Op[] = [apmask('-0-1'), create('m'), aA('m', 0), aA('m', 1), aD('m', 0), aD('m', 1), start('m', 'v')];
const cardOff: Op = { kind: 'card_config', apid: 1, config: 0 };
const resetOf = (cfg: Config, s: State, a: number, d: number) => s.queues[qix(cfg.scope, a, d)]?.reset;

for (const p of [d0, upstream]) {
  decon(`${p.name}: deconfiguring keeps the queue devices bound and triggers no reset`, () => {
    const cfg = cfgOf(p);
    const s0 = ok(cfg, initialState(cfg.scope), deconSetup);
    const s = ok(cfg, s0, [cardOff]);
    assert.equal(observe(cfg, s).queues, observe(cfg, s0).queues);
    assert.is(driverOf(cfg, s, '01.0000'), 'vfio_ap');
    assert.is(resetOf(cfg, s, 1, 0), 'normal');
    assert.is(resetOf(cfg, s, 1, 1), 'normal');
    assert.equal(crycb(cfg, s, 'v'), fullMatrix);
  });

  decon(`${p.name}: a later reset stores 'deconfigured', which is passable: adapter stays in the guest`, () => {
    const cfg = cfgOf(p);
    const s0 = ok(cfg, initialState(cfg.scope), [...deconSetup, cardOff]);
    // VFIO_DEVICE_RESET resets every linked queue; 6.8+ reports EIO for the non-zero response codes, 6.6–6.7
    // force a deconfigured queue's code to 0 (d0's passable), so d0 reports success.
    const r = step(cfg, s0, { kind: 'vfio_reset', mdev: 'm' });
    assert.is(r.result, p === d0 ? 'ok' : 'EIO');
    assert.is(resetOf(cfg, r.state, 1, 0), 'deconfigured');
    assert.is(resetOf(cfg, r.state, 1, 1), 'deconfigured');
    assert.is(resetOf(cfg, r.state, 0, 0), 'normal');
    assert.equal(crycb(cfg, r.state, 'v'), fullMatrix);
    // A filtering event (unassign / re-assign a domain) keeps adapter 1 in.
    const s = ok(cfg, r.state, [uD('m', 1), aD('m', 1)]);
    assert.equal(crycb(cfg, s, 'v'), fullMatrix);
    // Unassign / re-assign the adapter itself: it returns to the guest.
    const s2 = ok(cfg, s, [uA('m', 1)]);
    assert.equal(crycb(cfg, s2, 'v'), ['00.0000', '00.0001']);
    assert.is(resetOf(cfg, s2, 1, 0), 'deconfigured');
    assert.equal(crycb(cfg, ok(cfg, s2, [aA('m', 1)]), 'v'), fullMatrix);
  });
}

decon('before 6.6 (d0 with passable = rc 0): the next filtering event drops the adapter', () => {
  const pre66 = extend(d0, { name: 'd0-pre-6.6', passable: (r) => r === 'normal' });
  const cfg = cfgOf(pre66);
  const s0 = ok(cfg, initialState(cfg.scope), [...deconSetup, cardOff]);
  const r = step(cfg, s0, { kind: 'vfio_reset', mdev: 'm' });
  assert.is(r.result, 'EIO');
  const s = ok(cfg, r.state, [uD('m', 1), aD('m', 1)]);
  assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001']);
});

// ---------------------------------------------------------------------------------------------
// §10 example 5: probe with a pending scan. Host add of adapter 7 with assigned domains {1,2}
// ≙ adapter 1 with domains {0,1}, added to a host that has only adapter 0.
// ---------------------------------------------------------------------------------------------

const pend = suite('§10 ex.5: probe during a pending scan');
const pendHost: Matrix = { apm: bits.of(0), aqm: bits.of(0, 1), adm: bits.of(0) };
const pendSetup: Op[] = [apmask('-1'), create('m'), aA('m', 1), aD('m', 0), aD('m', 1), start('m', 'v')];
const hostAdd: Op = { kind: 'host', action: 'add', resource: 'adapter', id: 1, async: true };

pend('upstream: 07.0001 is linked but not filtered; adapter 7 appears only at scan_complete', () => {
  const cfg = cfgOf(upstream);
  const s0 = ok(cfg, initialState(cfg.scope, pendHost), pendSetup);
  assert.equal(crycb(cfg, s0, 'v'), []);
  const s1 = ok(cfg, s0, [hostAdd, { kind: 'scan_start' }]);
  assert.equal(crycb(cfg, s1, 'v'), []);
  const s2 = ok(cfg, s1, [{ kind: 'scan_step' }]);
  assert.is(driverOf(cfg, s2, '01.0000'), 'vfio_ap');
  assert.is(s2.queues[qix(cfg.scope, 1, 0)]?.link, 'm');
  assert.equal(crycb(cfg, s2, 'v'), []);
  const s3 = ok(cfg, s2, [{ kind: 'scan_step' }]);
  assert.is(s3.queues[qix(cfg.scope, 1, 1)]?.link, 'm');
  assert.equal(crycb(cfg, s3, 'v'), [], 'not before on_scan_complete, even with both queues linked');
  assert.equal(guestMatrix(cfg, s3, 'm'), ['.0000', '.0001']);
  const s4 = ok(cfg, s3, [{ kind: 'scan_complete' }]);
  assert.equal(crycb(cfg, s4, 'v'), ['01.0000', '01.0001']);
  assert.equal(guestMatrix(cfg, s4, 'm'), ['01.0000', '01.0001']);
});

pend('d0: each probe re-filters: 07.0001 alone is filtered, 07.0002 then admits adapter 7 before scan_complete', () => {
  const cfg = cfgOf(d0);
  const s0 = ok(cfg, initialState(cfg.scope, pendHost), pendSetup);
  const s2 = ok(cfg, s0, [hostAdd, { kind: 'scan_start' }, { kind: 'scan_step' }]);
  assert.is(s2.queues[qix(cfg.scope, 1, 0)]?.link, 'm');
  assert.equal(crycb(cfg, s2, 'v'), []);
  const s3 = ok(cfg, s2, [{ kind: 'scan_step' }]);
  assert.equal(crycb(cfg, s3, 'v'), ['01.0000', '01.0001']);
  const s4 = ok(cfg, s3, [{ kind: 'scan_complete' }]);
  assert.equal(crycb(cfg, s4, 'v'), ['01.0000', '01.0001']);
});

pend('scan steps are refused out of order (EAGAIN) and the composite scan gives the same end state', () => {
  for (const p of [d0, upstream]) {
    const cfg = cfgOf(p);
    const s0 = ok(cfg, initialState(cfg.scope, pendHost), pendSetup);
    const early = run(cfg, s0, [
      { kind: 'scan_step' },
      { kind: 'scan_complete' },
      hostAdd,
      { kind: 'scan_start' },
      { kind: 'scan_complete' },
    ]);
    assert.equal(
      early.map((r) => r.result),
      ['EAGAIN', 'EAGAIN', 'ok', 'ok', 'EAGAIN'],
    );
    const decomposed = ok(cfg, s0, [
      hostAdd,
      { kind: 'scan_start' },
      { kind: 'scan_step' },
      { kind: 'scan_step' },
      { kind: 'scan_complete' },
    ]);
    const composite = ok(cfg, s0, [{ kind: 'host', action: 'add', resource: 'adapter', id: 1 }]);
    assert.equal(observe(cfg, decomposed), observe(cfg, composite));
  }
});

// ---------------------------------------------------------------------------------------------
// §5: the static design gaps. After attach, unbind / apmask change / host removal leave the APQN
// in the CRYCB; and the matrix is not re-checked at attach time.
// ---------------------------------------------------------------------------------------------

const gap = suite('§5: static design gaps');
const gapSetup: Op[] = [apmask('-0-1'), create('m'), aA('m', 0), aD('m', 0), aD('m', 1), start('m', 'v')];

gap('static: the guest gets the unfiltered matrix', () => {
  const cfg = cfgOf(staticPolicy);
  const s = ok(cfg, initialState(cfg.scope), gapSetup);
  assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001']);
  assert.is(guestMatrix(cfg, s, 'm'), null);
});

gap('static: unbind leaves the APQN in the CRYCB (the guest uses an unbound queue)', () => {
  const cfg = cfgOf(staticPolicy);
  const s = ok(cfg, initialState(cfg.scope), [...gapSetup, unbindVfio(0, 0)]);
  assert.is(driverOf(cfg, s, '00.0000'), null);
  assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001']);
});

gap("static: an apmask write is accepted and hands the guest's queues to zcrypt (shared with the host)", () => {
  const cfg = cfgOf(staticPolicy);
  const s = ok(cfg, initialState(cfg.scope), [...gapSetup, apmask('+0')]);
  assert.is(driverOf(cfg, s, '00.0000'), 'cex4queue');
  assert.is(driverOf(cfg, s, '00.0001'), 'cex4queue');
  assert.equal(crycb(cfg, s, 'v'), ['00.0000', '00.0001']);
});

gap('static: a host-config removal leaves the APQN in the CRYCB; it is usable again "by accident" when back', () => {
  const cfg = cfgOf(staticPolicy);
  const gone = ok(cfg, initialState(cfg.scope), [
    ...gapSetup,
    { kind: 'host', action: 'remove', resource: 'adapter', id: 0 },
  ]);
  assert.is(driverOf(cfg, gone, '00.0000'), undefined);
  assert.equal(crycb(cfg, gone, 'v'), ['00.0000', '00.0001']);
  const back = ok(cfg, gone, [{ kind: 'host', action: 'add', resource: 'adapter', id: 0 }]);
  assert.is(driverOf(cfg, back, '00.0000'), 'vfio_ap');
  assert.equal(crycb(cfg, back, 'v'), ['00.0000', '00.0001']);
});

gap('static: assign while bound, unbind, then start: the guest gets a queue not bound to vfio_ap', () => {
  const cfg = cfgOf(staticPolicy);
  const s = ok(cfg, initialState(cfg.scope), [
    apmask('-0-1'),
    create('m'),
    aA('m', 0),
    aD('m', 0),
    unbindVfio(0, 0),
    start('m', 'v'),
  ]);
  assert.is(driverOf(cfg, s, '00.0000'), null);
  assert.equal(crycb(cfg, s, 'v'), ['00.0000']);
});

for (const p of [d0, upstream]) {
  gap(`${p.name} closes the gaps: unbind unplugs the adapter, the apmask write is refused`, () => {
    const cfg = cfgOf(p);
    const s0 = ok(cfg, initialState(cfg.scope), gapSetup);
    assert.equal(crycb(cfg, ok(cfg, s0, [unbindVfio(0, 0)]), 'v'), []);
    const r = step(cfg, s0, apmask('+0'));
    assert.is(r.result, 'EBUSY');
    assert.is(r.state, s0);
    const gone = ok(cfg, s0, [{ kind: 'host', action: 'remove', resource: 'adapter', id: 0 }]);
    assert.equal(crycb(cfg, gone, 'v'), []);
  });
}

halil.run();
overprov.run();
cve.run();
dom.run();
decon.run();
pend.run();
gap.run();
