/**
 * linux-2025: the helpers of vfio_ap_ops.c @9b44fff6 that filter the matrix into the shadow APCB, validate a
 * matrix, hot unplug adapters and domains, and collect the queues to reset.
 */
import { add, and, del, EMPTY, has, ids, type Mask } from '../../bits.ts';
import { resetList } from '../../blocks/reset.ts';
import { sharingLog } from '../../blocks/mdev.ts';
import { mdevOf } from '../../blocks/queries.ts';
import { setShadow, updateApcb } from '../../blocks/update.ts';
import { checkNotReserved } from '../../blocks/validate.ts';
import type { Errno } from '../../errno.ts';
import type { Config, Filtered, Reported } from '../../policy.ts';
import type { MdevName, State } from '../../state.ts';
import { EMPTY_MATRIX } from '../../state.ts';
import { clearBackPointer, getQueue, hashDel, mdevList } from './table.ts';

/**
 * vfio_ap_mdev_filter_matrix(), vfio_ap_ops.c:720-774: shadow.apm/aqm := matrix ∩ info; an APID with an APQN of
 * shadow.aqm whose queue is not in the mdev's table or not passed by _queue_passable(), vfio_ap_ops.c:683-696, leaves
 * shadow.apm, and goes into apm_filtered only if it was in the previous shadow.apm. Changed: shadow.apm or shadow.aqm
 * differs from before. shadow.adm not touched.
 */
export function filterMatrix(cfg: Config, s: State, m: MdevName): Filtered {
  const x = mdevOf(s, m);
  const prev = x.shadow ?? EMPTY_MATRIX;
  let apm = and(x.matrix.apm, s.info.apm);
  const aqm = and(x.matrix.aqm, s.info.aqm);
  let filtered = EMPTY;
  for (const a of ids(apm)) {
    for (const d of ids(aqm)) {
      const q = getQueue(cfg, s, m, a, d);
      if (q === null || !cfg.policy.passable(q.reset)) {
        apm = del(apm, a);
        if (has(prev.apm, a)) filtered = add(filtered, a);
        break;
      }
    }
  }
  if (prev.apm === apm && prev.aqm === aqm) return { state: s, changed: false, filtered };
  return { state: setShadow(s, m, { ...prev, apm, aqm }), changed: true, filtered };
}

/**
 * reset_queues_for_apids(), vfio_ap_ops.c:1022-1037 / collect_queues_to_reset(), vfio_ap_ops.c:998-1010: nothing for an
 * empty mask; else the queues the table holds for each APID × shadow.aqm, reset by vfio_ap_mdev_reset_qlist(),
 * vfio_ap_ops.c:2035-2051 (the resetList block: ZAPQ, flush_work).
 */
export function resetQueuesForApids(cfg: Config, s: State, m: MdevName, apids: Mask): State {
  if (apids === 0) return s;
  const list: [number, number][] = [];
  const aqm = mdevOf(s, m).shadow?.aqm ?? EMPTY;
  for (const a of ids(apids)) for (const d of ids(aqm)) if (getQueue(cfg, s, m, a, d) !== null) list.push([a, d]);
  return resetList(cfg, s, list);
}

/**
 * vfio_ap_mdev_verify_no_sharing(), vfio_ap_ops.c:922-960: the first mdev of the list (other than `assignee`) whose
 * matrix shares an APQN with apm × aqm logs the shared APQNs (log_sharing_err by the assignee, or log_in_use_err by the
 * holder for a NULL assignee) and the check stops: EADDRINUSE. Later mdevs are not looked at.
 */
export function verifyNoSharing(s: State, assignee: MdevName | null, apm: Mask, aqm: Mask): Reported | null {
  for (const o of mdevList(s)) {
    if (o === assignee) continue;
    const h = s.mdevs[o]!.matrix;
    if (and(apm, h.apm) === 0 || and(aqm, h.aqm) === 0) continue;
    return { state: sharingLog(s, assignee, o, apm, aqm, '2025'), errno: 'EADDRINUSE' };
  }
  return null;
}

/**
 * vfio_ap_mdev_validate_masks(), vfio_ap_ops.c:977-986: ap_apqn_in_matrix_owned_by_def_drv(), ap_bus.c:919-933
 * (@0291023e: an APQN of apm × aqm in ap_perms) → EADDRNOTAVAIL, then verify_no_sharing. `apmHigh`/`aqmHigh`: the
 * matrix names ids above MAX_ID.
 */
export function validateMasks(
  s: State,
  m: MdevName,
  apm: Mask,
  aqm: Mask,
  apmHigh = false,
  aqmHigh = false,
): Errno | Reported | null {
  return checkNotReserved(s, apm, aqm, apmHigh, aqmHigh) ?? verifyNoSharing(s, m, apm, aqm);
}

/**
 * vfio_ap_mdev_hot_unplug_adapters(), vfio_ap_ops.c:1164-1193 / _domains(), vfio_ap_ops.c:1365-1394: for each id,
 * vfio_ap_mdev_unlink_adapter(), vfio_ap_ops.c:1146-1162 (_domain(), vfio_ap_ops.c:1347-1363), walks matrix.aqm
 * (matrix.apm): a queue the table holds is hash_del'ed and, if in the shadow, listed for reset; the id leaves the
 * shadow. The guest's APCB is updated once if the shadow changed; the listed queues are reset
 * (vfio_ap_mdev_reset_qlist(), vfio_ap_ops.c:2035-2051), and only their back-pointers are cleared
 * (vfio_ap_unlink_mdev_fr_queue(), vfio_ap_ops.c:839-842).
 */
export function hotUnplug(cfg: Config, s: State, m: MdevName, res: 'adapter' | 'domain', idm: Mask): State {
  const qlist: [number, number][] = [];
  let apcbUpdate = false;
  for (const id of ids(idm)) {
    const x = mdevOf(s, m);
    for (const o of ids(res === 'adapter' ? x.matrix.aqm : x.matrix.apm)) {
      const [a, d] = res === 'adapter' ? [id, o] : [o, id];
      if (getQueue(cfg, s, m, a, d) === null) continue;
      s = hashDel(cfg, s, m, a, d);
      const sh = mdevOf(s, m).shadow ?? EMPTY_MATRIX;
      if (has(sh.apm, a) && has(sh.aqm, d)) qlist.push([a, d]);
    }
    const sh = mdevOf(s, m).shadow ?? EMPTY_MATRIX;
    if (has(res === 'adapter' ? sh.apm : sh.aqm, id)) {
      s = setShadow(s, m, res === 'adapter' ? { ...sh, apm: del(sh.apm, id) } : { ...sh, aqm: del(sh.aqm, id) });
      apcbUpdate = true;
    }
  }
  // vfio_ap_mdev_update_guest_apcb(), vfio_ap_ops.c:659-669, is the updateApcb block: CRYCB := shadow if a KVM is
  // attached.
  if (apcbUpdate) s = updateApcb(cfg, s, m);
  s = resetList(cfg, s, qlist);
  for (const [a, d] of qlist) s = clearBackPointer(cfg, s, a, d);
  return s;
}

/** The state after a filter that may have changed the shadow: update the APCB and reset the filtered APIDs. */
export function applyFilter(cfg: Config, f: Filtered, m: MdevName): State {
  if (!f.changed) return f.state;
  return resetQueuesForApids(cfg, updateApcb(cfg, f.state, m), m, f.filtered);
}
