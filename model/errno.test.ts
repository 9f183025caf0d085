/**
 * Errno tables per operation and design: spec §5 (static), §8.3 (mdev sysfs), §8.4 (attach),
 * §4.2–§4.3 (bus masks, bind/unbind) and the errno precedence of §14. Every rejected operation must
 * also leave the state untouched (I15): `errnos` checks that for every step it runs.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  d0,
  DEFAULT_SCOPE,
  ERRNO,
  initialState,
  observe,
  POLICIES,
  run,
  staticPolicy,
  step,
  upstream,
  v12Fcfs,
} from './index.ts';
import type { Config, Op, Policy, Result, Scope, State } from './index.ts';

const ALL: readonly Policy[] = [staticPolicy, v12Fcfs, d0, upstream];
const DYNAMIC: readonly Policy[] = [d0, upstream];
const cfgOf = (policy: Policy, scope: Scope = DEFAULT_SCOPE): Config => ({ scope, policy });

/**
 * The result of every op of `ops`, run in sequence from `s` (default: a booted host). Also checks
 * I15 along the way: an op that returns an errno returns the very state object it was given.
 */
function errnos(cfg: Config, ops: readonly Op[], s: State = initialState(cfg.scope)): Result[] {
  const out: Result[] = [];
  for (const op of ops) {
    const r = step(cfg, s, op);
    if (r.result !== 'ok') {
      assert.ok(Object.hasOwn(ERRNO, r.result), `${r.result} is an errno name`);
      assert.is(r.state, s, `${cfg.policy.name}: rejected ${JSON.stringify(op)} (${r.result}) returns the same state`);
    }
    out.push(r.result);
    s = r.state;
  }
  return out;
}

/** The state after `ops`, all of which must succeed. */
function after(cfg: Config, ops: readonly Op[], s: State = initialState(cfg.scope)): State {
  const steps = run(cfg, s, ops);
  assert.equal(
    steps.map((r) => r.result),
    ops.map((): Result => 'ok'),
    `${cfg.policy.name}: setup succeeds`,
  );
  return steps.at(-1)?.state ?? s;
}

/** A table row: ops after `setup` (which must succeed), and the results expected per design. */
interface Row {
  readonly name: string;
  readonly setup: readonly Op[];
  readonly ops: readonly Op[];
  readonly expect: Readonly<Partial<Record<string, readonly Result[]>>> & { readonly all?: readonly Result[] };
}

function table(title: string, rows: readonly Row[]): ReturnType<typeof suite> {
  const t = suite(title);
  for (const row of rows) {
    for (const p of ALL) {
      const want = row.expect[p.name] ?? row.expect.all;
      if (want === undefined) continue;
      t(`${row.name} [${p.name}]`, () => {
        const cfg = cfgOf(p);
        const s = after(cfg, row.setup);
        assert.equal(errnos(cfg, row.ops, s), [...want]);
      });
    }
  }
  return t;
}

const create = (mdev: string): Op => ({ kind: 'create', mdev });
const start = (mdev: string, vm: string): Op => ({ kind: 'start', mdev, vm });
const stop = (mdev: string): Op => ({ kind: 'stop', mdev });
const aA = (mdev: string, id: number): Op => ({ kind: 'assign_adapter', mdev, id });
const aD = (mdev: string, id: number): Op => ({ kind: 'assign_domain', mdev, id });
const aC = (mdev: string, id: number): Op => ({ kind: 'assign_control_domain', mdev, id });
const uA = (mdev: string, id: number): Op => ({ kind: 'unassign_adapter', mdev, id });
const uD = (mdev: string, id: number): Op => ({ kind: 'unassign_domain', mdev, id });
const uC = (mdev: string, id: number): Op => ({ kind: 'unassign_control_domain', mdev, id });
const apmask = (value: string): Op => ({ kind: 'apmask', value });
const aqmask = (value: string): Op => ({ kind: 'aqmask', value });
const apConfig = (mdev: string, apm: number[], aqm: number[], adm: number[]): Op => ({
  kind: 'ap_config',
  mdev,
  apm,
  aqm,
  adm,
});
const bind = (apid: number, apqi: number, driver: 'cex4queue' | 'vfio_ap'): Op => ({
  kind: 'bind',
  apid,
  apqi,
  driver,
});
const unbind = (apid: number, apqi: number, driver?: 'cex4queue' | 'vfio_ap'): Op =>
  driver === undefined ? { kind: 'unbind', apid, apqi } : { kind: 'unbind', apid, apqi, driver };

