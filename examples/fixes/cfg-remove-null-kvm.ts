/**
 * Fix for linux-2025 (docs/findings/cfg-remove-null-kvm.md): vfio_ap_mdev_cfg_remove() and
 * vfio_ap_mdev_hot_plug_cfg() take matrix_mdev->kvm->lock only when matrix_mdev->kvm is set, as in
 * d50346801b4f ("s390/vfio-ap: Fix dereference matrix_mdev->kvm without checking for NULL", kvms390, Aug 2026).
 * The shadow of an mdev without a guest is still reduced and refiltered (update_guest_apcb checks kvm itself).
 * Everything else (the do_remove accumulation, the control-domain mask, the apm_filtered reset) stays as shipped.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/cfg-remove-null-kvm.ts --property no-kernel-warning
 */
import type * as Apmc from 'apmc';
import type { Config as Cfg, Matrix, MdevName, State } from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, linux2025, linux2025Parts: c, bits, mdevOf, filterCdoms, updateApcb, patchMdev, patchState } = api;
  const gone = (a: Matrix, b: Matrix): Matrix => ({
    apm: bits.minus(a.apm, b.apm),
    aqm: bits.minus(a.aqm, b.aqm),
    adm: bits.minus(a.adm, b.adm),
  });

  // vfio_ap_mdev_cfg_remove(): `if (matrix_mdev->kvm) mutex_lock(&matrix_mdev->kvm->lock);` (the lock is beyond
  // the model); the rest of the loop as shipped.
  function cfgRemove(cfg: Cfg, s: State, rem: Matrix): State {
    let doRemove = false;
    for (const m of c.mdevList(s)) {
      const x = mdevOf(s, m).matrix;
      const aprem = bits.and(rem.apm, x.apm);
      const aqrem = bits.and(rem.aqm, x.aqm);
      const cdrem = bits.minus(rem.adm, x.adm);
      doRemove ||= aprem !== 0 || aqrem !== 0 || cdrem !== 0;
      if (doRemove) s = c.hotUnplugCfg(cfg, s, m, aprem, aqrem, cdrem);
    }
    return s;
  }

  // vfio_ap_on_cfg_changed(): as shipped, calling the fixed cfg_remove.
  function onConfigChanged(cfg: Cfg, s: State, qci: Matrix, old: Matrix): State {
    const rem = gone(old, qci);
    if ((rem.apm | rem.aqm | rem.adm) !== 0) s = cfgRemove(cfg, s, rem);
    const addd = gone(qci, old);
    if ((addd.apm | addd.aqm | addd.adm) !== 0) s = c.cfgAdd(cfg, s, addd);
    return patchState(s, { info: qci });
  }

  // vfio_ap_mdev_hot_plug_cfg(): `if (matrix_mdev->kvm) mutex_lock(&matrix_mdev->kvm->lock);`, the rest as shipped.
  function hotPlugCfg(cfg: Cfg, s: State, m: MdevName, p: Matrix): State {
    const x = mdevOf(s, m).matrix;
    let doHotplug = false;
    let filtered = bits.EMPTY;
    if (bits.and(x.apm, p.apm) !== 0 || bits.and(x.aqm, p.aqm) !== 0) {
      const f = c.filterMatrix(cfg, s, m);
      s = f.state;
      doHotplug = f.changed;
      filtered = f.filtered;
    }
    if (bits.and(x.adm, p.adm) !== 0) {
      const r = filterCdoms(cfg, s, m);
      s = r.state;
      doHotplug ||= r.changed;
    }
    if (doHotplug) s = updateApcb(cfg, s, m);
    return c.resetQueuesForApids(cfg, s, m, filtered);
  }

  // vfio_ap_on_scan_complete(): as shipped, calling the fixed hot_plug_cfg.
  function onScanComplete(cfg: Cfg, s: State, _qci: Matrix, _old: Matrix): State {
    for (const m of c.mdevList(s)) {
      const p = mdevOf(s, m).pending;
      if (p === null) continue;
      s = patchMdev(hotPlugCfg(cfg, s, m, p), m, { pending: null });
    }
    return s;
  }

  return extend(linux2025, {
    name: 'linux-2025+cfg-remove-null-kvm',
    summary: 'linux-2025, but cfg_remove and hot_plug_cfg lock matrix_mdev->kvm only when it is set (d50346801b4f)',
    on_config_changed: onConfigChanged,
    on_scan_complete: onScanComplete,
  });
};
