/**
 * A patch against upstream: the queue `status` attribute (status_show) says "in use" for every queue
 * assigned to an mdev that has a guest, looking at the matrix instead of the guest's APCB (the shadow).
 * A queue assigned but filtered out of the guest (its adapter has a queue that is not bound to vfio_ap, or
 * not passable) then reads "in use" though the guest cannot use it: status-attribute-truthful (I14).
 *
 *   apmc diff --policy upstream --policy ./examples/patch-status-in-use-filtered.ts --observe all
 *   apmc check --base upstream --policy ./examples/patch-status-in-use-filtered.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, bits }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-status-in-use-filtered',
    summary: 'upstream, but status says "in use" for every assigned queue of an mdev with a guest',
    status: (cfg, s, apid, apqi) => {
      for (const name in s.mdevs) {
        const x = s.mdevs[name]!;
        if (!bits.has(x.matrix.apm, apid) || !bits.has(x.matrix.aqm, apqi)) continue;
        return x.kvm !== null ? 'in use' : 'assigned';
      }
      return upstream.status(cfg, s, apid, apqi);
    },
  });
