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

/**
 * One op of `scope`: the classic ops, drawn as they always were (with no mechanism the draws of a seed
 * are unchanged), and the ops of each mechanism in `mechanisms` (model/op-values.ts MECHANISMS).
 */
export function opArb(scope: Scope, mechanisms: ReadonlySet<Mechanism> = new Set(MECHANISMS)): fc.Arbitrary<Op> {
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
  const extra: fc.WeightedArbitrary<Op>[] = [];
  if (mechanisms.has('request')) {
    // The remove without its first request, and the vfio core's repeated requests.
    extra.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'remove', mdev: m, async: true })) });
    extra.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'request', mdev: m })) });
  }
  if (mechanisms.has('kvm_notifier')) {
    extra.push({ weight: 1, arbitrary: mdev.map((m): Op => ({ kind: 'kvm_gone', mdev: m })) });
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
    extra.push({ weight: 2, arbitrary: write });
  }
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
    ...extra,
  );
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

export function caseArb(scope: Scope, maxOps = 20): fc.Arbitrary<Case> {
  return fc
    .record({
      setup: fc.constantFrom(2, 3, 1, 0),
      body: fc.array(opArb(scope), { maxLength: maxOps }),
      swaps: fc.array(fc.nat({ max: maxOps + 8 }), { minLength: 1, maxLength: 3 }),
      disturb: fc.nat({ max: DISTURBANCES.length - 1 }),
      target: fc.nat({ max: scope.adapters * scope.domains - 1 }),
    })
    .map(({ setup, body, swaps, disturb, target }) => ({
      ops: validTrace([...setupOps(scope, setup), ...body]),
      swaps,
      disturb,
      target,
    }));
}

/** Drop ops on mdevs that no op creates, so that every case is also a valid trace file. */
function validTrace(ops: Op[]): Op[] {
  const created = new Set(ops.flatMap((o) => (o.kind === 'create' ? [o.mdev] : [])));
  return ops.filter((o) => !('mdev' in o) || created.has(o.mdev));
}
