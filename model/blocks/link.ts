import { add, del, has, ids } from '../bits.ts';
import type { Config } from '../policy.ts';
import { qix } from '../scope.ts';
import type { MdevName, State } from '../state.ts';
import { patchQueue, setQueue } from '../state.ts';
import { patchMdev } from './update.ts';
import { mdevOf, queueAt } from './queries.ts';

/**
 * vfio_ap_mdev_link_queue(): if queue (apid, apqi) is bound to vfio_ap, link it to `m`, both halves
 * (the mdev's qtable and the queue's back-pointer). Linking an already-linked queue is a no-op (spec §8.2).
 */
export function link(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return s;
  const x = mdevOf(s, m);
  if (q.link === m && has(x.qtable[apid]!, apqi)) return s;
  if (q.link !== null && q.link !== m && s.mdevs[q.link]) s = unlink(cfg, s, apid, apqi);
  const qtable = x.qtable.slice();
  qtable[apid] = add(qtable[apid]!, apqi);
  s = patchMdev(s, m, { qtable });
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { link: m }));
}

/** vfio_ap_unlink_queue_fr_mdev(): clear both halves of the queue's link, if it has one. */
export function unlink(cfg: Config, s: State, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.link === null) return s;
  const owner = s.mdevs[q.link];
  if (owner && has(owner.qtable[apid]!, apqi)) {
    const qtable = owner.qtable.slice();
    qtable[apid] = del(qtable[apid]!, apqi);
    s = patchMdev(s, q.link, { qtable });
  }
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { link: null }));
}

/** Link every queue of apm × aqm to `m` (vfio_ap_mdev_link_adapter / _link_domain / _link_apqn). */
export function linkAll(cfg: Config, s: State, m: MdevName, apm: number[], aqm: number[]): State {
  for (const a of apm) for (const d of aqm) s = link(cfg, s, m, a, d);
  return s;
}

/** The APQNs linked to `m` according to its qtable (the mdev's half of the links). */
export function linkedApqns(s: State, m: MdevName): [number, number][] {
  const out: [number, number][] = [];
  mdevOf(s, m).qtable.forEach((domains, a) => {
    for (const d of ids(domains)) out.push([a, d]);
  });
  return out;
}

/** Unlink every queue in `m`'s qtable. */
export function unlinkAll(cfg: Config, s: State, m: MdevName): State {
  for (const [a, d] of linkedApqns(s, m)) s = unlink(cfg, s, a, d);
  return s;
}
