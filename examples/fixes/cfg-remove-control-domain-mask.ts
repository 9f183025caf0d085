/**
 * Fix for linux-2025 (docs/findings/cfg-remove-control-domain-mask.md): vfio_ap_mdev_cfg_remove() computes the
 * control domains to unplug as removed ∩ matrix.adm (`bitmap_and(cdrem, cd_remove, matrix_mdev->matrix.adm, ...)`)
 * like the adapters and domains, instead of bitmap_andnot(), as 6b8a02e216f6 ("s390/vfio-ap: Fix control domain
 * removal in vfio_ap_mdev_cfg_remove", kvms390, Aug 2026) does. Everything else stays as shipped, the unchecked
 * matrix_mdev->kvm->lock included.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/cfg-remove-control-domain-mask.ts \
 *     --property guest-control-domains-allowed
 */
import type * as Apmc from 'apmc';
import type { Config, Matrix, State } from 'apmc';

export default ({ extend, linux2025, linux2025Parts: c, bits, mdevOf, patchState }: typeof Apmc) => {
  const gone = (a: Matrix, b: Matrix): Matrix => ({
    apm: bits.minus(a.apm, b.apm),
    aqm: bits.minus(a.aqm, b.aqm),
    adm: bits.minus(a.adm, b.adm),
  });

  // vfio_ap_mdev_cfg_remove() with cdrem := cd_remove ∩ matrix.adm; the rest of the loop as shipped.
  function cfgRemove(cfg: Config, s: State, rem: Matrix): State {
    let doRemove = false;
    for (const m of c.mdevList(s)) {
      c.lockKvm(s, m);
      const x = mdevOf(s, m).matrix;
      const aprem = bits.and(rem.apm, x.apm);
      const aqrem = bits.and(rem.aqm, x.aqm);
      const cdrem = bits.and(rem.adm, x.adm);
      doRemove ||= aprem !== 0 || aqrem !== 0 || cdrem !== 0;
      if (doRemove) s = c.hotUnplugCfg(cfg, s, m, aprem, aqrem, cdrem);
    }
    return s;
  }

  // vfio_ap_on_cfg_changed(): as shipped, calling the fixed cfg_remove.
  function onConfigChanged(cfg: Config, s: State, qci: Matrix, old: Matrix): State {
    const rem = gone(old, qci);
    if ((rem.apm | rem.aqm | rem.adm) !== 0) s = cfgRemove(cfg, s, rem);
    const addd = gone(qci, old);
    if ((addd.apm | addd.aqm | addd.adm) !== 0) s = c.cfgAdd(cfg, s, addd);
    return patchState(s, { info: qci });
  }

  return extend(linux2025, {
    name: 'linux-2025+cfg-remove-control-domain-mask',
    summary: 'linux-2025, but cfg_remove unplugs the removed control domains that are assigned (6b8a02e216f6)',
    on_config_changed: onConfigChanged,
  });
};
