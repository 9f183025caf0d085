/**
 * fast-check arbitraries for cases over a scope, biased toward operations the kernel accepts and that
 * matter: ids in scope with a few just outside, the scope's mdev and VM names, a setup that moves
 * queues to vfio_ap early and attaches a guest, and assignments weighted heavily.
 */
import fc from 'fast-check';
import {
  ASSIGNMENTS,
  CARD_CONFIGS,
  DRIVERS,
  FAULTS,
  HOST_ACTIONS,
  idCount,
  MASK_KINDS,
  MASK_SIGNS,
  MECHANISMS,
  type Mechanism,
  mdevNames,
  OVERRIDES,
  REPROBE_HALVES,
  RESOURCES,
  SCAN_KINDS,
  vmNames,
} from '../model/op-values.ts';
import type { Op, Resource } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import type { Case } from './case.ts';
import { DISTURBANCES } from './disturbances.ts';

/**
 * `values` in the order this generator has always drawn them, so that a seed gives the cases it
 * gave: `first` first, then the others in their order.
 */
const drawn = <T>(values: readonly T[], ...first: T[]): T[] => [...first, ...values.filter((v) => !first.includes(v))];

/** Every mechanism: the default of the generators (`apmc check --mechanisms all`). */
export const ALL_MECHANISMS: ReadonlySet<Mechanism> = new Set(MECHANISMS);

/**
 * One op of `scope`, the kernel mechanisms in `mechanisms` included (model/op-values.ts); with none, the
 * classic ops, drawn as they always were.
 */
export function opArb(scope: Scope, mechanisms: ReadonlySet<Mechanism> = ALL_MECHANISMS): fc.Arbitrary<Op> {
  const mdevs = mdevNames(scope);
  const vms = vmNames(scope);
  const mdev = fc.integer({ min: 1, max: mdevs.length }).map((i) => mdevs[i - 1]!);
  const vm = fc.integer({ min: 1, max: vms.length }).map((i) => vms[i - 1]!);
  // Ids in scope, and now and then one just outside (ENODEV paths).
  const idIn = (n: number) =>
    fc.oneof({ weight: 9, arbitrary: fc.integer({ min: 0, max: n - 1 }) }, { weight: 1, arbitrary: fc.constant(n) });
  const apid = fc.integer({ min: 0, max: idCount(scope, 'adapter') - 1 });
  const apqi = fc.integer({ min: 0, max: idCount(scope, 'domain') - 1 });
  const assignment = (res: Resource) =>
    fc.record({ kind: fc.constantFrom(...ASSIGNMENTS[res]), mdev, id: idIn(idCount(scope, res)) });
  const usage = fc.oneof(assignment('adapter'), assignment('domain'));
  const cdom = assignment('control_domain');
  const mask = fc
    .record({
      kind: fc.constantFrom(...MASK_KINDS),
      sign: fc.constantFrom(...MASK_SIGNS),
      id: fc.integer({ min: 0, max: Math.max(scope.adapters, scope.domains) - 1 }),
      async: fc.boolean(),
    })
    .map(
      ({ kind, sign, id, async }): Op =>
        async ? { kind, value: `${sign}${id}`, async: true } : { kind, value: `${sign}${id}` },
    );
  const host = fc
    .record({
      action: fc.constantFrom(...drawn(HOST_ACTIONS, 'add')),
      res: fc.constantFrom(...RESOURCES),
      n: fc.nat(),
      async: fc.boolean(),
    })
    .map(({ action, res, n, async }): Op => {
      const op = { kind: 'host' as const, action, resource: res, id: n % idCount(scope, res) };
      return async ? { ...op, async: true } : op;
    });
  const onMdev = (kind: 'create' | 'remove' | 'stop' | 'vfio_reset') => mdev.map((m): Op => ({ kind, mdev: m }));
  const driver = fc.constantFrom(...drawn(DRIVERS, 'vfio_ap'));
  // The busy fault belongs to the async_reset mechanism (op-values.ts MECHANISMS), drawn where it is explored.
  const fault = fc.constantFrom(...drawn(FAULTS, 'none', 'reset_fails').filter((f) => f !== 'busy'));
  const config = fc.constantFrom(...CARD_CONFIGS);
  return fc.oneof(
    { weight: 12, arbitrary: usage },
    { weight: 1, arbitrary: cdom },
    { weight: 2, arbitrary: onMdev('create') },
    { weight: 1, arbitrary: onMdev('remove') },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('start' as const), mdev, vm }) },
    { weight: 2, arbitrary: onMdev('stop') },
    { weight: 1, arbitrary: onMdev('vfio_reset') },
    { weight: 3, arbitrary: mask },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant('unbind' as const), apid, apqi }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('bind' as const), apid, apqi, driver }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('reprobe' as const), apid, apqi }) },
    { weight: 2, arbitrary: host },
    { weight: 1, arbitrary: fc.constantFrom<Op>(...SCAN_KINDS.map((kind) => ({ kind }))) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('card_config' as const), apid, config }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant('fault' as const), apid, apqi, fault }) },
    ...mechanismOptions(scope, mechanisms),
  );
}