/** Every queue handed to vfio_ap (apmask bits 0 and 1 cleared), one mdev `m`. */
const VFIO: readonly Op[] = [apmask('-0-1'), create('m')];

// --- assign / unassign ------------------------------------------------------------------------

const tNodev = table('assign/unassign: ENODEV above the maximum (§5, §8.3)', [
  {
    name: 'assign ids above apm_max / aqm_max / adm_max',
    setup: VFIO,
    // -1 is not a number kstrtoul accepts: EINVAL, before the range check.
    ops: [aA('m', 2), aD('m', 2), aC('m', 1), aA('m', 31), aA('m', 32), aA('m', 255), aD('m', -1)],
    expect: { all: ['ENODEV', 'ENODEV', 'ENODEV', 'ENODEV', 'ENODEV', 'ENODEV', 'EINVAL'] },
  },
  {
    name: 'unassign ids above the maximum',
    setup: VFIO,
    ops: [uA('m', 2), uD('m', 2), uC('m', 1), uD('m', 40)],
    expect: { all: ['ENODEV', 'ENODEV', 'ENODEV', 'ENODEV'] },
  },
  {
    name: 'ENODEV also while a guest is attached (no EBUSY in the dynamic designs)',
    setup: [...VFIO, start('m', 'v')],
    ops: [aA('m', 2), uD('m', 2), aA('m', 0), aD('m', 0)],
    expect: {
      'v12-fcfs': ['ENODEV', 'ENODEV', 'ok', 'ok'],
      d0: ['ENODEV', 'ENODEV', 'ok', 'ok'],
      upstream: ['ENODEV', 'ENODEV', 'ok', 'ok'],
    },
  },
]);

const tNotavail = table('assign: EADDRNOTAVAIL for default-owned APQNs (§5, §8.2 validate)', [
  {
    name: 'default masks: the adapter alone is fine (empty product), the domain is refused',
    setup: [create('m')],
    ops: [aA('m', 0), aD('m', 0), aD('m', 1)],
    expect: {
      'v12-fcfs': ['ok', 'EADDRNOTAVAIL', 'EADDRNOTAVAIL'],
      d0: ['ok', 'EADDRNOTAVAIL', 'EADDRNOTAVAIL'],
      upstream: ['ok', 'EADDRNOTAVAIL', 'EADDRNOTAVAIL'],
    },
  },
  {
    name: 'static: the adapter needs a queue bound to vfio_ap at assign time',
    setup: [create('m')],
    ops: [aA('m', 0), aD('m', 0)],
    expect: { static: ['EADDRNOTAVAIL', 'EADDRNOTAVAIL'] },
  },
  {
    name: 'static: with domains assigned, every APQN of the new row must be bound to vfio_ap',
    setup: [apmask('-0'), create('m'), aA('m', 0), aD('m', 0), aD('m', 1)],
    ops: [aA('m', 1), { kind: 'apmask', value: '-1' }, aA('m', 1), unbind(1, 1), uA('m', 1), aA('m', 1)],
    expect: { static: ['EADDRNOTAVAIL', 'ok', 'ok', 'ok', 'ok', 'EADDRNOTAVAIL'] },
  },
  {
    name: 'only part of the new row default-owned (aqmask) is enough to refuse',
    setup: [aqmask('-0'), create('m')],
    ops: [aD('m', 0), aA('m', 0), aD('m', 1)],
    expect: {
      'v12-fcfs': ['ok', 'ok', 'EADDRNOTAVAIL'],
      d0: ['ok', 'ok', 'EADDRNOTAVAIL'],
      upstream: ['ok', 'ok', 'EADDRNOTAVAIL'],
    },
  },
  {
    name: 'control domains: no mask check',
    setup: [create('m')],
    ops: [aC('m', 0)],
    expect: { all: ['ok'] },
  },
]);

