/**
 * A fix for linux-2025 (vfio_ap_ops.c @9b44fff6): vfio_ap_mdev_set_kvm() filters the matrix before it writes the
 * shadow APCB to the guest. vfio_ap_mdev_unset_kvm() resets every queue of the mdev's table when the guest
 * lets go; when that reset fails (a ZAPQ response code vfio_ap_mdev_reset_queue() does not expect: it WARNs),
 * the stored reset_status is not passable, but nothing filters the shadow APCB again before the next open:
 * set_kvm gives the next guest the queue as the previous guest left it (reset-before-reuse, I9).
 *
 * The change, in C, in vfio_ap_mdev_set_kvm(), before vfio_ap_mdev_update_guest_apcb():
 *
 *     DECLARE_BITMAP(apm_filtered, AP_DEVICES);
 *     ...
 *     matrix_mdev->kvm = kvm;
 *     vfio_ap_mdev_filter_matrix(matrix_mdev, apm_filtered);
 *     vfio_ap_mdev_update_guest_apcb(matrix_mdev);
 *
 * (_queue_passable() then keeps the adapter of a queue whose last reset failed out of the new guest.) And
 * vfio_ap_mdev_probe_queue() resets the new queue object before it links and filters it: today it starts with a
 * zeroed (passable) reset_status without a ZAPQ, so an unbind and bind forgets a failed reset. After
 * INIT_WORK(&q->reset_work, apq_reset_check), if the APQN is in matrix_dev->info:
 *
 *     vfio_ap_mdev_reset_queue(q);
 *     flush_work(&q->reset_work);
 *
 *   apmc explain --policy ./examples/fixes/reset-failure-handover.ts docs/findings/reset-failure-handover.json
 *   apmc check --base linux-2025 --policy ./examples/fixes/reset-failure-handover.ts --property reset-before-reuse
 */
import type * as Apmc from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, linux2025, linux2025Parts, setVm, patchMdev, updateApcb, resetQueue, EMPTY_MATRIX, bits } = api;
  return extend(linux2025, {
    name: 'linux-2025+reset-failure-handover',
    summary: 'linux-2025, but set_kvm filters before it updates the guest APCB, and probe_queue resets the queue',
    // vfio_ap_mdev_open_device() → vfio_ap_mdev_set_kvm(), with vfio_ap_mdev_filter_matrix() before the update.
    attach: (cfg, s, m, vm) => {
      s = setVm(s, vm, { crycb: s.vms[vm]?.crycb ?? EMPTY_MATRIX, hook: m });
      for (const o of linux2025Parts.mdevList(s))
        if (o !== m && s.mdevs[o]!.kvm === vm) return { state: s, errno: 'EPERM' };
      s = linux2025Parts.filterMatrix(cfg, patchMdev(s, m, { kvm: vm }), m).state;
      return updateApcb(cfg, s, m);
    },
    // vfio_ap_mdev_probe_queue(), with vfio_ap_mdev_reset_queue() + flush_work() for an APQN in matrix_dev->info.
    probe: (cfg, s, apid, apqi) => {
      if (bits.has(s.info.apm, apid) && bits.has(s.info.aqm, apqi)) s = resetQueue(cfg, s, apid, apqi);
      return linux2025.probe(cfg, s, apid, apqi);
    },
  });
};
