/**
 * A patch against upstream, as a reviewer receives it: the mdev `remove` (vfio_ap_mdev_remove) no longer
 * resets the mdev's queues before unlinking them; only the attached case (request, then remove when the
 * guest lets go) is upstream's. The queues keep the reset status they had: one whose reset would fail now
 * still looks good to the next mdev's filter, and reaches its guest, then the host without a working reset
 * (reset-before-reuse, which upstream violates only on other traces).
 *
 *   apmc diff --policy upstream --policy ./examples/patch-remove-skips-reset.ts \
 *     examples/patch-remove-skips-reset.trace
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
