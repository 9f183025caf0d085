/**
 * Purity of the reducer (spec §14, I15; model/step.ts contract): on deep-frozen inputs, along
 * deterministic pseudo-random op sequences and for every design, `step` never throws, is
 * deterministic, never mutates its inputs, and a rejected op returns the very state it was given.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { bits, DEFAULT_SCOPE, ERRNO, extend, initialState, POLICIES, run, step } from './index.ts';
import type { Config, Matrix, Op, Scope, State } from './index.ts';

/** Freeze `x` and everything reachable from it; returns `x`. */
function deepFreeze<T>(x: T): T {
  if (x !== null && typeof x === 'object' && !Object.isFrozen(x)) {
    Object.freeze(x);
    for (const v of Object.values(x)) deepFreeze(v);
  }
  return x;
}

/** A seeded linear congruential generator (Numerical Recipes constants); no Math.random. */
function lcg(seed: number): (n: number) => number {
  let x = seed >>> 0;
  return (n: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return (x >>> 8) % n;
  };
}

/** A fixed alphabet of concrete ops: valid and invalid ids, mdevs beyond the limit, every op kind. */
function alphabet(scope: Scope): Op[] {
  const mdevs = ['m0', 'm1', 'm2'];
  const vms = ['v0', 'v1'];
  const as = [0, 1, scope.adapters, 33];
  const ds = [0, 1, scope.domains];
  const ops: Op[] = [
    { kind: 'apmask', value: '-0-1' },
    { kind: 'apmask', value: '-0' },
    { kind: 'apmask', value: '+0' },
    { kind: 'apmask', value: '+1', async: true },
    { kind: 'apmask', value: '0xffffffff' },
    { kind: 'apmask', value: 'bogus' },
    { kind: 'aqmask', value: '-0-1' },
    { kind: 'aqmask', value: '+0-255' },
    { kind: 'aqmask', value: '-1', async: true },
    { kind: 'scan' },
    { kind: 'scan_start' },
    { kind: 'scan_step' },
    { kind: 'scan_complete' },
  ];
  for (const a of as) {
    for (const d of ds) {
      ops.push({ kind: 'reprobe', apid: a, apqi: d });
      ops.push({ kind: 'bind', apid: a, apqi: d, driver: 'vfio_ap' });
      ops.push({ kind: 'bind', apid: a, apqi: d, driver: 'cex4queue' });
      ops.push({ kind: 'unbind', apid: a, apqi: d });
      ops.push({ kind: 'unbind', apid: a, apqi: d, driver: 'vfio_ap' });
      ops.push({ kind: 'fault', apid: a, apqi: d, fault: d === 0 ? 'checkstop' : a === 0 ? 'reset_fails' : 'none' });
      // The kernel mechanisms' ops (model/op-values.ts MECHANISMS).
      ops.push({ kind: 'fault', apid: a, apqi: d, fault: 'busy' }, { kind: 'reset_poll', apid: a, apqi: d });
      ops.push(
        { kind: 'reprobe', apid: a, apqi: d, half: 'unbind' },
        { kind: 'reprobe', apid: a, apqi: d, half: 'bind' },
      );
      ops.push({ kind: 'driver_override', apid: a, apqi: d, driver: d === 0 ? 'vfio_ap' : null });
    }
    ops.push({ kind: 'card_config', apid: a, config: 0 });
    ops.push({ kind: 'card_config', apid: a, config: 1 });
  }
  for (const action of ['add', 'remove'] as const) {
    ops.push({ kind: 'host', action, resource: 'adapter', id: 1 });
    ops.push({ kind: 'host', action, resource: 'domain', id: 0, async: true });
    ops.push({ kind: 'host', action, resource: 'control_domain', id: 0 });
    ops.push({ kind: 'host', action, resource: 'adapter', id: 0, async: true });
  }
  for (const mdev of mdevs) {
    ops.push({ kind: 'create', mdev }, { kind: 'create', mdev }, { kind: 'remove', mdev });
    for (const id of [0, 1, 2, 40]) {
      ops.push(
        { kind: 'assign_adapter', mdev, id },
        { kind: 'assign_domain', mdev, id },
        { kind: 'assign_control_domain', mdev, id },
      );
      ops.push(
        { kind: 'unassign_adapter', mdev, id },
        { kind: 'unassign_domain', mdev, id },
        { kind: 'unassign_control_domain', mdev, id },
      );
    }
    ops.push({ kind: 'ap_config', mdev, apm: [0, 1], aqm: [0], adm: [0] });
    ops.push({ kind: 'ap_config', mdev, apm: [], aqm: [], adm: [] });
    ops.push({ kind: 'ap_config', mdev, apm: [1], aqm: [0, 1, 7], adm: [] });
    ops.push({ kind: 'ap_config', mdev, apm: [-1], aqm: [], adm: [] });
    for (const vm of vms) ops.push({ kind: 'start', mdev, vm });
    ops.push({ kind: 'stop', mdev }, { kind: 'vfio_reset', mdev });
    ops.push({ kind: 'remove', mdev, async: true }, { kind: 'request', mdev }, { kind: 'kvm_gone', mdev });
  }
  return ops;
}

