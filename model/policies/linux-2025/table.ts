/**
 * linux-2025: the queue table (`matrix_mdev->qtable`) and the queue's back-pointer (`q->matrix_mdev`) as
 * vfio_ap_ops.c @9b44fff6 updates them. The two halves are separate here: the C code clears them on different
 * paths, and a back-pointer left behind is what the model keeps (QueueDev.link naming an mdev whose table no
 * longer holds the queue, or an mdev that no longer exists: a freed ap_matrix_mdev).
 */
import { del, has, ids } from '../../bits.ts';
import { oops } from '../../blocks/events.ts';
import { hashAdd } from '../../blocks/link.ts';
import { mdevOf, queueAt } from '../../blocks/queries.ts';
import { patchMdev } from '../../blocks/update.ts';
import type { Config } from '../../policy.ts';
import { apqnName, qix } from '../../scope.ts';
import type { MdevName, QueueDev, State } from '../../state.ts';
import { patchQueue, setQueue } from '../../state.ts';

/**
 * matrix_dev->mdev_list in list order: list_add() puts each new mdev at the head (vfio_ap_mdev_probe(),
 * vfio_ap_ops.c:790-814).
 */
export const mdevList = (s: State): MdevName[] => Object.keys(s.mdevs).reverse();

/**
 * vfio_ap_mdev_get_queue(), vfio_ap_ops.c:206-219: the queue object in `m`'s table for APQN (apid, apqi), or null. A
 * table entry whose queue object was freed (no vfio_ap queue there any more) is a walk over a freed node: an oops.
 */
export function getQueue(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): QueueDev | null {
  const row = mdevOf(s, m).qtable[apid];
  if (row === undefined || !has(row, apqi)) return null;
  const q = queueAt(cfg, s, apid, apqi);
  if (q?.driver !== 'vfio_ap') oops(s, `${m}'s queue table holds ${apqnName(apid, apqi)}, a freed vfio_ap_queue`);
  return q;
}

/**
 * vfio_ap_mdev_link_queue(), vfio_ap_ops.c:816-824: nothing without a queue object or when `m`'s table already has it;
 * else `q->matrix_mdev = m; hash_add(m's table)` (the hashAdd block: exactly these two statements, with no unlink from
 * a table that already holds the node).
 */
export function linkQueue(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap' || getQueue(cfg, s, m, apid, apqi) !== null) return s;
  return hashAdd(cfg, s, m, apid, apqi);
}

/**
 * vfio_ap_mdev_link_adapter(), vfio_ap_ops.c:988-996: link_apqn (vfio_ap_mdev_link_apqn(), vfio_ap_ops.c:826-832:
 * vfio_ap_find_queue(), vfio_ap_ops.c:1901-1916, then link_queue) for every APQI of matrix.aqm.
 */
export function linkAdapter(cfg: Config, s: State, m: MdevName, apid: number): State {
  for (const d of ids(mdevOf(s, m).matrix.aqm)) s = linkQueue(cfg, s, m, apid, d);
  return s;
}

/** vfio_ap_mdev_link_domain(), vfio_ap_ops.c:1253-1261: link_apqn for every APID of matrix.apm. */
export function linkDomain(cfg: Config, s: State, m: MdevName, apqi: number): State {
  for (const a of ids(mdevOf(s, m).matrix.apm)) s = linkQueue(cfg, s, m, a, apqi);
  return s;
}

/**
 * vfio_ap_unlink_queue_fr_mdev(), vfio_ap_ops.c:834-837: hash_del(&q->mdev_qnode), the table half only; q->matrix_mdev
 * is left as it was. A node inserted twice (dup) stays reachable from the chain's head (link.ts `unlink`).
 */
export function hashDel(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null) return s;
  const x = s.mdevs[m];
  if (!q.dup && x && has(x.qtable[apid]!, apqi)) {
    const qtable = x.qtable.slice();
    qtable[apid] = del(qtable[apid]!, apqi);
    s = patchMdev(s, m, { qtable });
  }
  return q.dup ? setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { dup: false })) : s;
}

/** vfio_ap_unlink_mdev_fr_queue(), vfio_ap_ops.c:839-842: q->matrix_mdev = NULL, the back-pointer only. */
export function clearBackPointer(cfg: Config, s: State, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.link === null) return s;
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { link: null }));
}

/**
 * vfio_ap_mdev_unlink_fr_queues(), vfio_ap_ops.c:844-858: for every APQN of matrix.apm × matrix.aqm that `m`'s table
 * holds, q->matrix_mdev = NULL. No hash_del (the table goes with the mdev); back-pointers of queues that are not in the
 * table are not cleared.
 */
export function unlinkFrQueues(cfg: Config, s: State, m: MdevName): State {
  const x = mdevOf(s, m).matrix;
  for (const a of ids(x.apm)) {
    for (const d of ids(x.aqm)) if (getQueue(cfg, s, m, a, d) !== null) s = clearBackPointer(cfg, s, a, d);
  }
  return s;
}

/**
 * get_update_locks_by_apqn(), vfio_ap_ops.c:150-171 / vfio_ap_mdev_for_queue(), vfio_ap_ops.c:2294-2307: the first mdev
 * of the list whose matrix has the APQN.
 */
export function mdevForApqn(s: State, apid: number, apqi: number): MdevName | null {
  for (const m of mdevList(s)) {
    const x = s.mdevs[m]!.matrix;
    if (has(x.apm, apid) && has(x.aqm, apqi)) return m;
  }
  return null;
}