const tInuse = table('assign: EADDRINUSE for an APQN of another mdev (§5, §8.2 validate)', [
  {
    name: 'second mdev takes the same APQN',
    setup: [...VFIO, create('n'), aA('m', 0), aD('m', 0)],
    ops: [aA('n', 0), aD('n', 0), aD('n', 1), aA('n', 1), aD('n', 0)],
    expect: {
      all: ['ok', 'EADDRINUSE', 'ok', 'ok', 'EADDRINUSE'],
    },
  },
  {
    name: 'D0+ precedence: EADDRNOTAVAIL before EADDRINUSE',
    // m holds 00.0000; n's new matrix {0,1}×{0} would both share 00.0000 and include default-owned 01.0000.
    setup: [apmask('-0'), create('m'), create('n'), aA('m', 0), aD('m', 0), aA('n', 0), aA('n', 1)],
    ops: [aD('n', 0)],
    expect: { 'v12-fcfs': ['EADDRNOTAVAIL'], d0: ['EADDRNOTAVAIL'], upstream: ['EADDRNOTAVAIL'] },
  },
  {
    name: 'control domains may be shared by two mdevs',
    setup: [create('m'), create('n'), aC('m', 0)],
    ops: [aC('n', 0)],
    expect: { all: ['ok'] },
  },
]);

const tStaticBusy = table('static: EBUSY while a guest is attached, before any other check (§5, §14)', [
  {
    name: 'assign/unassign of any id, in range or above the maximum',
    setup: [...VFIO, aA('m', 0), aD('m', 0), start('m', 'v')],
    ops: [aA('m', 1), aA('m', 5), aD('m', 7), aC('m', 3), uA('m', 0), uD('m', 31), uC('m', 0), uC('m', 9)],
    expect: { static: ['EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY', 'EBUSY'] },
  },
  {
    // Kernel ids go up to 255 (§2); the sysfs write is refused with EBUSY before it is even parsed.
    name: "assign/unassign of ids beyond the model's MAX_ID (valid kernel ids up to 255)",
    setup: [...VFIO, aA('m', 0), aD('m', 0), start('m', 'v')],
    ops: [aA('m', 99), uD('m', 42), aC('m', 255)],
    expect: { static: ['EBUSY', 'EBUSY', 'EBUSY'] },
  },
  {
    name: 'after the guest stops, the usual checks apply again',
    setup: [...VFIO, aA('m', 0), aD('m', 0), start('m', 'v'), stop('m')],
    ops: [aA('m', 99), aA('m', 1), uD('m', 0)],
    expect: { static: ['ENODEV', 'ok', 'ok'] },
  },
]);

const idem = suite('assign/unassign: already-assigned / not-assigned are no-ops (§8.3, I13)');
for (const p of DYNAMIC) {
  idem(`${p.name}: assigning an assigned id returns the very same state object`, () => {
    const cfg = cfgOf(p);
    const s = after(cfg, [...VFIO, aA('m', 0), aD('m', 0), aC('m', 0), start('m', 'v')]);
    for (const op of [aA('m', 0), aD('m', 0), aC('m', 0)]) {
      const r = step(cfg, s, op);
      assert.is(r.result, 'ok');
      assert.is(r.state, s);
    }
  });
  idem(`${p.name}: unassigning an id that is not assigned returns the very same state object`, () => {
    const cfg = cfgOf(p);
    const s = after(cfg, [...VFIO, aA('m', 0), aD('m', 0)]);
    for (const op of [uA('m', 1), uD('m', 1), uC('m', 0)]) {
      const r = step(cfg, s, op);
      assert.is(r.result, 'ok');
      assert.is(r.state, s);
    }
  });
}
idem('static: unassign of an unassigned id succeeds and changes nothing', () => {
  const cfg = cfgOf(staticPolicy);
  const s = after(cfg, [...VFIO, aA('m', 0)]);
  for (const op of [uA('m', 1), uD('m', 0), uC('m', 0)]) {
    const r = step(cfg, s, op);
    assert.is(r.result, 'ok');
    assert.equal(observe(cfg, r.state), observe(cfg, s));
  }
});

