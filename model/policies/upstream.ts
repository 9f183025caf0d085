/**
 * `upstream`: vfio_ap as of 6.8 and newer (D1+ with ap_config and the 2025 request behaviour), spec §8.
 * Every callback is built from the public building blocks; the pieces are exported so that other
 * policies (d0, a reviewer's variant) can reuse them.
 */
import { add, and, del, has, ids, MAX_ID, minus, of, type Mask } from '../bits.ts';
import { filterCdoms, filterMatrix } from '../blocks/filter.ts';
import { linkAll, unlink } from '../blocks/link.ts';
import { attachGuest, createMdev, deleteMdev, detachGuest, resourceInUse, type SharingWords } from '../blocks/mdev.ts';
import { logLine } from '../blocks/events.ts';
import { isLinked, mdevOf, ownerOf, queueAt } from '../blocks/queries.ts';
import { resetApids, resetLinked, resetList, resetQueue, vfioResetLinked } from '../blocks/reset.ts';
import { patchMdev, setCrycb, setMatrix, setShadow, unplugAdapterOf, updateApcb } from '../blocks/update.ts';
import { checkNotReserved, idError, maxId, validateLogged } from '../blocks/validate.ts';
import type { Resource } from '../ops.ts';
import type { Config, Effect, MatrixIds, Outcome, Policy } from '../policy.ts';
import { busZapq } from '../bus.ts';
import { queueStatus } from '../observe.ts';
import type { Matrix, MdevName, State } from '../state.ts';
import { EMPTY_MATRIX, patchState } from '../state.ts';

/** After a change that may admit resources: full filter; if the shadow changed, plug and reset what was dropped. */
export function refilter(cfg: Config, s: State, m: MdevName): State {
  const f = filterMatrix(cfg, s, m);
  if (!f.changed) return f.state;
  return resetApids(cfg, updateApcb(cfg, f.state, m), m, f.filtered);
}

/**
 * assign_adapter / assign_domain (spec §8.3): ENODEV above the maximum; an assigned id is a no-op;
 * validate the whole new matrix (EADDRNOTAVAIL, EADDRINUSE with a log line per shared APQN, in `words`);
 * link the new row/column; then `admit`.
 */
export function assignUsage(
  cfg: Config,
  s: State,
  m: MdevName,
  res: 'adapter' | 'domain',
  id: number,
  admit: (cfg: Config, s: State, m: MdevName) => State,
  words: SharingWords = '2025',
): Effect {
  const e = idError(cfg, res, id);
  if (e) return e;
  const x = mdevOf(s, m).matrix;
  if (has(res === 'adapter' ? x.apm : x.aqm, id)) return s;
  const matrix = res === 'adapter' ? { ...x, apm: add(x.apm, id) } : { ...x, aqm: add(x.aqm, id) };
  const v = validateLogged(s, m, matrix.apm, matrix.aqm, words);
  if (v) return v;
  s = setMatrix(s, m, matrix);
  s = res === 'adapter' ? linkAll(cfg, s, m, [id], ids(matrix.aqm)) : linkAll(cfg, s, m, ids(matrix.apm), [id]);
  return admit(cfg, s, m);
}

/** assign_control_domain: ENODEV; no-op if set; set; filter_cdoms and plug. No mask, sharing or reset check. */
export function assignControlDomain(cfg: Config, s: State, m: MdevName, id: number): Outcome {
  const e = idError(cfg, 'control_domain', id);
  if (e) return e;
  const x = mdevOf(s, m).matrix;
  if (has(x.adm, id)) return s;
  s = setMatrix(s, m, { ...x, adm: add(x.adm, id) });
  const c = filterCdoms(cfg, s, m);
  return c.changed ? updateApcb(cfg, c.state, m) : c.state;
}

/**
 * Hot unplug of an adapter (domain) `id` whose row (column) runs over `others` (spec §8.3 unassign,
 * ap_config step 4): unlink its linked queues, drop it from the shadow and plug the CRYCB, then
 * reset the queues the guest had. The matrix is not touched here. Nothing is re-filtered.
 */
