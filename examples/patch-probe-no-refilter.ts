/**
 * A patch against upstream, as a reviewer receives it: the queue `probe` (vfio_ap_mdev_probe_queue) links
 * the queue to the mdev whose matrix holds it but never re-filters the guest. A queue bound to vfio_ap
 * after its adapter and domain were assigned then stays out of the guest, so what the guest gets depends
 * on whether the bind came before or after the assignment.
 *
 *   apmc check --base upstream --policy ./examples/patch-probe-no-refilter.ts
 *   apmc diff --policy upstream --policy ./examples/patch-probe-no-refilter.ts \
 *     examples/patch-probe-no-refilter.trace
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, ownerOf, linkAll }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-probe-no-refilter',
    summary: 'upstream, but a queue probe links the queue and never re-filters the guest',
    probe: (cfg, s, apid, apqi) => {
      const m = ownerOf(s, apid, apqi);
      return m === null ? s : linkAll(cfg, s, m, [apid], [apqi]);
    },
  });