// --- mask writes --------------------------------------------------------------------------

const tMaskInval = table('apmask/aqmask: EINVAL for bad syntax (§4.2)', [
  {
    name: 'absolute and relative syntax errors',
    setup: [],
    ops: [
      apmask('zz'),
      apmask('0x' + 'f'.repeat(65)),
      apmask('0xfg'),
      apmask('+'),
      apmask('+256'),
      apmask('+3-1'),
      apmask('+1,x'),
      aqmask('-0,,?'),
      aqmask('0xff\n\n'),
    ],
    expect: { all: ['EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL', 'EINVAL'] },
  },
  {
    name: 'EINVAL comes before EBUSY',
    setup: [...VFIO, aA('m', 0), aD('m', 0)],
    ops: [apmask('+0,zz'), apmask('+0,+300')],
    expect: { all: ['EINVAL', 'EINVAL'] },
  },
]);

const unchanged = suite('apmask/aqmask: an unchanged mask is OK with no effect (§4.2 step 2)');
for (const p of ALL) {
  unchanged(`${p.name}: writes that leave the mask as it is return the very same state`, () => {
    const cfg = cfgOf(p);
    const s0 = initialState(cfg.scope);
    for (const op of [apmask('+0'), apmask('0x' + 'f'.repeat(64)), apmask('+0-255'), aqmask('-0,+0'), aqmask('+1\n')]) {
      const r = step(cfg, s0, op);
      assert.is(r.result, 'ok', JSON.stringify(op));
      assert.is(r.state, s0, JSON.stringify(op));
    }
    // Also when an mdev holds the queues: nothing is newly set, so in_use is never asked.
    const s = after(cfg, [...VFIO, aA('m', 0), aD('m', 0)]);
    const r = step(cfg, s, apmask('-0'));
    assert.is(r.result, 'ok');
    assert.is(r.state, s);
  });
}

const tMaskBusy = table('apmask/aqmask: EBUSY when in_use objects to newly set bits (§4.2, I10)', [
  {
    name: 'giving an assigned APQN back to the default driver',
    setup: [...VFIO, aA('m', 0), aD('m', 0)],
    // aqmask +0 after -0: in_use gets (current apmask, {0}); adapter 0 is not in apmask, so no
    // assigned APQN becomes default-owned and the write is accepted.
    ops: [apmask('+0'), aqmask('-0'), aqmask('+0'), apmask('0xffffffff'), apmask('+1')],
    expect: {
      'v12-fcfs': ['EBUSY', 'ok', 'ok', 'EBUSY', 'ok'],
      d0: ['EBUSY', 'ok', 'ok', 'EBUSY', 'ok'],
      upstream: ['EBUSY', 'ok', 'ok', 'EBUSY', 'ok'],
      // static vfio_ap has no in_use callback: every mask write is accepted.
      static: ['ok', 'ok', 'ok', 'ok', 'ok'],
    },
  },
  {
    name: 'in_use checks the matrix, whether or not a guest is attached and the queue bound',
    setup: [...VFIO, aA('m', 0), aD('m', 0), unbind(0, 0)],
    ops: [apmask('+0'), start('m', 'v'), apmask('+0')],
    expect: { 'v12-fcfs': ['EBUSY', 'ok', 'EBUSY'], d0: ['EBUSY', 'ok', 'EBUSY'], upstream: ['EBUSY', 'ok', 'EBUSY'] },
  },
  {
    name: 'clearing bits (towards vfio_ap) is never refused',
    setup: [...VFIO, aA('m', 0), aD('m', 0)],
    ops: [aqmask('-0-31'), apmask('0x0')],
    expect: { all: ['ok', 'ok'] },
  },
]);

