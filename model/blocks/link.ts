import { add, del, has, ids } from '../bits.ts';
import type { Config } from '../policy.ts';
import { qix } from '../scope.ts';
import type { MdevName, State } from '../state.ts';
import { patchQueue, setQueue } from '../state.ts';
import { hang, oops } from './events.ts';
import { patchMdev } from './update.ts';
import { mdevOf, queueAt } from './queries.ts';
import { replaceable } from './replaceable.ts';

const hex = (a: number, d: number) => `${a.toString(16).padStart(2, '0')}.${d.toString(16).padStart(4, '0')}`;

/**
 * The raw insertion of vfio_ap_mdev_link_queue() before 6.10: `q->matrix_mdev = m; hash_add(m's qtable,
 * &q->mdev_qnode)` with no check, if queue (apid, apqi) is bound to vfio_ap (vfio_ap_find_queue). A node that is
 * already in a table is inserted again: its `next` comes to point into the chain that holds it (a cycle), so the
 * queue is marked `dup` and every later walk over that table never ends.
 */
export function hashAdd(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return s;
  const hashed = q.link !== null && s.mdevs[q.link] !== undefined && has(s.mdevs[q.link]!.qtable[apid]!, apqi);
  const x = mdevOf(s, m);
  if (!has(x.qtable[apid]!, apqi)) {
    const qtable = x.qtable.slice();
    qtable[apid] = add(qtable[apid]!, apqi);
    s = patchMdev(s, m, { qtable });
  }
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { link: m, dup: q.dup || hashed }));
}

/**
 * vfio_ap_mdev_link_queue() as of 6.10 (f3e3a400): if queue (apid, apqi) is bound to vfio_ap and not yet in
 * `m`'s table (vfio_ap_mdev_get_queue), link it, both halves. Linking an already-linked queue is a no-op (§8.2).
 * Before 6.10 the check was missing (`hashAdd` alone); no built-in links a queue twice: d0 (6.0–6.7) links only
 * the new row or column of an assign and a freshly probed queue, and has no ap_config (which links the queue
 * common to a new adapter and a new domain through both).
 */
export const link = replaceable('link', (cfg: Config, s: State, m: MdevName, apid: number, apqi: number): State => {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return s;
  if (has(mdevOf(s, m).qtable[apid]!, apqi)) return s;
  if (q.link !== null && q.link !== m && s.mdevs[q.link]) s = unlink(cfg, s, apid, apqi);
  return hashAdd(cfg, s, m, apid, apqi);
});

/**
 * vfio_ap_unlink_queue_fr_mdev() (hash_del) and vfio_ap_unlink_mdev_fr_queue() (q->matrix_mdev = NULL): clear
 * both halves of the queue's link, if it has one. hash_del of a node inserted twice unhooks it from the cycle
 * but leaves the chain's head pointing at it (hlist_del_init: *pprev = next, which is the node itself): the
 * table keeps the queue, which no longer points back at it, and a later hash_del finds it unhashed.
 */
export const unlink = replaceable('unlink', (cfg: Config, s: State, apid: number, apqi: number): State => {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.link === null) return s;
  const owner = s.mdevs[q.link];
  if (!q.dup && owner && has(owner.qtable[apid]!, apqi)) {
    const qtable = owner.qtable.slice();
    qtable[apid] = del(qtable[apid]!, apqi);
    s = patchMdev(s, q.link, { qtable });
  }
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { link: null, dup: false }));
});

/** Link every queue of apm × aqm to `m` (vfio_ap_mdev_link_adapter / _link_domain / _link_apqn). */
export function linkAll(cfg: Config, s: State, m: MdevName, apm: number[], aqm: number[]): State {
  for (const a of apm) for (const d of aqm) s = link(cfg, s, m, a, d);
  return s;
}

/**
 * The queues in `m`'s table, as hash_for_each() walks it (vfio_ap_mdev_reset_queues and every walk of the
 * model: resets of the linked queues, unlinkAll, mdev remove, detach, VFIO_DEVICE_RESET). The walk never ends
 * (a `hang` event) when the table holds a queue inserted twice, and dereferences a freed queue object (an
 * `oops`) when it holds a queue no longer bound to vfio_ap (kfree'd by its remove while still in the table).
 */
export function linkedApqns(s: State, m: MdevName): [number, number][] {
  const out: [number, number][] = [];
  const t = mdevOf(s, m).qtable;
  // The scope's domain count: the state has adapters × domains queues and one table row per adapter.
  const domains = s.queues.length / t.length;
  t.forEach((row, a) => {
    for (const d of ids(row)) {
      const q = s.queues[a * domains + d] ?? null;
      if (q?.dup && q.link === m) hang(s, `hash_for_each over ${m}'s queue table: ${hex(a, d)} is linked twice`);
      if (q?.driver !== 'vfio_ap') oops(s, `${m}'s queue table holds ${hex(a, d)}, a freed vfio_ap_queue`);
      out.push([a, d]);
    }
  });
  return out;
}

/** Unlink every queue in `m`'s qtable. */
export function unlinkAll(cfg: Config, s: State, m: MdevName): State {
  for (const [a, d] of linkedApqns(s, m)) s = unlink(cfg, s, a, d);
  return s;
}
