/**
 * A change to linux-2025 (vfio_ap_ops.c @9b44fff6) that makes status-attribute-truthful (I14) hold during a pending
 * mdev remove: vfio_ap_mdev_request() clears the shadow APCB together with the guest's masks. Today it clears the
 * masks (kvm_arch_crypto_clear_masks) and keeps shadow_apcb, which status_show() and guest_matrix read, so
 * the queues of the mdev read "in use" while no guest can use them, until the guest closes the device.
 *
 * The change, in C, in vfio_ap_mdev_request():
 *
 *     if (matrix_mdev->kvm) {
 *             kvm_arch_crypto_clear_masks(matrix_mdev->kvm);
 *             bitmap_clear(matrix_mdev->shadow_apcb.apm, 0, AP_DEVICES);
 *             bitmap_clear(matrix_mdev->shadow_apcb.aqm, 0, AP_DOMAINS);
 *             bitmap_clear(matrix_mdev->shadow_apcb.adm, 0, AP_DOMAINS);
 *             signal_guest_ap_cfg_changed(matrix_mdev);
 *     }
 *
 * docs/findings/request-status-in-use.md says why the finding is a modelling artefact.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/request-status-in-use.ts \
 *     --property status-attribute-truthful
 */
import type * as Apmc from 'apmc';

export default ({ extend, linux2025, mdevOf, setShadow, EMPTY_MATRIX }: typeof Apmc) =>
  extend(linux2025, {
    name: 'linux-2025+request-status-in-use',
    summary: 'linux-2025, but vfio_ap_mdev_request() clears the shadow APCB with the guest masks',
    // vfio_ap_mdev_request(): with a KVM, its masks and shadow_apcb cleared; then relay the request.
    request: (cfg, s, m) => {
      const withKvm = mdevOf(s, m).kvm !== null;
      const r = linux2025.request(cfg, s, m);
      return withKvm ? setShadow(r, m, EMPTY_MATRIX) : r;
    },
  });