const maskAllOrNothing = suite('apmask: a refused write changes nothing; static re-probes the queues away');
for (const p of [v12Fcfs, d0, upstream]) {
  maskAllOrNothing(`${p.name}: EBUSY keeps the masks and the bindings`, () => {
    const cfg = cfgOf(p);
    const s = after(cfg, [...VFIO, aA('m', 0), aD('m', 0)]);
    const r = step(cfg, s, apmask('+0-1'));
    assert.is(r.result, 'EBUSY');
    assert.is(r.state, s);
    assert.is(observe(cfg, r.state).queues['00.0000'], 'vfio_ap');
  });
}
maskAllOrNothing('static: the write is accepted and the queues go to cex4queue', () => {
  const cfg = cfgOf(staticPolicy);
  const s = after(cfg, [...VFIO, aA('m', 0), aD('m', 0), apmask('+0')]);
  assert.is(observe(cfg, s).queues['00.0000'], 'cex4queue');
  assert.is(observe(cfg, s).queues['01.0000'], 'vfio_ap');
});

// --- bind / unbind ------------------------------------------------------------------------

const tBind = table('bind/unbind (§4.3, §14)', [
  {
    name: 'bind: EBUSY when already bound (to either driver)',
    setup: [],
    ops: [bind(0, 0, 'cex4queue'), bind(0, 0, 'vfio_ap')],
    expect: { all: ['EBUSY', 'EBUSY'] },
  },
  {
    name: 'bind: ENODEV when the mask rule selects the other driver',
    setup: [unbind(0, 0, 'cex4queue')],
    ops: [
      bind(0, 0, 'vfio_ap'),
      bind(0, 0, 'cex4queue'),
      unbind(0, 0),
      apmask('-0'),
      bind(0, 0, 'cex4queue'),
      bind(0, 0, 'vfio_ap'),
    ],
    expect: { all: ['ENODEV', 'ok', 'ok', 'ok', 'ENODEV', 'ok'] },
  },
  {
    name: 'bind/unbind: ENODEV for a device that does not exist',
    setup: [{ kind: 'host', action: 'remove', resource: 'domain', id: 1 }],
    ops: [
      bind(0, 1, 'cex4queue'),
      unbind(0, 1),
      bind(5, 0, 'cex4queue'),
      unbind(0, 9, 'vfio_ap'),
      bind(0, 0, 'cex4queue'),
    ],
    expect: { all: ['ENODEV', 'ENODEV', 'ENODEV', 'ENODEV', 'EBUSY'] },
  },
  {
    // `echo 28.0000 > bind`: a well-formed name of a device that does not exist (§4.3).
    name: "bind/unbind: ENODEV for a device id beyond the model's MAX_ID",
    setup: [],
    ops: [bind(40, 0, 'cex4queue'), unbind(0x28, 0x10), bind(0, 255, 'vfio_ap')],
    // The AP bus is the same for every design: one design is enough for this row.
    expect: { upstream: ['ENODEV', 'ENODEV', 'ENODEV'] },
  },
  {
    name: 'unbind: ENODEV unless bound to the named driver',
    setup: [],
    ops: [unbind(0, 0, 'vfio_ap'), unbind(0, 0, 'cex4queue'), unbind(0, 0, 'cex4queue'), unbind(0, 0)],
    expect: { all: ['ENODEV', 'ok', 'ENODEV', 'ENODEV'] },
  },
]);

// --- guest attach -------------------------------------------------------------------------

const tStart = table('start: EPERM for a VM that already has an mdev, EBUSY for an attached mdev (§5, §8.4)', [
  {
    name: 'one mdev per KVM, one guest per mdev',
    setup: [create('m'), create('n'), start('m', 'v')],
    ops: [start('n', 'v'), start('m', 'w'), start('m', 'v'), start('n', 'w')],
    expect: { all: ['EPERM', 'EBUSY', 'EBUSY', 'ok'] },
  },
  {
    name: 'after stop, the VM can take another mdev',
    setup: [create('m'), create('n'), start('m', 'v'), stop('m')],
    ops: [start('n', 'v'), start('m', 'v')],
    expect: { all: ['ok', 'EPERM'] },
  },
]);

