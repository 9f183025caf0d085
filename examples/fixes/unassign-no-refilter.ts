/**
 * A fix for linux-2025 (vfio_ap_ops.c @9b44fff6): unassign_adapter_store() and unassign_domain_store() re-filter
 * the matrix after the hot unplug, as the assign stores do. Today they only clear the unassigned id from the
 * shadow APCB (vfio_ap_mdev_hot_unplug_adapter() / _domain()), so an adapter that an unbound queue of the
 * unassigned domain had filtered out of the guest stays out until some other filter event: the guest's
 * configuration depends on the order of unbind and unassign (order-independence, I7).
 *
 * The change, in C: after vfio_ap_mdev_hot_unplug_adapter() (_domain()), as in assign_adapter_store():
 *
 *     if (vfio_ap_mdev_filter_matrix(matrix_mdev, apm_filtered)) {
 *             vfio_ap_mdev_update_guest_apcb(matrix_mdev);
 *             reset_queues_for_apids(matrix_mdev, apm_filtered);
 *     }
 *
 * unassign_control_domain_store() is left as it is (control domains are not filtered by queue).
 *
 *   apmc explain --policy ./examples/fixes/unassign-no-refilter.ts docs/findings/unassign-no-refilter.json
 *   apmc check --base linux-2025 --policy ./examples/fixes/unassign-no-refilter.ts --property order-independence
 */
import type * as Apmc from 'apmc';

export default ({ extend, linux2025, linux2025Parts, mdevOf, bits }: typeof Apmc) =>
  extend(linux2025, {
    name: 'linux-2025+unassign-no-refilter',
    summary: 'linux-2025, but unassign_adapter_store() / unassign_domain_store() re-filter after the hot unplug',
    // unassign_adapter_store() / unassign_domain_store(), then vfio_ap_mdev_filter_matrix() as in assign_*_store().
    unassign: (cfg, s, m, res, id) => {
      const r = linux2025.unassign(cfg, s, m, res, id);
      if (typeof r === 'string' || res === 'control_domain') return r;
      // An id that is not assigned returns early (goto done): no hot unplug, no filter.
      const x = mdevOf(s, m).matrix;
      if (!bits.has(res === 'adapter' ? x.apm : x.aqm, id)) return r;
      return linux2025Parts.applyFilter(cfg, linux2025Parts.filterMatrix(cfg, r, m), m);
    },
  });