/** Ops that tend to build up interesting states: handing queues to vfio_ap, mdevs with assignments, guests. */
const PRODUCTIVE: readonly Op[] = deepFreeze<Op[]>([
  { kind: 'apmask', value: '-0-1' },
  { kind: 'aqmask', value: '-0' },
  { kind: 'create', mdev: 'm0' },
  { kind: 'create', mdev: 'm1' },
  ...(['m0', 'm1'] as const).flatMap((mdev): Op[] => [
    { kind: 'assign_adapter', mdev, id: mdev === 'm0' ? 0 : 1 },
    { kind: 'assign_domain', mdev, id: 0 },
    { kind: 'assign_domain', mdev, id: 1 },
    { kind: 'assign_control_domain', mdev, id: 0 },
    { kind: 'start', mdev, vm: mdev === 'm0' ? 'v0' : 'v1' },
  ]),
]);

/** A deterministic op sequence: one op in three from the whole alphabet, the others productive. */
function sequence(alpha: readonly Op[], seed: number, length: number): Op[] {
  const rnd = lcg(seed);
  const out: Op[] = [];
  while (out.length < length) out.push(rnd(3) === 0 ? alpha[rnd(alpha.length)]! : PRODUCTIVE[rnd(PRODUCTIVE.length)]!);
  return out;
}

const SCOPES: readonly { readonly scope: Scope; readonly host?: Matrix }[] = [
  { scope: DEFAULT_SCOPE },
  {
    scope: { adapters: 2, domains: 3, control_domains: 2, mdevs: 2, vms: 2 },
    host: { apm: bits.of(0), aqm: bits.of(0, 2), adm: bits.of(1) },
  },
];
const SEQUENCES = 25;
const LENGTH = 60;

const isRejected = (result: string, op: Op, policy: string): boolean =>
  // VFIO_DEVICE_RESET does its resets and then reports EIO (or, 5.x, EBUSY) for an abnormal answer (§8.4): not a
  // rejection. EFAULT: the kernel's task died (an oops, a hang) and the state is where it stopped. linux-2025's
  // vfio_ap_mdev_set_kvm() sets the KVM's PQAP hook before its EPERM check and leaves it.
  result !== 'ok' &&
  result !== 'EFAULT' &&
  !(op.kind === 'vfio_reset' && (result === 'EIO' || result === 'EBUSY')) &&
  !(policy === 'linux-2025' && op.kind === 'start' && result === 'EPERM');

const CASES = Object.entries(POLICIES).flatMap(([name, policy]) =>
  SCOPES.map(({ scope, host }, si) => ({
    label: `${name}, scope ${si}`,
    cfg: Object.freeze({ scope: Object.freeze({ ...scope }), policy }) as Config,
    alpha: deepFreeze(alphabet(scope)),
    init: (): State => (host === undefined ? initialState(scope) : initialState(scope, host)),
    salt: si,
  })),
);

/** Walk every sequence of a case from a deep-frozen initial state, freezing every state reached. */
function walk(c: (typeof CASES)[number], visit: (s: State, op: Op, seed: number) => State): void {
  for (let seed = 1; seed <= SEQUENCES; seed++) {
    let s = deepFreeze(c.init());
    for (const op of sequence(c.alpha, seed * 7919 + c.salt, LENGTH)) s = deepFreeze(visit(s, op, seed));
  }
}