/**
 * The ops of the kernel mechanisms in `mechanisms` (model/op-values.ts MECHANISMS), as weighted options: opArb
 * adds them after the classic ones, so that without them the classic draws stay as they were.
 */
function mechanismOptions(scope: Scope, mechanisms: ReadonlySet<Mechanism>): fc.WeightedArbitrary<Op>[] {
  const apid = fc.integer({ min: 0, max: idCount(scope, 'adapter') - 1 });
  const apqi = fc.integer({ min: 0, max: idCount(scope, 'domain') - 1 });
  const mdevs = mdevNames(scope);
  const mdev = fc.integer({ min: 1, max: mdevs.length }).map((i) => mdevs[i - 1]!);
  const out: fc.WeightedArbitrary<Op>[] = [];
  if (mechanisms.has('async_reset')) {
    const busy = fc.record({ kind: fc.constant('fault' as const), apid, apqi, fault: fc.constant('busy' as const) });
    out.push(
      { weight: 1, arbitrary: busy },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('reset_poll' as const), apid, apqi }) },
    );
  }
  if (mechanisms.has('driver_override')) {
    const driver = fc.constantFrom(...OVERRIDES);
    out.push({
      weight: 2,
      arbitrary: fc.record({ kind: fc.constant('driver_override' as const), apid, apqi, driver }),
    });
  }
  if (mechanisms.has('reprobe_halves')) {
    const half = fc.constantFrom(...REPROBE_HALVES);
    out.push({ weight: 2, arbitrary: fc.record({ kind: fc.constant('reprobe' as const), apid, apqi, half }) });
  }
  if (mechanisms.has('request')) {
    // The remove without its first request, and the vfio core's repeated requests.
    out.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'remove', mdev: m, async: true })) });
    out.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'request', mdev: m })) });
  }
  if (mechanisms.has('kvm_notifier')) {
    out.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'kvm_gone', mdev: m })) });
  }
  if (mechanisms.has('ap_config')) {
    // Any subset of the scope's ids per field (the alphabet holds a fixed few: exhaustive/alphabet.ts).
    const ids = (n: number) => fc.subarray(Array.from({ length: n }, (_, i) => i));
    const write = fc.record({
      kind: fc.constant('ap_config' as const),
      mdev,
      apm: ids(scope.adapters),
      aqm: ids(scope.domains),
      adm: ids(scope.control_domains),
    });
    out.push({ weight: 2, arbitrary: write });
  }
  return out;
}

/** One op of the mechanisms in `mechanisms` alone, or null when they have none. */
export function mechanismOpArb(scope: Scope, mechanisms: ReadonlySet<Mechanism>): fc.Arbitrary<Op> | null {
  const options = mechanismOptions(scope, mechanisms);
  return options.length === 0 ? null : fc.oneof(...options);
}

