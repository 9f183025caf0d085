/**
 * `v12-fcfs`: the v12 dynamic-configuration proposal (Nov 2020, not merged), spec §6. A shadow that
 * exists only while a guest is attached, first-come-first-served hot plug, no reset on unassign,
 * host-config removals that unassign, and the in_use callback of the same series.
 */
import { busZapq } from '../bus.ts';
import { queueStatus } from '../observe.ts';
import { add, EMPTY, has, ids, minus, of } from '../bits.ts';
import { fcfsInitialShadow, fcfsPlug } from '../blocks/fcfs.ts';
import { linkAll, unlink } from '../blocks/link.ts';
import { attachGuest, createMdev, deleteMdev, detachGuest, matrixInUse } from '../blocks/mdev.ts';
import { isLinked, mdevOf, ownerOf } from '../blocks/queries.ts';
import { matrixApqns, resetApqnsSync, resetQueueSync } from '../blocks/reset.ts';
import { patchMdev, setMatrix, setShadow, updateApcb } from '../blocks/update.ts';
import { idError, validateMatrix } from '../blocks/validate.ts';
import type { Resource } from '../ops.ts';
import type { Config, Outcome, Policy, Reported } from '../policy.ts';
import type { Matrix, MdevName, State } from '../state.ts';
import { patchState } from '../state.ts';
import { removeQueueResetOne } from './d0.ts';

/** Plug `id` by FCFS if a guest is attached, then write the shadow to the CRYCB. */
function plug(cfg: Config, s: State, m: MdevName, res: 'adapter' | 'domain', id: number): State {
  if (mdevOf(s, m).kvm === null) return s;
  return updateApcb(cfg, fcfsPlug(cfg, s, m, res, id), m);
}

/**
 * assign (spec §6, errno order assumed as D0's per §15.9, inferred): ENODEV → EADDRNOTAVAIL →
 * EADDRINUSE; no EBUSY while attached. An already-assigned id runs the FCFS attempt again.
 */
