/**
 * linux-2025: the host AP configuration callbacks of vfio_ap_ops.c @9b44fff6 (vfio_ap_on_cfg_changed(),
 * vfio_ap_ops.c:2804-2817, and vfio_ap_on_scan_complete(), vfio_ap_ops.c:2849-2869). The guests_lock, kvm->lock and
 * mdevs_lock they take are beyond the model, except that taking `matrix_mdev->kvm->lock` dereferences matrix_mdev->kvm,
 * which may be NULL.
 */
import { and, EMPTY, ids, minus, type Mask } from '../../bits.ts';
import { deref } from '../../blocks/events.ts';
import { filterCdoms } from '../../blocks/filter.ts';
import { mdevOf } from '../../blocks/queries.ts';
import { answer } from '../../blocks/reset.ts';
import { patchMdev, setShadow, updateApcb } from '../../blocks/update.ts';
import type { Config } from '../../policy.ts';
import type { Matrix, MdevName, State } from '../../state.ts';
import { EMPTY_MATRIX, patchState } from '../../state.ts';
import { filterMatrix, resetQueuesForApids } from './matrix.ts';
import { mdevList } from './table.ts';

/**
 * mutex_lock(&matrix_mdev->kvm->lock) with no check of matrix_mdev->kvm (vfio_ap_ops.c:2609 in cfg_remove, 2824 in
 * hot_plug_cfg): an oops for an mdev without a guest.
 */
export const lockKvm = (s: State, m: MdevName): string =>
  deref(s, mdevOf(s, m).kvm, `matrix_mdev->kvm of ${m} (mutex_lock(&matrix_mdev->kvm->lock))`);

/**
 * vfio_ap_mdev_hot_unplug_cfg(), vfio_ap_ops.c:2557-2583: each non-empty removal mask is cleared from the shadow with
 * bitmap_andnot(), and do_hotplug ORs in bitmap_andnot()'s return value: whether the shadow mask is non-empty
 * afterwards (not whether it changed). The APCB is updated only if do_hotplug.
 */
export function hotUnplugCfg(cfg: Config, s: State, m: MdevName, aprem: Mask, aqrem: Mask, cdrem: Mask): State {
  const sh = { ...(mdevOf(s, m).shadow ?? EMPTY_MATRIX) };
  let doHotplug = false;
  if (aprem !== 0) {
    sh.apm = minus(sh.apm, aprem);
    doHotplug ||= sh.apm !== 0;
  }
  if (aqrem !== 0) {
    sh.aqm = minus(sh.aqm, aqrem);
    doHotplug ||= sh.aqm !== 0;
  }
  if (cdrem !== 0) {
    sh.adm = minus(sh.adm, cdrem);
    doHotplug ||= sh.adm !== 0;
  }
  s = setShadow(s, m, sh);
  return doHotplug ? updateApcb(cfg, s, m) : s;
}

/**
 * vfio_ap_mdev_cfg_remove(), vfio_ap_ops.c:2598-2629: for every mdev of the list, lock its KVM (dereferenced
 * unchecked), then aprem := removed ∩ matrix.apm, aqrem := removed ∩ matrix.aqm, but cdrem := removed control domains
 * NOT in matrix.adm (bitmap_andnot); do_remove accumulates over the mdevs and is never reset; hot_unplug_cfg if it is
 * set.
 */
export function cfgRemove(cfg: Config, s: State, rem: Matrix): State {
  let doRemove = false;
  for (const m of mdevList(s)) {
    lockKvm(s, m);
    const x = mdevOf(s, m).matrix;
    const aprem = and(rem.apm, x.apm);
    const aqrem = and(rem.aqm, x.aqm);
    const cdrem = minus(rem.adm, x.adm);
    doRemove ||= aprem !== 0 || aqrem !== 0 || cdrem !== 0;
    if (doRemove) s = hotUnplugCfg(cfg, s, m, aprem, aqrem, cdrem);
  }
  return s;
}

/**
 * vfio_ap_filter_apid_by_qtype(), vfio_ap_ops.c:2670-2726: an added APID leaves apm_add when TAPQ of one of its added
 * APQNs answers anything but normal, reset in progress, deconfigured, checkstopped or busy (every modelled adapter is
 * CEX4+).
 */
