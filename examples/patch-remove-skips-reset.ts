/**
 * A patch against upstream, as a reviewer receives it: the mdev `remove` (vfio_ap_mdev_remove) no longer
 * resets the mdev's queues before unlinking them; only the attached case (request, then remove when the
 * guest lets go) is upstream's. A queue whose reset failed at detach, and that works again by the time the
 * mdev is removed, then keeps the previous guest's data when it reaches another guest or the host.
 *
 *   apmc check --base upstream --policy ./examples/patch-remove-skips-reset.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, mdevOf, deleteMdev }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-remove-skips-reset',
    summary: 'upstream, but mdev remove unlinks its queues without resetting them',
    remove_mdev: (cfg, s, m) => (mdevOf(s, m).kvm !== null ? upstream.remove_mdev(cfg, s, m) : deleteMdev(cfg, s, m)),
  });