export function hotUnplug(
  cfg: Config,
  s: State,
  m: MdevName,
  res: 'adapter' | 'domain',
  id: number,
  others: Mask,
): State {
  const sh = mdevOf(s, m).shadow;
  const toReset: [number, number][] = [];
  for (const o of ids(others)) {
    const [a, d] = res === 'adapter' ? [id, o] : [o, id];
    if (!isLinked(cfg, s, m, a, d)) continue;
    s = unlink(cfg, s, a, d);
    if (sh && has(sh.apm, a) && has(sh.aqm, d)) toReset.push([a, d]);
  }
  if (sh && has(res === 'adapter' ? sh.apm : sh.aqm, id)) {
    s = setShadow(s, m, res === 'adapter' ? { ...sh, apm: del(sh.apm, id) } : { ...sh, aqm: del(sh.aqm, id) });
    s = updateApcb(cfg, s, m);
  }
  return resetList(cfg, s, toReset);
}

/** A hot unplug of adapter (domain) `id` whose row (column) ran over `others` (the matrix's aqm or apm before). */
export type Unplug = (cfg: Config, s: State, m: MdevName, res: 'adapter' | 'domain', id: number, others: Mask) => State;

/** unassign_* (spec §8.3): ENODEV; no-op if not assigned; clear it; hot unplug. No re-filter. */
export const unassign = (cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome =>
  unassignWith(hotUnplug)(cfg, s, m, res, id);

/** unassign_* with the hot unplug `unplug`: the store functions are the same in every D1+ kernel. */
export const unassignWith =
  (unplug: Unplug) =>
  (cfg: Config, s: State, m: MdevName, res: Resource, id: number): Outcome => {
    const e = idError(cfg, res, id);
    if (e) return e;
    const x = mdevOf(s, m);
    if (res === 'control_domain') {
      if (!has(x.matrix.adm, id)) return s;
      s = setMatrix(s, m, { ...x.matrix, adm: del(x.matrix.adm, id) });
      if (!x.shadow || !has(x.shadow.adm, id)) return s;
      return updateApcb(cfg, setShadow(s, m, { ...x.shadow, adm: del(x.shadow.adm, id) }), m);
    }
    const isA = res === 'adapter';
    if (!has(isA ? x.matrix.apm : x.matrix.aqm, id)) return s;
    s = setMatrix(
      s,
      m,
      isA ? { ...x.matrix, apm: del(x.matrix.apm, id) } : { ...x.matrix, aqm: del(x.matrix.aqm, id) },
    );
    return unplug(cfg, s, m, res, id, isA ? x.matrix.aqm : x.matrix.apm);
  };

/** The ids the model's masks can hold; ids above MAX_ID only matter to the checks below. */
const toMask = (list: readonly number[]): Mask => of(...list.filter((id) => id <= MAX_ID));
const anyHigh = (list: readonly number[]): boolean => list.some((id) => id > MAX_ID);

/** The ap_config write (6.10+, spec §8.3): all or nothing; EINVAL → EADDRNOTAVAIL → EADDRINUSE → ENODEV. */
export function apConfig(cfg: Config, s: State, m: MdevName, w: MatrixIds): Effect {
  const next: Matrix = { apm: toMask(w.apm), aqm: toMask(w.aqm), adm: toMask(w.adm) };
  // No other mdev can hold an id above the maximum, so sharing needs only the modelled ids.
  const v =
    checkNotReserved(s, next.apm, next.aqm, anyHigh(w.apm), anyHigh(w.aqm)) ?? validateLogged(s, m, next.apm, next.aqm);
  if (v) return v;
  const over = (list: readonly number[], res: Resource) => list.some((id) => id > maxId(cfg, res));
  if (over(w.apm, 'adapter') || over(w.aqm, 'domain') || over(w.adm, 'control_domain')) return 'ENODEV';
  const old = mdevOf(s, m).matrix;
  for (const a of ids(minus(old.apm, next.apm))) s = hotUnplug(cfg, s, m, 'adapter', a, old.aqm);
  for (const d of ids(minus(old.aqm, next.aqm))) s = hotUnplug(cfg, s, m, 'domain', d, old.apm);
  s = setMatrix(s, m, next);
  s = linkAll(cfg, s, m, ids(minus(next.apm, old.apm)), ids(next.aqm));
  s = linkAll(cfg, s, m, ids(next.apm), ids(minus(next.aqm, old.aqm)));
  const f = filterMatrix(cfg, s, m);
  const c = filterCdoms(cfg, f.state, m);
  if (!f.changed && !c.changed) return c.state;
  return resetApids(cfg, updateApcb(cfg, c.state, m), m, f.filtered);
}

/** Queue probe (spec §8.5): link to the mdev whose matrix holds it; filter unless a scan has adds pending. */
export function probe(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = ownerOf(s, apid, apqi);
  if (m === null) return s;
  s = linkAll(cfg, s, m, [apid], [apqi]);
  const p = mdevOf(s, m).pending;
  if (p && (p.apm !== 0 || p.aqm !== 0)) return s;
  return refilter(cfg, s, m);
}

/**
 * Queue remove (spec §8.5): a queue in the shadow takes its whole adapter out of the guest and the
 * adapter's linked queues are reset; otherwise the queue alone is reset if still in the host config.
 * Then unlink. No re-filter.
 */
export function removeQueue(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = queueAt(cfg, s, apid, apqi)?.link ?? null;
  const u = m !== null && s.mdevs[m] ? unplugAdapterOf(cfg, s, m, apid, apqi) : { state: s, unplugged: false };
  s = u.state;
  if (u.unplugged) s = resetApids(cfg, s, m!, of(apid));
  else if (has(s.info.apm, apid) && has(s.info.aqm, apqi)) s = resetQueue(cfg, s, apid, apqi);
  return m !== null ? unlink(cfg, s, apid, apqi) : s;
}

/**
 * on_config_changed (spec §8.6): drop removed resources from every shadow (no reset, no filter; the
 * matrix keeps them), record each mdev's pending adds, then info := the new QCI.
 */
export function onConfigChanged(cfg: Config, s: State, qci: Matrix, old: Matrix): State {
  const rem: Matrix = { apm: minus(old.apm, qci.apm), aqm: minus(old.aqm, qci.aqm), adm: minus(old.adm, qci.adm) };
  const addd: Matrix = { apm: minus(qci.apm, old.apm), aqm: minus(qci.aqm, old.aqm), adm: minus(qci.adm, old.adm) };
  for (const m of Object.keys(s.mdevs)) {
    const x = mdevOf(s, m);
    if (x.shadow && (rem.apm | rem.aqm | rem.adm) !== 0) {
      const sh: Matrix = {
        apm: minus(x.shadow.apm, and(rem.apm, x.matrix.apm)),
        aqm: minus(x.shadow.aqm, and(rem.aqm, x.matrix.aqm)),
        adm: minus(x.shadow.adm, and(rem.adm, x.matrix.adm)),
      };
      if (sh.apm !== x.shadow.apm || sh.aqm !== x.shadow.aqm || sh.adm !== x.shadow.adm) {
        s = updateApcb(cfg, setShadow(s, m, sh), m);
      }
    }
    const p: Matrix = {
      apm: and(addd.apm, x.matrix.apm),
      aqm: and(addd.aqm, x.matrix.aqm),
      adm: and(addd.adm, x.matrix.adm),
    };
    s = patchMdev(s, m, { pending: (p.apm | p.aqm | p.adm) !== 0 ? p : null });
  }
  return patchState(s, { info: qci });
}

/** on_scan_complete (spec §8.6): for each mdev with pending adds, full filter / filter_cdoms, plug, reset, clear. */
export function onScanComplete(cfg: Config, s: State, _qci: Matrix, _old: Matrix): State {
  for (const m of Object.keys(s.mdevs)) {
    const x = mdevOf(s, m);
    const p = x.pending;
    if (p === null) continue;
    let changed = false;
    let filtered = 0 as Mask;
    if ((and(p.apm, x.matrix.apm) | and(p.aqm, x.matrix.aqm)) !== 0) {
      const f = filterMatrix(cfg, s, m);
      s = f.state;
      changed = f.changed;
      filtered = f.filtered;
    }
    if (and(p.adm, x.matrix.adm) !== 0) {
      const c = filterCdoms(cfg, s, m);
      s = c.state;
      changed ||= c.changed;
    }
    if (changed) s = resetApids(cfg, updateApcb(cfg, s, m), m, filtered);
    s = patchMdev(s, m, { pending: null });
  }
  return s;
}

/**
 * mdev remove (spec §8.3, vfio_ap_mdev_remove). While the VFIO device is open the vfio core waits
 * (vfio_unregister_group_dev) and calls `request`: only mark the mdev `removing`; the guest's close
 * completes it. Not open: reset the linked queues, unlink them, delete the mdev.
 */
export function removeMdev(cfg: Config, s: State, m: MdevName): Outcome {
  const x = mdevOf(s, m);
  if (x.open) return x.removing ? s : patchMdev(s, m, { removing: true });
  return deleteMdev(cfg, resetLinked(cfg, s, m), m);
}

/**
 * The remove request relayed to QEMU (vfio_ap_mdev_request, 6.5+): the notice the kernel prints for
 * count 0 and every 10th call, with the request eventfd QEMU registers. The model keeps no count:
 * every modelled request prints it.
 */
export const relayRequest = (s: State, m: MdevName): State =>
  logLine(s, 'notice', 'Relaying device request to user', { mdev: m });

/**
 * The 2025 request (vfio_ap_mdev_request): if a KVM is attached, clear its CRYCB at once
 * (kvm_arch_crypto_clear_masks; shadow, hook and kvm unchanged; the cfg-change eventfd is signalled),
 * then relay the request to QEMU.
 */
export function request(_cfg: Config, s: State, m: MdevName): State {
  const vm = mdevOf(s, m).kvm;
  if (vm !== null) s = setCrycb(s, vm, EMPTY_MATRIX);
  return relayRequest(s, m);
}

/** Guest detach (spec §8.4): clear the hook and the CRYCB, reset every linked queue, m.kvm = null; shadow kept. */
export const detach = (cfg: Config, s: State, m: MdevName): State => {
  const vm = mdevOf(s, m).kvm;
  if (vm === null) return s;
  s = detachGuest(s, m);
  return resetLinked(cfg, s, m);
};

export const upstream = {
  name: 'upstream',
  summary: 'Linux 6.8+ (D1+): always filter the entire matrix, reset what leaves the guest, ap_config',
  // §9 _queue_passable: the stored response is normal, deconfigured or checkstopped (2024+); never in progress.
  passable: (r) => r === 'normal' || r === 'deconfigured' || r === 'checkstopped',
  probe,
  remove: removeQueue,
  bus_remove: busZapq,
  driver_override: null,
  mask_write_refused: null,
  status: (_cfg, s, apid, apqi) => queueStatus(s, apid, apqi),
  in_use: (cfg, s, apm, aqm) => resourceInUse(cfg, s, apm, aqm),
  on_config_changed: onConfigChanged,
  on_scan_complete: onScanComplete,
  create: (cfg, s, m) => createMdev(cfg, s, m, 'EUSERS', true),
  remove_mdev: removeMdev,
  assign: (cfg, s, m, res, id) =>
    res === 'control_domain' ? assignControlDomain(cfg, s, m, id) : assignUsage(cfg, s, m, res, id, refilter),
  unassign,
  ap_config: apConfig,
  attach: (_cfg, s, m, vm) => attachGuest(s, m, vm, mdevOf(s, m).shadow ?? EMPTY_MATRIX),
  detach,
  reset: vfioResetLinked,
  request,
  // The KVM is bound at open_device (vdev->kvm): there is no notifier.
  kvm_gone: null,
} satisfies Policy;