export function filterApidByQtype(cfg: Config, s: State, apm: Mask, aqm: Mask): Mask {
  let out = apm;
  for (const a of ids(apm)) {
    for (const d of ids(aqm)) if (answer(cfg, s, a, d).status === 'failed') out = minus(out, (1 << a) as Mask);
  }
  return out;
}

/**
 * vfio_ap_mdev_cfg_add(), vfio_ap_ops.c:2741-2759: nothing without mdevs; filter the added APIDs by type; every mdev's
 * apm_add / aqm_add / adm_add := its matrix ∩ the added (the model keeps the three as `pending`, null when all empty).
 */
export function cfgAdd(cfg: Config, s: State, addd: Matrix): State {
  if (Object.keys(s.mdevs).length === 0) return s;
  const apm = filterApidByQtype(cfg, s, addd.apm, addd.aqm);
  for (const m of mdevList(s)) {
    const x = mdevOf(s, m).matrix;
    const p: Matrix = { apm: and(x.apm, apm), aqm: and(x.aqm, addd.aqm), adm: and(x.adm, addd.adm) };
    s = patchMdev(s, m, { pending: (p.apm | p.aqm | p.adm) !== 0 ? p : null });
  }
  return s;
}

/**
 * vfio_ap_on_cfg_changed(), vfio_ap_ops.c:2804-2817: vfio_ap_mdev_on_cfg_remove(), vfio_ap_ops.c:2639-2662 (cfg_remove
 * if anything left the configuration), then vfio_ap_mdev_on_cfg_add(), vfio_ap_ops.c:2772-2795 (cfg_add if anything
 * came), then matrix_dev->info := the new configuration.
 */
export function onConfigChanged(cfg: Config, s: State, qci: Matrix, old: Matrix): State {
  const rem: Matrix = { apm: minus(old.apm, qci.apm), aqm: minus(old.aqm, qci.aqm), adm: minus(old.adm, qci.adm) };
  if ((rem.apm | rem.aqm | rem.adm) !== 0) s = cfgRemove(cfg, s, rem);
  const addd: Matrix = { apm: minus(qci.apm, old.apm), aqm: minus(qci.aqm, old.aqm), adm: minus(qci.adm, old.adm) };
  if ((addd.apm | addd.aqm | addd.adm) !== 0) s = cfgAdd(cfg, s, addd);
  return patchState(s, { info: qci });
}

/**
 * vfio_ap_mdev_hot_plug_cfg(), vfio_ap_ops.c:2819-2847: lock the KVM (dereferenced unchecked); filter_matrix if matrix
 * ∩ apm_add or aqm_add, filter_cdoms if matrix ∩ adm_add; update the APCB if either changed; reset_queues_for_apids(),
 * vfio_ap_ops.c:1022-1037, runs in every case, on apm_filtered, which is uninitialised stack memory when filter_matrix
 * did not run (the model takes it as empty).
 */
export function hotPlugCfg(cfg: Config, s: State, m: MdevName, p: Matrix): State {
  lockKvm(s, m);
  const x = mdevOf(s, m).matrix;
  let doHotplug = false;
  let filtered = EMPTY;
  if (and(x.apm, p.apm) !== 0 || and(x.aqm, p.aqm) !== 0) {
    const f = filterMatrix(cfg, s, m);
    s = f.state;
    doHotplug = f.changed;
    filtered = f.filtered;
  }
  if (and(x.adm, p.adm) !== 0) {
    const c = filterCdoms(cfg, s, m);
    s = c.state;
    doHotplug ||= c.changed;
  }
  if (doHotplug) s = updateApcb(cfg, s, m);
  return resetQueuesForApids(cfg, s, m, filtered);
}

/**
 * vfio_ap_on_scan_complete(), vfio_ap_ops.c:2849-2869: every mdev of the list with an add mask set: hot_plug_cfg, then
 * clear the masks.
 */
export function onScanComplete(cfg: Config, s: State, _qci: Matrix, _old: Matrix): State {
  for (const m of mdevList(s)) {
    const p = mdevOf(s, m).pending;
    if (p === null) continue;
    s = hotPlugCfg(cfg, s, m, p);
    s = patchMdev(s, m, { pending: null });
  }
  return s;
}
