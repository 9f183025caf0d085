import { has, ids, intersects, type Mask } from '../bits.ts';
import type { Config } from '../policy.ts';
import { qix } from '../scope.ts';
import type { Driver, Matrix, Mdev, MdevName, QueueDev, State } from '../state.ts';

/** The queue device of APQN (apid, apqi), or null (outside the scope, or not registered on the bus). */
export function queueAt(cfg: Config, s: State, apid: number, apqi: number): QueueDev | null {
  if (apid < 0 || apqi < 0 || apid >= cfg.scope.adapters || apqi >= cfg.scope.domains) return null;
  return s.queues[qix(cfg.scope, apid, apqi)] ?? null;
}

/** `bound(a,d,X)` of spec §3. */
export const isBound = (cfg: Config, s: State, apid: number, apqi: number, driver: Driver): boolean =>
  queueAt(cfg, s, apid, apqi)?.driver === driver;

/** `defOwned(a,d)` of spec §3: the masks reserve the APQN for the default driver. */
export const defOwned = (s: State, apid: number, apqi: number): boolean =>
  has(s.bus.apmask, apid) && has(s.bus.aqmask, apqi);

/** The driver the ownership rule (spec §4.1) lets a queue bind to. */
export const maskDriver = (s: State, apid: number, apqi: number): Driver =>
  defOwned(s, apid, apqi) ? 'cex4queue' : 'vfio_ap';

/** The queue is bound to vfio_ap and its back-pointer names `m`. */
export function isLinked(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): boolean {
  const q = queueAt(cfg, s, apid, apqi);
  return q !== null && q.driver === 'vfio_ap' && q.link === m;
}

/** Linked to `m` and its stored reset status passes the policy's `passable` (spec §3, §10 `Q(m)`). */
export function isUsable(cfg: Config, s: State, m: MdevName, apid: number, apqi: number): boolean {
  const q = queueAt(cfg, s, apid, apqi);
  return q !== null && q.driver === 'vfio_ap' && q.link === m && cfg.policy.passable(q.reset);
}

/** The mdev named `m`; callers have checked that it exists. */
export function mdevOf(s: State, m: MdevName): Mdev {
  const x = s.mdevs[m];
  if (x === undefined) throw new Error(`internal: no mdev ${m}`);
  return x;
}

/** The mdev whose matrix holds the APQN (at most one while I1 holds), as get_update_locks_by_apqn finds it. */
export function ownerOf(s: State, apid: number, apqi: number): MdevName | null {
  for (const name in s.mdevs) {
    const m = s.mdevs[name]!;
    if (has(m.matrix.apm, apid) && has(m.matrix.aqm, apqi)) return name;
  }
  return null;
}

/** The other mdevs whose matrix shares an APQN with apm × aqm (vfio_ap_mdev_verify_no_sharing). */
export function sharers(s: State, m: MdevName, apm: Mask, aqm: Mask): MdevName[] {
  const out: MdevName[] = [];
  for (const name in s.mdevs) {
    if (name === m) continue;
    const o = s.mdevs[name]!;
    if (intersects(o.matrix.apm, apm) && intersects(o.matrix.aqm, aqm)) out.push(name);
  }
  return out;
}

/** The mdev attached to VM `vm`, if any. */
export function mdevOfVm(s: State, vm: string): MdevName | null {
  for (const name in s.mdevs) if (s.mdevs[name]!.kvm === vm) return name;
  return null;
}

/** Every APQN of apm × aqm, APID-major, as [apid, apqi] pairs. */
export function apqns(m: Pick<Matrix, 'apm' | 'aqm'>): [number, number][] {
  const out: [number, number][] = [];
  const ds = ids(m.aqm);
  for (const a of ids(m.apm)) for (const d of ds) out.push([a, d]);
  return out;
}