const where = (seed: number, op: Op): string => `seed ${seed}, ${JSON.stringify(op)}`;

const noThrow = suite('purity: step never throws on deep-frozen input');
for (const c of CASES) {
  noThrow(c.label, () => {
    walk(c, (s, op, seed) => {
      try {
        const r = step(c.cfg, s, op);
        assert.ok(
          r.result === 'ok' || Object.hasOwn(ERRNO, r.result),
          `${where(seed, op)}: result ${r.result} is 'ok' or an errno`,
        );
        return r.state;
      } catch (e) {
        if (e instanceof assert.Assertion) throw e;
        assert.unreachable(`${where(seed, op)}: step threw: ${String(e)}`);
        return s;
      }
    });
  });
}

const deterministic = suite('purity: the same (state, op) gives deep-equal results');
for (const c of CASES) {
  deterministic(`${c.label}: step twice`, () => {
    walk(c, (s, op, seed) => {
      const r1 = step(c.cfg, s, op);
      const r2 = step(c.cfg, s, op);
      assert.equal(r1, r2, where(seed, op));
      return r1.state;
    });
  });
  deterministic(`${c.label}: run() twice, and run() agrees with step()`, () => {
    for (let seed = 100; seed < 100 + SEQUENCES; seed++) {
      const ops = sequence(c.alpha, seed, LENGTH);
      const s0 = deepFreeze(c.init());
      const a = run(c.cfg, s0, ops);
      assert.equal(run(c.cfg, s0, ops), a);
      let s = s0;
      for (const [i, op] of ops.entries()) {
        const r = step(c.cfg, s, op);
        assert.equal(r, a[i], where(seed, op));
        s = r.state;
      }
    }
  });
}

const rejected = suite('purity: a rejected op returns the very same state object (I15)');
for (const c of CASES) {
  rejected(c.label, () => {
    let rejections = 0;
    let accepted = 0;
    walk(c, (s, op, seed) => {
      const r = step(c.cfg, s, op);
      if (isRejected(r.result, op, c.cfg.policy.name)) {
        rejections++;
        assert.is(r.state, s, `${where(seed, op)} (${r.result})`);
      } else accepted++;
      return r.state;
    });
    // The sequences exercise both paths.
    assert.ok(rejections > 50, `rejections: ${rejections}`);
    assert.ok(accepted > 50, `accepted: ${accepted}`);
  });
}

const unmutated = suite('purity: inputs are not mutated');
for (const c of CASES) {
  unmutated(`${c.label}: state and op are unchanged after step`, () => {
    walk(c, (s, op, seed) => {
      const before = structuredClone(s);
      const opBefore = structuredClone(op);
      const r = step(c.cfg, s, op);
      assert.equal(s, before, where(seed, op));
      assert.equal(op, opBefore, where(seed, op));
      return r.state;
    });
  });
  unmutated(`${c.label}: an unfrozen initial state is unchanged by a whole run`, () => {
    for (let seed = 200; seed < 200 + SEQUENCES; seed++) {
      const s0 = c.init();
      run(c.cfg, s0, sequence(c.alpha, seed, LENGTH));
      assert.equal(s0, c.init());
    }
  });
}
unmutated('harness self-check: a policy that mutates its input throws on a frozen state', () => {
  const up = POLICIES['upstream'];
  assert.ok(up);
  const bad = extend(up, {
    name: 'mutating',
    create: (_cfg, s, m) => {
      (s.mdevs as Record<string, unknown>)[m] = {};
      return s;
    },
  });
  const cfg: Config = { scope: DEFAULT_SCOPE, policy: bad };
  assert.throws(() => step(cfg, deepFreeze(initialState(DEFAULT_SCOPE)), { kind: 'create', mdev: 'm' }), TypeError);
});
unmutated('initialState is a fresh value each time, equal across calls', () => {
  const a = initialState(DEFAULT_SCOPE);
  const b = initialState(DEFAULT_SCOPE);
  assert.is.not(a, b);
  assert.equal(a, b);
});

noThrow.run();
deterministic.run();
rejected.run();
unmutated.run();
