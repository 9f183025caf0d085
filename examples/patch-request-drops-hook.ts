/**
 * A patch against upstream, as a reviewer receives it: the mdev `request` (vfio_ap_mdev_request) does more
 * of the close's clean-up at once, clearing the KVM's PQAP hook along with the guest's CRYCB. The remove
 * still waits for the guest, and m.kvm stays set; a filter in that window (a queue bound back, a scan)
 * writes the shadow back into the CRYCB, and the guest then has queues whose PQAP(AQIC) nobody intercepts.
 * one-mdev-per-vm (I11: the guest's PQAP hook belongs to its attached mdev) breaks at the request.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-request-drops-hook.ts --observe all \
 *     examples/patch-request-drops-hook.trace
 *
 *   apmc check --base upstream --policy ./examples/patch-request-drops-hook.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, mdevOf, setVm, EMPTY_MATRIX, upstreamParts }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-request-drops-hook',
    summary: 'upstream, but the remove request also clears the PQAP hook',
    request: (cfg, s, m) => {
      const vm = mdevOf(s, m).kvm;
      if (vm !== null) s = setVm(s, vm, { crycb: EMPTY_MATRIX, hook: null });
      return upstreamParts.request(cfg, s, m);
    },
  });