function assign(cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome {
  const e = idError(cfg, res, id);
  if (e) return e;
  const x = mdevOf(s, m);
  if (res === 'control_domain') {
    s = setMatrix(s, m, { ...x.matrix, adm: add(x.matrix.adm, id) });
    if (!x.shadow) return s;
    return updateApcb(cfg, setShadow(s, m, { ...x.shadow, adm: add(x.shadow.adm, id) }), m);
  }
  const isA = res === 'adapter';
  const matrix = isA ? { ...x.matrix, apm: add(x.matrix.apm, id) } : { ...x.matrix, aqm: add(x.matrix.aqm, id) };
  const v = validateMatrix(s, m, matrix.apm, matrix.aqm);
  if (v) return v;
  s = setMatrix(s, m, matrix);
  s = isA ? linkAll(cfg, s, m, [id], ids(matrix.aqm)) : linkAll(cfg, s, m, ids(matrix.apm), [id]);
  return plug(cfg, s, m, res, id);
}

/** Clear `id` from the matrix and the shadow, unlink its queues, update the CRYCB. No reset (spec §6). */
function unassignIds(cfg: Config, s: State, m: MdevName, rem: Matrix): State {
  const x = mdevOf(s, m);
  for (const a of ids(rem.apm))
    for (const d of ids(x.matrix.aqm)) if (isLinked(cfg, s, m, a, d)) s = unlink(cfg, s, a, d);
  for (const d of ids(rem.aqm))
    for (const a of ids(x.matrix.apm)) if (isLinked(cfg, s, m, a, d)) s = unlink(cfg, s, a, d);
  const cut = (mx: Matrix): Matrix => ({
    apm: minus(mx.apm, rem.apm),
    aqm: minus(mx.aqm, rem.aqm),
    adm: minus(mx.adm, rem.adm),
  });
  s = setMatrix(s, m, cut(x.matrix));
  if (!x.shadow) return s;
  return updateApcb(cfg, setShadow(s, m, cut(x.shadow)), m);
}

function unassign(cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome {
  const e = idError(cfg, res, id);
  if (e) return e;
  const x = mdevOf(s, m).matrix;
  if (!has(res === 'adapter' ? x.apm : res === 'domain' ? x.aqm : x.adm, id)) return s;
  const one = (r: Resource) => (r === res ? of(id) : EMPTY);
  return unassignIds(cfg, s, m, { apm: one('adapter'), aqm: one('domain'), adm: one('control_domain') });
}

/** v12 13/17 probe: link, then FCFS hot plug of the queue's APID and APQI. */
function probe(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = ownerOf(s, apid, apqi);
  if (m === null) return s;
  s = linkAll(cfg, s, m, [apid], [apqi]);
  return plug(cfg, plug(cfg, s, m, 'adapter', apid), m, 'domain', apqi);
}

/** v12 15/17: resources removed from the host configuration are unassigned from every mdev. */
function onConfigChanged(cfg: Config, s: State, qci: Matrix, old: Matrix): State {
  const rem: Matrix = { apm: minus(old.apm, qci.apm), aqm: minus(old.aqm, qci.aqm), adm: minus(old.adm, qci.adm) };
  for (const m of Object.keys(s.mdevs)) s = unassignIds(cfg, s, m, rem);
  return patchState(s, { info: qci });
}

/** v12 16/17: FCFS hot plug of the resources the scan brought back (only those still assigned). */
function onScanComplete(cfg: Config, s: State, qci: Matrix, old: Matrix): State {
  for (const m of Object.keys(s.mdevs)) {
    const x = mdevOf(s, m);
    if (x.kvm === null) continue;
    for (const a of ids(minus(qci.apm, old.apm))) if (has(x.matrix.apm, a)) s = plug(cfg, s, m, 'adapter', a);
    for (const d of ids(minus(qci.aqm, old.aqm))) if (has(x.matrix.aqm, d)) s = plug(cfg, s, m, 'domain', d);
  }
  return s;
}

/**
 * vfio_ap_mdev_reset_queues() of the 5.10-based series: every matrix APQN with a vfio_ap queue object,
 * vfio_ap_mdev_reset_queue(q, 1) each.
 */
const resetMatrix = (cfg: Config, s: State, m: MdevName): Reported =>
  resetApqnsSync(cfg, s, matrixApqns(cfg, mdevOf(s, m).matrix));

export const v12Fcfs = {
  name: 'v12-fcfs',
  summary: 'v12 proposal (Nov 2020, not merged): shadow only while attached, first-come-first-served hot plug',
  // v12 admits by "bound to vfio_ap" alone and kept the 5.10 rc == 0 rule for resets (§3).
  passable: (r) => r === 'normal',
  probe,
  // 13/17: an APQN in the shadow takes its APID out; the queue alone is reset (S1 behaviour); unlink.
  remove: (cfg, s, apid, apqi) =>
    removeQueueResetOne(cfg, s, apid, apqi, (c, st, a, d) => resetQueueSync(c, st, a, d).state),
  bus_remove: busZapq,
  driver_override: null,
  mask_write_refused: null,
  status: (_cfg, s, apid, apqi) => queueStatus(s, apid, apqi),
  in_use: (_cfg, s, apm, aqm) => matrixInUse(s, apm, aqm),
  on_config_changed: onConfigChanged,
  on_scan_complete: onScanComplete,
  // A 5.10-based mdev core: EPERM when no instance is available (§5).
  create: (cfg, s, m) => createMdev(cfg, s, m, 'EPERM', false),
  // Before 5.13 a remove of an attached mdev was refused (§5, S0 … 5.12); with the KVM gone but the
  // device still open (kvm_gone), vfio_del_group_dev waits for the close.
  remove_mdev: (cfg, s, m) => {
    const x = mdevOf(s, m);
    if (x.kvm !== null) return 'EBUSY';
    if (x.open) return x.removing ? s : patchMdev(s, m, { removing: true });
    return deleteMdev(cfg, resetMatrix(cfg, s, m).state, m);
  },
  assign,
  unassign,
  ap_config: null,
  attach: (cfg, s, m, vm) => {
    const r = attachGuest(s, m, vm, fcfsInitialShadow(cfg, s, m));
    return typeof r === 'string' ? r : setShadow(r, m, r.vms[vm]!.crycb);
  },
  detach: (cfg, s, m) => {
    if (mdevOf(s, m).kvm === null) return s;
    s = resetMatrix(cfg, detachGuest(s, m), m).state;
    return patchMdev(s, m, { shadow: null });
  },
  // 5.10 vfio_ap_mdev_reset_queues: EBUSY for a deconfigured, checkstopped or unavailable queue, 0 for an APQN
  // without a vfio_ap queue, WARN and EIO only for an unexpected ZAPQ response code.
  reset: resetMatrix,
  request: null,
  // 5.10's notifier (before f21916ec4826) only sets m.kvm = NULL: CRYCB, hook and queues are left as
  // they are; the shadow, meaningful only with a KVM, goes (guest_matrix: ENODEV).
  kvm_gone: (_cfg, s, m) => patchMdev(s, m, { kvm: null, shadow: null }),
} satisfies Policy;
