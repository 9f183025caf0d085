/**
 * `static`: vfio_ap 5.3 – 5.19 (S1), spec §5. The guest gets the unfiltered matrix; assignments are
 * checked only at assign time (bound to vfio_ap) and frozen while a guest is attached; vfio_ap
 * implements none of the AP bus hooks, so mask writes and host changes never consult it.
 */
import { busZapq } from '../bus.ts';
import { queueStatus } from '../observe.ts';
import { add, del, has } from '../bits.ts';
import { attachGuest, createMdev, deleteMdev, detachGuest } from '../blocks/mdev.ts';
import { mdevOf } from '../blocks/queries.ts';
import { matrixApqns, resetApqnsSync, resetQueueSync } from '../blocks/reset.ts';
import { patchMdev, setMatrix } from '../blocks/update.ts';
import { checkNotShared, checkReservedForVfio, idError } from '../blocks/validate.ts';
import type { Resource } from '../ops.ts';
import type { Config, Outcome, Policy, Reported } from '../policy.ts';
import type { MdevName, State } from '../state.ts';

/**
 * S*: EBUSY while attached (before parsing) → ENODEV → EADDRNOTAVAIL (not bound) → EADDRINUSE
 * (spec §5, §14).
 */
function assign(cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome {
  const x = mdevOf(s, m);
  if (x.kvm !== null) return 'EBUSY';
  const e = idError(cfg, res, id);
  if (e) return e;
  if (res === 'control_domain')
    return has(x.matrix.adm, id) ? s : setMatrix(s, m, { ...x.matrix, adm: add(x.matrix.adm, id) });
  const r = checkReservedForVfio(cfg, s, m, res, id);
  if (r) return r;
  const matrix =
    res === 'adapter' ? { ...x.matrix, apm: add(x.matrix.apm, id) } : { ...x.matrix, aqm: add(x.matrix.aqm, id) };
  const sh = checkNotShared(s, m, matrix.apm, matrix.aqm);
  if (sh) return sh;
  return matrix.apm === x.matrix.apm && matrix.aqm === x.matrix.aqm ? s : setMatrix(s, m, matrix);
}

/** S*: EBUSY while attached → ENODEV → clear the bit. No reset. */
function unassign(cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome {
  const x = mdevOf(s, m);
  if (x.kvm !== null) return 'EBUSY';
  const e = idError(cfg, res, id);
  if (e) return e;
  const mx = x.matrix;
  const key = res === 'adapter' ? 'apm' : res === 'domain' ? 'aqm' : 'adm';
  return has(mx[key], id) ? setMatrix(s, m, { ...mx, [key]: del(mx[key], id) }) : s;
}

/**
 * vfio_ap_mdev_reset_queues() of 5.19: every APQN of the matrix whose queue is bound to vfio_ap
 * (vfio_ap_find_queue), reset with vfio_ap_mdev_reset_queue(q, 1); the last nonzero result.
 */
const resetMatrix = (cfg: Config, s: State, m: MdevName): Reported =>
  resetApqnsSync(cfg, s, matrixApqns(cfg, mdevOf(s, m).matrix));

/**
 * vfio_ap_mdev_unset_kvm (5.11+, f21916ec4826): clear the PQAP hook and the CRYCB, reset the matrix's
 * queues, m.kvm = null. Run on close (release) and, with the device still open, by the KVM notifier.
 */
const unsetKvm = (cfg: Config, s: State, m: MdevName): State =>
  mdevOf(s, m).kvm === null ? s : resetMatrix(cfg, detachGuest(s, m), m).state;

export const staticPolicy = {
  name: 'static',
  summary: 'Linux 5.3–5.19 (S1): guest = matrix, checked only at assign time, frozen while attached',
  // No filtering and no stored reset status in the static design; resets matter only for I9.
  passable: (r) => r === 'normal',
  // S1 allocates a queue object; the guest's CRYCB is not touched.
  probe: (_cfg, s) => s,
  // S1 resets the queue (vfio_ap_mdev_reset_queue(q, 1): ZAPQ, one retry) and frees it; the CRYCB is not touched.
  remove: (cfg, s, apid, apqi) => resetQueueSync(cfg, s, apid, apqi).state,
  bus_remove: busZapq,
  driver_override: null,
  mask_write_refused: null,
  status: (_cfg, s, apid, apqi) => queueStatus(s, apid, apqi),
  in_use: null,
  on_config_changed: null,
  on_scan_complete: null,
  create: (cfg, s, m) => createMdev(cfg, s, m, 'EPERM', false),
  // 5.13+ (the newest reading of 5.3–5.19): the remove blocks until the device is closed (§5).
  remove_mdev: (cfg, s, m) => {
    const x = mdevOf(s, m);
    if (x.open) return x.removing ? s : patchMdev(s, m, { removing: true });
    return deleteMdev(cfg, resetMatrix(cfg, s, m).state, m);
  },
  assign,
  unassign,
  ap_config: null,
  attach: (_cfg, s, m, vm) => attachGuest(s, m, vm, mdevOf(s, m).matrix),
  // vfio_ap_mdev_release: unset_kvm; a no-op when the notifier already ran (the close only closes).
  detach: unsetKvm,
  // 5.19 vfio_ap_mdev_reset_queues: EBUSY for a deconfigured, checkstopped or unavailable queue; an APQN
  // without a vfio_ap queue is skipped (0); WARN and EIO only for an unexpected ZAPQ response code.
  reset: resetMatrix,
  // No request callback before 6.5: the vfio core just waits for the close.
  request: null,
  // 5.11+ (the newest reading, §1 S1): vfio_ap_mdev_group_notifier with a NULL KVM runs unset_kvm.
  kvm_gone: unsetKvm,
} satisfies Policy;