const eperm = suite('start: EPERM changes nothing (the PQAP hook keeps its owner)');
for (const p of ALL) {
  eperm(`${p.name}`, () => {
    const cfg = cfgOf(p);
    const s = after(cfg, [...VFIO, create('n'), aA('m', 0), aD('m', 0), start('m', 'v')]);
    const r = step(cfg, s, start('n', 'v'));
    assert.is(r.result, 'EPERM');
    assert.is(r.state, s);
    assert.is(r.state.vms['v']?.hook, 'm');
  });
}

// --- a never-created mdev ---------------------------------------------------------------------

const ghostOps: readonly Op[] = [
  { kind: 'remove', mdev: 'x' },
  aA('x', 0),
  aD('x', 0),
  aC('x', 0),
  uA('x', 0),
  uD('x', 0),
  uC('x', 0),
  aA('x', 99),
  apConfig('x', [], [], []),
  start('x', 'v'),
  stop('x'),
  { kind: 'vfio_reset', mdev: 'x' },
];
const tGhost = table('ops on a never-created mdev: ENOENT (no sysfs directory)', [
  { name: 'every mdev op', setup: [create('m')], ops: ghostOps, expect: { all: ghostOps.map((): Result => 'ENOENT') } },
  {
    name: 'and after the mdev was removed',
    setup: [create('x'), { kind: 'remove', mdev: 'x' }],
    ops: ghostOps,
    expect: { all: ghostOps.map((): Result => 'ENOENT') },
  },
]);

// --- ap_config ----------------------------------------------------------------------------

const AP_CONFIG = 'ap_config: ENOENT except upstream; EINVAL → EADDRNOTAVAIL → EADDRINUSE → ENODEV (§8.3, §14)';
const tApConfig = table(AP_CONFIG, [
  {
    name: 'no ap_config attribute before 6.10',
    setup: VFIO,
    ops: [apConfig('m', [0], [0], [0]), apConfig('m', [], [], [])],
    expect: { static: ['ENOENT', 'ENOENT'], 'v12-fcfs': ['ENOENT', 'ENOENT'], d0: ['ENOENT', 'ENOENT'] },
  },
  {
    name: 'EINVAL for an id that cannot be parsed',
    setup: VFIO,
    ops: [apConfig('m', [-1], [], []), apConfig('m', [], [256], []), apConfig('m', [0], [0], [1.5])],
    expect: { upstream: ['EINVAL', 'EINVAL', 'EINVAL'] },
  },
  {
    // Ids 32..255 parse (64 hex digits = 256 bits, §8.3 step 1); they are only refused by the later checks.
    name: "parseable ids above the model's MAX_ID: EADDRNOTAVAIL (default-owned), else ENODEV, never EINVAL",
    setup: [create('m')],
    ops: [apConfig('m', [40], [0], []), apmask('-0-255'), apConfig('m', [40], [0], []), apConfig('m', [0], [0], [200])],
    expect: { upstream: ['EADDRNOTAVAIL', 'ok', 'ENODEV', 'ENODEV'] },
  },
  {
    name: 'EADDRNOTAVAIL before ENODEV (default-owned and above the maximum)',
    setup: [create('m')],
    ops: [apConfig('m', [5], [0], []), apConfig('m', [0], [0], [])],
    expect: { upstream: ['EADDRNOTAVAIL', 'EADDRNOTAVAIL'] },
  },
  {
    name: 'EADDRINUSE before ENODEV; then ENODEV; then OK',
    setup: [apmask('-0-7'), create('m'), create('n'), aA('m', 0), aD('m', 0)],
    ops: [
      apConfig('n', [0, 5], [0], []),
      apConfig('n', [5], [0], []),
      apConfig('n', [1], [0], [3]),
      apConfig('n', [1], [0], [0]),
    ],
    expect: { upstream: ['EADDRINUSE', 'ENODEV', 'ENODEV', 'ok'] },
  },
  {
    name: 'rewriting the current value always succeeds; an empty write clears',
    setup: [...VFIO, aA('m', 0), aD('m', 1), aC('m', 0), start('m', 'v')],
    ops: [apConfig('m', [0], [1], [0]), apConfig('m', [], [], []), apConfig('m', [0, 1], [0, 1], [0])],
    expect: { upstream: ['ok', 'ok', 'ok'] },
  },
]);

