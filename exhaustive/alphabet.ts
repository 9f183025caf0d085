/**
 * The operation alphabet of a scope: every operation the exhaustive engine tries in every state.
 * Hardware ids range over the scope; kernel-facing ids too (an id outside apm_max only ever yields
 * an errno and the same state, so it adds transitions but no states). Mask writes and host changes
 * come both synchronous and asynchronous, so that the re-probe and scan steps interleave with
 * everything else. `ap_config` is left out: it is a composite of assignments already in the alphabet.
 */
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import type { Driver, Fault } from '../model/state.ts';

export const mdevNames = (scope: Scope): string[] => Array.from({ length: scope.mdevs }, (_, i) => `m${i + 1}`);
export const vmNames = (scope: Scope): string[] => Array.from({ length: scope.vms }, (_, i) => `vm${i + 1}`);

export function alphabet(scope: Scope): Op[] {
  const ops: Op[] = [];
  const A = scope.adapters;
  const D = scope.domains;
  const C = scope.control_domains;
  const apqns: [number, number][] = [];
  for (let a = 0; a < A; a++) for (let d = 0; d < D; d++) apqns.push([a, d]);
  // AP bus: relative mask writes (§12.1), sync and async; the pending re-probes; bind/unbind; scans.
  for (const kind of ['apmask', 'aqmask'] as const) {
    for (let id = 0; id < (kind === 'apmask' ? A : D); id++) {
      for (const sign of ['+', '-']) {
        ops.push({ kind, value: `${sign}${id}` });
        ops.push({ kind, value: `${sign}${id}`, async: true });
      }
    }
  }
  for (const [apid, apqi] of apqns) ops.push({ kind: 'reprobe', apid, apqi });
  for (const [apid, apqi] of apqns) {
    for (const driver of ['cex4queue', 'vfio_ap'] as Driver[]) ops.push({ kind: 'bind', apid, apqi, driver });
    ops.push({ kind: 'unbind', apid, apqi });
  }
  ops.push({ kind: 'scan' }, { kind: 'scan_start' }, { kind: 'scan_step' }, { kind: 'scan_complete' });
  // Hardware: host configuration changes (sync and async), card config, reset outcomes.
  const limit = { adapter: A, domain: D, control_domain: C } as const;
  for (const resource of ['adapter', 'domain', 'control_domain'] as const) {
    for (let id = 0; id < limit[resource]; id++) {
      for (const action of ['remove', 'add'] as const) {
        ops.push({ kind: 'host', action, resource, id });
        ops.push({ kind: 'host', action, resource, id, async: true });
      }
    }
  }
  for (let apid = 0; apid < A; apid++) for (const config of [0, 1] as const) ops.push({ kind: 'card_config', apid, config });
  for (const [apid, apqi] of apqns) {
    for (const fault of ['none', 'checkstop', 'reset_fails'] as Fault[]) ops.push({ kind: 'fault', apid, apqi, fault });
  }
  // vfio_ap and the guests.
  for (const mdev of mdevNames(scope)) {
    ops.push({ kind: 'create', mdev }, { kind: 'remove', mdev });
    for (const [res, n] of [['adapter', A], ['domain', D], ['control_domain', C]] as const) {
      for (let id = 0; id < n; id++) {
        ops.push({ kind: `assign_${res}`, mdev, id });
        ops.push({ kind: `unassign_${res}`, mdev, id });
      }
    }
    for (const vm of vmNames(scope)) ops.push({ kind: 'start', mdev, vm });
    ops.push({ kind: 'stop', mdev }, { kind: 'vfio_reset', mdev });
  }
  return ops;
}