/**
 * Setup prefixes: 0 none; 1 every queue to vfio_ap; 2 and an mdev with a guest attached (hot plug
 * from there); 3 and an mdev with the whole scope (control domains too) assigned, then the guest (the
 * static design's way).
 */
export function setupOps(scope: Scope, level: number): Op[] {
  if (level === 0) return [];
  const all = (n: number) => Array.from({ length: n }, (_, i) => `-${i}`).join(',');
  const ops: Op[] = [
    { kind: 'apmask', value: all(scope.adapters) },
    { kind: 'aqmask', value: all(scope.domains) },
  ];
  ops.push({ kind: 'create', mdev: 'm1' });
  if (level === 3) {
    for (let a = 0; a < scope.adapters; a++) ops.push({ kind: 'assign_adapter', mdev: 'm1', id: a });
    for (let d = 0; d < scope.domains; d++) ops.push({ kind: 'assign_domain', mdev: 'm1', id: d });
    for (let c = 0; c < scope.control_domains; c++) ops.push({ kind: 'assign_control_domain', mdev: 'm1', id: c });
  }
  if (level >= 2) ops.push({ kind: 'start', mdev: 'm1', vm: 'vm1' });
  return ops;
}

/**
 * A case: a setup, a body of classic ops, and, in about one case in four, a few ops of the kernel mechanisms in
 * `mechanisms` inserted into the body. The mechanism ops are drawn after every classic part, so a seed draws the
 * classic cases it always drew, and the cases without mechanism ops are those very cases.
 */
export function caseArb(
  scope: Scope,
  maxOps = 20,
  mechanisms: ReadonlySet<Mechanism> = ALL_MECHANISMS,
): fc.Arbitrary<Case> {
  const mechanism = mechanismOpArb(scope, mechanisms);
  type Inserts = readonly (readonly [number, Op])[];
  const none: fc.Arbitrary<Inserts> = fc.constant([]);
  const some: fc.Arbitrary<Inserts> =
    mechanism === null ? none : fc.array(fc.tuple(fc.nat(), mechanism), { minLength: 1, maxLength: 6 });
  const inserts = mechanism === null ? none : fc.oneof({ weight: 3, arbitrary: none }, { weight: 1, arbitrary: some });
  return fc
    .record({
      setup: fc.constantFrom(2, 3, 1, 0),
      body: fc.array(opArb(scope, CLASSIC), { maxLength: maxOps }),
      swaps: fc.array(fc.nat({ max: maxOps + 8 }), { minLength: 1, maxLength: 3 }),
      disturb: fc.nat({ max: DISTURBANCES.length - 1 }),
      target: fc.nat({ max: scope.adapters * scope.domains - 1 }),
      inserts,
    })
    .map(({ setup, body, swaps, disturb, target, inserts }) => ({
      ops: validTrace([...setupOps(scope, setup), ...insertAt(body, inserts)]),
      swaps,
      disturb,
      target,
    }));
}

/** No mechanism beyond the classic ops. */
const CLASSIC: ReadonlySet<Mechanism> = new Set();

/** `ops` with each [n, op] of `inserts` inserted at position n modulo the length so far, in turn. */
function insertAt(ops: readonly Op[], inserts: readonly (readonly [number, Op])[]): Op[] {
  const out = ops.slice();
  for (const [n, op] of inserts) out.splice(n % (out.length + 1), 0, op);
  return out;
}

/** The set of mechanisms a list names; every one without a list. */
export const mechanismSet = (list: readonly Mechanism[] | undefined): ReadonlySet<Mechanism> =>
  list === undefined ? ALL_MECHANISMS : new Set(list);

/** Drop ops on mdevs that no op creates, so that every case is also a valid trace file. */
function validTrace(ops: Op[]): Op[] {
  const created = new Set(ops.flatMap((o) => (o.kind === 'create' ? [o.mdev] : [])));
  return ops.filter((o) => !('mdev' in o) || created.has(o.mdev));
}
