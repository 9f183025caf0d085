/**
 * A change to linux-2025 (vfio_ap_ops.c @9b44fff6) that makes guest-queues-linked-and-passable (I3) hold after a
 * failed VFIO_DEVICE_RESET: vfio_ap_mdev_ioctl() filters the matrix after vfio_ap_mdev_reset_queues(), so a queue
 * whose reset failed (not _queue_passable) takes its adapter out of the running guest. Today the guest keeps
 * it until the next filter event (assign, queue probe, scan complete, ap_config).
 *
 * The change, in C, in vfio_ap_mdev_ioctl():
 *
 *     case VFIO_DEVICE_RESET:
 *             ret = vfio_ap_mdev_reset_queues(matrix_mdev);
 *             if (vfio_ap_mdev_filter_matrix(matrix_mdev, apm_filtered))
 *                     vfio_ap_mdev_update_guest_apcb(matrix_mdev);
 *             break;
 *
 * (with the update locks of the KVM taken instead of mdevs_lock alone). The queues were just reset, so the
 * filtered adapters are not reset again. docs/findings/vfio-reset-no-filter.md says why this is not proposed.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/vfio-reset-no-filter.ts \
 *     --property guest-queues-linked-and-passable
 */
import type * as Apmc from 'apmc';

export default ({ extend, linux2025, linux2025Parts, updateApcb }: typeof Apmc) =>
  extend(linux2025, {
    name: 'linux-2025+vfio-reset-no-filter',
    summary: 'linux-2025, but VFIO_DEVICE_RESET filters the matrix after resetting the queues',
    // vfio_ap_mdev_ioctl(VFIO_DEVICE_RESET): vfio_ap_mdev_reset_queues(), then vfio_ap_mdev_filter_matrix().
    reset: (cfg, s, m) => {
      const r = linux2025.reset(cfg, s, m);
      const f = linux2025Parts.filterMatrix(cfg, r.state, m);
      return { state: f.changed ? updateApcb(cfg, f.state, m) : f.state, errno: r.errno };
    },
  });
