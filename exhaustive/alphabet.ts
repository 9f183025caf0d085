/**
 * The operation alphabet of a scope: every operation the exhaustive engine tries in every state,
 * every combination of the parameter values model/op-values.ts lists, in the lists' order.
 * Hardware ids range over the scope; kernel-facing ids too (an id outside apm_max only ever yields
 * an errno and the same state, so it adds transitions but no states). Mask writes and host changes
 * come both synchronous and asynchronous, so that the re-probe and scan steps interleave with
 * everything else. The mechanisms beyond the classic ops (model/op-values.ts MECHANISMS) add their ops:
 * the remove request (`mN remove &`, then `request mN` steps), the KVM notifier (`kvm_gone mN`) and
 * ap_config writes (apConfigWrites).
 */
import {
  ASSIGNMENTS,
  CARD_CONFIGS,
  DRIVERS,
  explored,
  FAULTS,
  HOST_ACTIONS,
  idCount,
  MASK_KINDS,
  MASK_SIGNS,
  type Mechanism,
  mdevNames,
  OVERRIDES,
  REPROBE_HALVES,
  RESOURCES,
  SCAN_KINDS,
  vmNames,
} from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';

export { mdevNames, vmNames } from '../model/op-values.ts';

/**
 * The alphabet of `scope` with the kernel mechanisms in `mechanisms` (model/op-values.ts MECHANISMS;
 * default: none, the classic ops).
 */
export function alphabet(scope: Scope, mechanisms: ReadonlySet<Mechanism> = CLASSIC): Op[] {
  return fullAlphabet(scope).filter((op) => explored(op, mechanisms));
}

/** No mechanism beyond the classic ops. */
export const CLASSIC: ReadonlySet<Mechanism> = new Set();

/** Every op of the scope, the mechanisms' included (model/op-values.ts mechanismOf gates them). */
function fullAlphabet(scope: Scope): Op[] {
  const ops: Op[] = [];
  const A = scope.adapters;
  const apqns: [number, number][] = [];
  for (let a = 0; a < A; a++) for (let d = 0; d < scope.domains; d++) apqns.push([a, d]);
  // AP bus: relative mask writes (§12.1), sync and async; the pending re-probes; bind/unbind; scans.
  for (const kind of MASK_KINDS) {
    for (let id = 0; id < idCount(scope, kind === 'apmask' ? 'adapter' : 'domain'); id++) {
      for (const sign of MASK_SIGNS) {
        ops.push({ kind, value: `${sign}${id}` });
        ops.push({ kind, value: `${sign}${id}`, async: true });
      }
    }
  }
  for (const [apid, apqi] of apqns) ops.push({ kind: 'reprobe', apid, apqi });
  // driver_override (6.19) and the two halves of a re-probe.
  for (const [apid, apqi] of apqns) {
    for (const driver of OVERRIDES) ops.push({ kind: 'driver_override', apid, apqi, driver });
    for (const half of REPROBE_HALVES) ops.push({ kind: 'reprobe', apid, apqi, half });
  }
  for (const [apid, apqi] of apqns) {
    for (const driver of DRIVERS) ops.push({ kind: 'bind', apid, apqi, driver });
    ops.push({ kind: 'unbind', apid, apqi });
  }
  for (const kind of SCAN_KINDS) ops.push({ kind });
  // Hardware: host configuration changes (sync and async), card config, reset outcomes.
  for (const resource of RESOURCES) {
    for (let id = 0; id < idCount(scope, resource); id++) {
      for (const action of HOST_ACTIONS) {
        ops.push({ kind: 'host', action, resource, id });
        ops.push({ kind: 'host', action, resource, id, async: true });
      }
    }
  }
  for (let apid = 0; apid < A; apid++) {
    for (const config of CARD_CONFIGS) ops.push({ kind: 'card_config', apid, config });
  }
  for (const [apid, apqi] of apqns) for (const fault of FAULTS) ops.push({ kind: 'fault', apid, apqi, fault });
  // One iteration of a queue's reset work item (async_reset, spec §9).
  for (const [apid, apqi] of apqns) ops.push({ kind: 'reset_poll', apid, apqi });
  // vfio_ap and the guests.
  for (const mdev of mdevNames(scope)) {
    ops.push({ kind: 'create', mdev }, { kind: 'remove', mdev });
    for (const res of RESOURCES) {
      for (let id = 0; id < idCount(scope, res); id++) {
        const [assign, unassign] = ASSIGNMENTS[res];
        ops.push({ kind: assign, mdev, id });
        ops.push({ kind: unassign, mdev, id });
      }
    }
    for (const vm of vmNames(scope)) ops.push({ kind: 'start', mdev, vm });
    ops.push({ kind: 'stop', mdev }, { kind: 'vfio_reset', mdev });
    // The remove request (mechanism `request`) and the KVM notifier (`kvm_notifier`).
    ops.push({ kind: 'remove', mdev, async: true }, { kind: 'request', mdev }, { kind: 'kvm_gone', mdev });
    for (const w of apConfigWrites(scope)) ops.push({ kind: 'ap_config', mdev, ...w });
  }
  return ops;
}

/** ids 0..n-1 */
const upTo = (n: number): number[] => Array.from({ length: n }, (_, i) => i);

/** Every subset of ids 0..n-1, the empty one first. */
const subsets = (n: number): number[][] => upTo(1 << n).map((bits) => upTo(n).filter((i) => (bits >> i) & 1));

/**
 * The ap_config writes of the alphabet (absolute: the alphabet does not depend on the state). When the
 * scope has at most 8 of them, every write (each of apm, aqm and adm any subset of the scope's ids).
 * Otherwise a set that stays small at large scopes: the empty write (everything hot-unplugged at once),
 * the whole scope (every adapter, domain and control domain added at once), and one per APQN, `{a} × {d}`
 * without control domains (from another matrix: an adapter and a domain added together, so that their
 * common queue is reached through both, and everything else removed). 2 + adapters × domains writes.
 */
export function apConfigWrites(scope: Scope): { apm: number[]; aqm: number[]; adm: number[] }[] {
  const { adapters: A, domains: D, control_domains: C } = scope;
  if (A + D + C <= 3) {
    return subsets(A).flatMap((apm) => subsets(D).flatMap((aqm) => subsets(C).map((adm) => ({ apm, aqm, adm }))));
  }
  const out = [
    { apm: [], aqm: [], adm: [] },
    { apm: upTo(A), aqm: upTo(D), adm: upTo(C) },
  ];
  for (let a = 0; a < A; a++) for (let d = 0; d < D; d++) out.push({ apm: [a], aqm: [d], adm: [] });
  return out;
}
