/**
 * `linux-2025`: vfio_ap as the 2025 source does it, function by function: drivers/s390/crypto/vfio_ap_ops.c and
 * vfio_ap_private.h at Kingxukai/linux 9b44fff655e2 (Linux 6.17-rc), vfio_ap_drv.c and ap_bus.c at 0291023e7330.
 * Every callback follows its C function's control flow (the helpers, conditions, early returns, masks walked,
 * table and back-pointer updates, resets and errnos); `upstream` is the intended design of the spec instead.
 * Locks, eventfd signalling, memory and the guest's PQAP(AQIC) interrupt handling are beyond the model.
 * C functions are cited by name: the stored copies are read by character offset, so no line numbers are given.
 * intel-lab-lkp/linux f7634412 (a 7.0-rc1-based 0-day test tree) has the same code except in
 * vfio_ap_mdev_set_kvm(), whose EPERM path restores the owner's PQAP hook; that change is not followed here
 * (not found in a released tree; it reads as a fix under test).
 */
import { busZapq } from '../../bus.ts';
import { createMdev } from '../../blocks/mdev.ts';
import { vfioResetLinked } from '../../blocks/reset.ts';
import type { Policy } from '../../policy.ts';
import { detach, request } from '../upstream.ts';
import { onConfigChanged, onScanComplete } from './config.ts';
import { attach, removeMdev } from './device.ts';
import { inUse, probe, removeQueue, status } from './queue.ts';
import { apConfig, assign, unassign } from './sysfs.ts';

export const linux2025 = {
  name: 'linux-2025',
  summary: 'The 2025 vfio_ap source (6.17-rc, 9b44fff6) followed function by function, stale back-pointers and all',
  // _queue_passable(): reset_status.response_code normal, deconfigured or checkstopped.
  passable: (r) => r === 'normal' || r === 'deconfigured' || r === 'checkstopped',
  // vfio_ap_mdev_probe_queue()
  probe,
  // vfio_ap_mdev_remove_queue()
  remove: removeQueue,
  // ap_device_remove() → ap_queue_remove() (ap_bus.c, ap_queue.c): ZAPQ after the driver's remove, as busZapq.
  bus_remove: busZapq,
  // The 2025 AP bus has no driver_override on queues (d38a87d7 is 6.19) and no mask-write refusal of its own.
  driver_override: null,
  mask_write_refused: null,
  // status_show()
  status,
  // vfio_ap_mdev_resource_in_use(), called by apmask_commit / aqmask_commit for the newly set bits.
  in_use: inUse,
  // vfio_ap_on_cfg_changed()
  on_config_changed: onConfigChanged,
  // vfio_ap_on_scan_complete()
  on_scan_complete: onScanComplete,
  // vfio_ap_mdev_probe() behind the mdev core's checks (max_instances: EUSERS), with a zeroed shadow_apcb.
  create: (cfg, s, m) => createMdev(cfg, s, m, 'EUSERS', true),
  // vfio_ap_mdev_remove()
  remove_mdev: removeMdev,
  // assign_adapter_store(), assign_domain_store(), assign_control_domain_store()
  assign,
  // unassign_adapter_store(), unassign_domain_store(), unassign_control_domain_store()
  unassign,
  // ap_config_store()
  ap_config: apConfig,
  // vfio_ap_mdev_open_device() → vfio_ap_mdev_set_kvm()
  attach,
  // vfio_ap_mdev_close_device() → vfio_ap_mdev_unset_kvm(): hook NULL, clear masks, reset_queues, kvm NULL:
  // upstream's `detach` does exactly this.
  detach,
  // VFIO_DEVICE_RESET → vfio_ap_mdev_reset_queues(): reset the table's queues, flush each, EIO if a final
  // response code is not 0: the vfioResetLinked block.
  reset: vfioResetLinked,
  // vfio_ap_mdev_request(): clear the KVM's masks if one is attached, relay to the registered req_trigger
  // (QEMU registers one; the notice for count % 10 == 0: the model keeps no count): upstream's `request`.
  request,
  // The KVM is bound at open_device (vdev->kvm): no notifier.
  kvm_gone: null,
} satisfies Policy;
