/**
 * linux-2025: the vfio_ap queue driver's callbacks (struct ap_driver, vfio_ap_drv.c @0291023e) as
 * vfio_ap_ops.c @9b44fff6 implements them: probe, remove, in_use and the queue's status attribute.
 */
import { del, has, of } from '../../bits.ts';
import { oops } from '../../blocks/events.ts';
import { mdevOf, queueAt } from '../../blocks/queries.ts';
import { resetQueue } from '../../blocks/reset.ts';
import { setShadow, updateApcb } from '../../blocks/update.ts';
import type { Config, InUse, QueueStatus } from '../../policy.ts';
import { apqnName } from '../../scope.ts';
import type { Mask } from '../../bits.ts';
import type { State } from '../../state.ts';
import { applyFilter, filterMatrix, resetQueuesForApids, verifyNoSharing } from './matrix.ts';
import { hashDel, linkQueue, mdevForApqn } from './table.ts';

/**
 * vfio_ap_mdev_probe_queue(), vfio_ap_ops.c:2416-2468: a fresh queue object (reset_status zeroed); the mdev
 * get_update_locks_by_apqn(), vfio_ap_ops.c:150-171, finds (first of the list whose matrix has the APQN) links it;
 * while apm_add or aqm_add is set (a scan is adding resources) nothing more; else filter and, if the shadow changed,
 * update the APCB and reset the filtered.
 */
export function probe(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = mdevForApqn(s, apid, apqi);
  if (m === null) return s;
  s = linkQueue(cfg, s, m, apid, apqi);
  const p = mdevOf(s, m).pending;
  if (p !== null && (p.apm !== 0 || p.aqm !== 0)) return s;
  return applyFilter(cfg, filterMatrix(cfg, s, m), m);
}

/**
 * vfio_ap_mdev_remove_queue(), vfio_ap_ops.c:2470-2517: get_update_locks_for_queue(), vfio_ap_ops.c:189-195, reads
 * q->matrix_mdev->kvm (a freed mdev: an oops). With a back-pointer whose shadow has the APQN: the adapter leaves the
 * shadow, the APCB is updated and reset_queues_for_apid(), vfio_ap_ops.c:1012-1020, resets the table's queues of that
 * APID × shadow.aqm. Otherwise the queue alone is reset and waited for (reset_queue + flush_work) if info has the APQN.
 * Then hash_del if the back-pointer is set; the queue object is freed (the bus drops it).
 */
export function removeQueue(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = queueAt(cfg, s, apid, apqi)?.link ?? null;
  if (m !== null && s.mdevs[m] === undefined) {
    oops(s, `q->matrix_mdev of ${apqnName(apid, apqi)} points to ${m}, a freed ap_matrix_mdev`);
  }
  const sh = m === null ? null : mdevOf(s, m).shadow;
  if (m !== null && sh !== null && has(sh.apm, apid) && has(sh.aqm, apqi)) {
    s = updateApcb(cfg, setShadow(s, m, { ...sh, apm: del(sh.apm, apid) }), m);
    s = resetQueuesForApids(cfg, s, m, of(apid));
  } else if (has(s.info.apm, apid) && has(s.info.aqm, apqi)) {
    s = resetQueue(cfg, s, apid, apqi);
  }
  return m !== null ? hashDel(cfg, s, m, apid, apqi) : s;
}

/**
 * vfio_ap_mdev_resource_in_use(), vfio_ap_ops.c:2533-2544: verify_no_sharing(NULL, apm, aqm): the first mdev of the
 * list holding an APQN logs "Can not reserve queue ..." for each shared APQN and the answer is EADDRINUSE (the bus
 * refuses: EBUSY).
 */
export function inUse(_cfg: Config, s: State, apm: Mask, aqm: Mask): InUse {
  return verifyNoSharing(s, null, apm, aqm) ?? false;
}

/**
 * status_show(), vfio_ap_ops.c:2309-2348: vfio_ap_mdev_for_queue(), vfio_ap_ops.c:2294-2307 (first mdev of the list
 * whose matrix has the APQN): "in use" if it has a KVM and the shadow has the APQN, else "assigned"; no such mdev:
 * "unassigned".
 */
export function status(_cfg: Config, s: State, apid: number, apqi: number): QueueStatus {
  const m = mdevForApqn(s, apid, apqi);
  if (m === null) return 'unassigned';
  const x = mdevOf(s, m);
  const sh = x.shadow;
  return x.kvm !== null && sh !== null && has(sh.apm, apid) && has(sh.aqm, apqi) ? 'in use' : 'assigned';
}
