/**
 * The proposed fix for docs/findings/hot-unplug-cfg-last-adapter.md, against linux-2025 (vfio_ap_ops.c
 * @9b44fff6, the same in intel-lab-lkp/linux f7634412). Upstream fixed it in Aug 2026: "s390/vfio-ap: Fix
 * hot-unplug skipped when last AP adapter or domain removed" (kvms390 tree, 917f509bfb88); its diff was not
 * read, so this file follows its subject.
 *
 * vfio_ap_mdev_hot_unplug_cfg() ORs into do_hotplug what bitmap_andnot() returns: whether the shadow mask is
 * non-empty after the removal, not whether a bit was cleared. A host configuration change that removes the
 * last adapter (domain, control domain) of a guest's shadow leaves do_hotplug false: the shadow shrinks, the
 * guest's CRYCB keeps the removed resource. The fix: do_hotplug when the removal clears a bit of the shadow.
 * Re-stated here: vfio_ap_mdev_hot_unplug_cfg() and its callers up to the callback, vfio_ap_mdev_cfg_remove()
 * (as shipped, its own defects included) and vfio_ap_on_cfg_changed(); everything else is linux-2025's.
 *
 *   apmc explain --policy ./examples/fixes/hot-unplug-cfg-last-adapter.ts --property crycb-equals-guest-matrix \
 *     docs/findings/hot-unplug-cfg-last-adapter.json
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/hot-unplug-cfg-last-adapter.ts
 */
import type * as Apmc from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, linux2025, linux2025Parts: L, bits, EMPTY_MATRIX, mdevOf, setShadow, updateApcb, patchState } = api;
  type Cfg = Apmc.Config;
  type St = Apmc.State;
  type Mx = Apmc.Matrix;

  /** vfio_ap_mdev_hot_unplug_cfg(), fixed: each removal mask leaves the shadow; do_hotplug if a bit left it. */
  function hotUnplugCfg(cfg: Cfg, s: St, m: string, aprem: Apmc.Mask, aqrem: Apmc.Mask, cdrem: Apmc.Mask): St {
    const sh = { ...(mdevOf(s, m).shadow ?? EMPTY_MATRIX) };
    // The fix: the bits cleared decide, not bitmap_andnot()'s "result non-empty".
    const doHotplug = bits.and(sh.apm, aprem) !== 0 || bits.and(sh.aqm, aqrem) !== 0 || bits.and(sh.adm, cdrem) !== 0;
    sh.apm = bits.minus(sh.apm, aprem);
    sh.aqm = bits.minus(sh.aqm, aqrem);
    sh.adm = bits.minus(sh.adm, cdrem);
    s = setShadow(s, m, sh);
    return doHotplug ? updateApcb(cfg, s, m) : s;
  }

  /** vfio_ap_mdev_cfg_remove() as shipped (unchecked kvm lock, do_remove never reset, cdrem by andnot). */
  function cfgRemove(cfg: Cfg, s: St, rem: Mx): St {
    let doRemove = false;
    for (const m of L.mdevList(s)) {
      L.lockKvm(s, m);
      const x = mdevOf(s, m).matrix;
      const aprem = bits.and(rem.apm, x.apm);
      const aqrem = bits.and(rem.aqm, x.aqm);
      const cdrem = bits.minus(rem.adm, x.adm);
      doRemove ||= aprem !== 0 || aqrem !== 0 || cdrem !== 0;
      if (doRemove) s = hotUnplugCfg(cfg, s, m, aprem, aqrem, cdrem);
    }
    return s;
  }

  /** vfio_ap_on_cfg_changed() as shipped: cfg_remove, cfg_add, then matrix_dev->info := the new configuration. */
  const onConfigChanged: Apmc.Policy['on_config_changed'] = (cfg, s, qci, old) => {
    const rem = {
      apm: bits.minus(old.apm, qci.apm),
      aqm: bits.minus(old.aqm, qci.aqm),
      adm: bits.minus(old.adm, qci.adm),
    };
    if ((rem.apm | rem.aqm | rem.adm) !== 0) s = cfgRemove(cfg, s, rem);
    const add = {
      apm: bits.minus(qci.apm, old.apm),
      aqm: bits.minus(qci.aqm, old.aqm),
      adm: bits.minus(qci.adm, old.adm),
    };
    if ((add.apm | add.aqm | add.adm) !== 0) s = L.cfgAdd(cfg, s, add);
    return patchState(s, { info: qci });
  };

  return extend(linux2025, {
    name: 'linux-2025+hot-unplug-cfg-last-adapter',
    summary: 'linux-2025, but a host removal that clears a bit of the shadow always updates the guest’s APCB',
    on_config_changed: onConfigChanged,
  });
};
