/**
 * A patch against upstream, as a reviewer receives it: ap_config_store no longer hot-unplugs what a write
 * removes (vfio_ap_mdev_hot_unplug_adapters / _domains): after the same checks it installs the new matrix,
 * links what it adds and re-filters. The filter takes the removed adapters out of the guest, but their
 * queues stay linked to the mdev and are not reset: links-follow-assignment (I16) breaks at the write.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-ap-config-no-unplug.ts --observe all \
 *     examples/patch-ap-config-no-unplug.trace
 *
 *   apmc check --base upstream --policy ./examples/patch-ap-config-no-unplug.ts
 */
import type * as Apmc from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, upstream, upstreamParts, bits, MAX_ID, mdevOf, setMatrix, linkAll, filterMatrix } = api;
  const { filterCdoms, updateApcb, resetApids } = api;
  return extend(upstream, {
    name: 'patch-ap-config-no-unplug',
    summary: 'upstream, but an ap_config write does not hot-unplug the adapters and domains it removes',
    ap_config: (cfg, s, m, w) => {
      // The same checks in the same order: where upstream refuses the write, so does the patch.
      const checked = upstreamParts.apConfig(cfg, s, m, w);
      if (typeof checked === 'string') return checked;
      const mask = (list: readonly number[]) => bits.of(...list.filter((id) => id <= MAX_ID));
      const next = { apm: mask(w.apm), aqm: mask(w.aqm), adm: mask(w.adm) };
      const old = mdevOf(s, m).matrix;
      s = setMatrix(s, m, next);
      s = linkAll(cfg, s, m, bits.ids(bits.minus(next.apm, old.apm)), bits.ids(next.aqm));
      s = linkAll(cfg, s, m, bits.ids(next.apm), bits.ids(bits.minus(next.aqm, old.aqm)));
      const f = filterMatrix(cfg, s, m);
      const c = filterCdoms(cfg, f.state, m);
      if (!f.changed && !c.changed) return c.state;
      return resetApids(cfg, updateApcb(cfg, c.state, m), m, f.filtered);
    },
  });
};