const apcfg = suite('ap_config (upstream): all or nothing');
apcfg('a rejected write returns the same state; an accepted one installs the whole matrix', () => {
  const cfg = cfgOf(upstream);
  const s = after(cfg, [...VFIO, create('n'), aA('n', 1), aD('n', 1), aA('m', 0), aD('m', 0), start('m', 'v')]);
  const bad = step(cfg, s, apConfig('m', [0, 1], [0, 1], []));
  assert.is(bad.result, 'EADDRINUSE');
  assert.is(bad.state, s);
  const good = step(cfg, s, apConfig('m', [0], [0, 1], [0]));
  assert.is(good.result, 'ok');
  const o = observe(cfg, good.state);
  assert.equal(o.mdevs['m']?.matrix, ['00.0000', '00.0001']);
  assert.equal(o.mdevs['m']?.control_domains, ['0000']);
  assert.equal(o.vms['v']?.crycb, ['00.0000', '00.0001']);
  assert.equal(o.vms['v']?.control_domains, ['0000']);
});

// --- create / remove ----------------------------------------------------------------------

const tCreate = table('create: instance limit and duplicates (§5, §8.3, §12.2)', [
  {
    name: 'beyond scope.mdevs',
    setup: [create('a'), create('b')],
    ops: [create('c'), { kind: 'remove', mdev: 'a' }, create('c'), create('d')],
    expect: {
      static: ['EPERM', 'ok', 'ok', 'EPERM'],
      'v12-fcfs': ['EPERM', 'ok', 'ok', 'EPERM'],
      d0: ['EUSERS', 'ok', 'ok', 'EUSERS'],
      upstream: ['EUSERS', 'ok', 'ok', 'EUSERS'],
    },
  },
  {
    name: 'EEXIST for a name in use',
    setup: [create('a')],
    ops: [create('a'), create('b'), create('b')],
    expect: { all: ['EEXIST', 'ok', 'EEXIST'] },
  },
  {
    name: 'remove of an attached mdev: v12 (pre-5.13) refuses, the others defer until stop',
    setup: [create('a'), start('a', 'v')],
    ops: [{ kind: 'remove', mdev: 'a' }, stop('a'), create('a')],
    expect: {
      'v12-fcfs': ['EBUSY', 'ok', 'EEXIST'],
      static: ['ok', 'ok', 'ok'],
      d0: ['ok', 'ok', 'ok'],
      upstream: ['ok', 'ok', 'ok'],
    },
  },
]);

const scope3 = suite('create: the limit follows scope.mdevs');
for (const name of Object.keys(POLICIES)) {
  scope3(name, () => {
    const p = POLICIES[name];
    assert.ok(p);
    const cfg = cfgOf(p, { ...DEFAULT_SCOPE, mdevs: 3 });
    const limit: Result = name === 'static' || name === 'v12-fcfs' ? 'EPERM' : 'EUSERS';
    assert.equal(errnos(cfg, [create('a'), create('b'), create('c'), create('d')]), ['ok', 'ok', 'ok', limit]);
  });
}

tNodev.run();
tNotavail.run();
tInuse.run();
tStaticBusy.run();
idem.run();
tMaskInval.run();
unchanged.run();
tMaskBusy.run();
maskAllOrNothing.run();
tBind.run();
tStart.run();
eperm.run();
tGhost.run();
tApConfig.run();
apcfg.run();
tCreate.run();
scope3.run();
