/**
 * `linux-2025`: vfio_ap as the 2025 source does it, function by function: drivers/s390/crypto/vfio_ap_ops.c and
 * vfio_ap_private.h at Kingxukai/linux 9b44fff655e2 (Linux 6.17-rc), vfio_ap_drv.c and ap_bus.c at 0291023e7330. Every
 * callback follows its C function's control flow (the helpers, conditions, early returns, masks walked, table and
 * back-pointer updates, resets and errnos); `upstream` is the intended design of the spec instead. Locks, eventfd
 * signalling, memory and the guest's PQAP(AQIC) interrupt handling are beyond the model. C functions are cited by name
 * and line range (file.c:FIRST-LAST); the line numbers are those of the commits named (vfio_ap_ops.c and ap_queue.c at
 * 9b44fff655e2, ap_bus.c at 0291023e7330). intel-lab-lkp/linux f7634412 (a 7.0-rc1-based 0-day test tree) has the same
 * code except in vfio_ap_mdev_set_kvm(), vfio_ap_ops.c:1821-1848, whose EPERM path restores the owner's PQAP hook; that
 * change is not followed here (not found in a released tree; it reads as a fix under test).
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
  // _queue_passable(), vfio_ap_ops.c:683-696: reset_status.response_code normal, deconfigured or checkstopped.
  passable: (r) => r === 'normal' || r === 'deconfigured' || r === 'checkstopped',
  // vfio_ap_mdev_probe_queue(), vfio_ap_ops.c:2416-2468
  probe,
  // vfio_ap_mdev_remove_queue(), vfio_ap_ops.c:2470-2517
  remove: removeQueue,
  // ap_device_remove(), ap_bus.c:991-1015 → ap_queue_remove(), ap_queue.c:1296-1308: ZAPQ after the driver's remove, as
  // busZapq.
  bus_remove: busZapq,
  // The 2025 AP bus has no driver_override on queues (d38a87d7 is 6.19) and no mask-write refusal of its own.
  driver_override: null,
  mask_write_refused: null,
  // status_show(), vfio_ap_ops.c:2309-2348
  status,
  // vfio_ap_mdev_resource_in_use(), vfio_ap_ops.c:2533-2544, called by apmask_commit(), ap_bus.c:1475-1494, and
  // aqmask_commit(), ap_bus.c:1567-1586, for the newly set bits.
  in_use: inUse,
  // vfio_ap_on_cfg_changed(), vfio_ap_ops.c:2804-2817
  on_config_changed: onConfigChanged,
  // vfio_ap_on_scan_complete(), vfio_ap_ops.c:2849-2869
  on_scan_complete: onScanComplete,
  // vfio_ap_mdev_probe(), vfio_ap_ops.c:790-814, behind the mdev core's checks (max_instances: EUSERS), with a zeroed
  // shadow_apcb.
  create: (cfg, s, m) => createMdev(cfg, s, m, 'EUSERS', true),
  // vfio_ap_mdev_remove(), vfio_ap_ops.c:860-874
  remove_mdev: removeMdev,
  // assign_adapter_store(), vfio_ap_ops.c:1073-1120, assign_domain_store(), vfio_ap_ops.c:1297-1344,
  // assign_control_domain_store(), vfio_ap_ops.c:1469-1506
  assign,
  // unassign_adapter_store(), vfio_ap_ops.c:1220-1250, unassign_domain_store(), vfio_ap_ops.c:1421-1452,
  // unassign_control_domain_store(), vfio_ap_ops.c:1523-1558
  unassign,
  // ap_config_store(), vfio_ap_ops.c:1705-1785
  ap_config: apConfig,
  // vfio_ap_mdev_open_device(), vfio_ap_ops.c:2053-2062 → vfio_ap_mdev_set_kvm(), vfio_ap_ops.c:1821-1848
  attach,
  // vfio_ap_mdev_close_device(), vfio_ap_ops.c:2064-2070 → vfio_ap_mdev_unset_kvm(), vfio_ap_ops.c:1881-1899: hook
  // NULL, clear masks, reset_queues, kvm NULL: upstream's `detach` does exactly this.
  detach,
  // VFIO_DEVICE_RESET (vfio_ap_mdev_ioctl(), vfio_ap_ops.c:2264-2292) → vfio_ap_mdev_reset_queues(),
  // vfio_ap_ops.c:2017-2033: reset the table's queues, flush each, EIO if a final response code is not 0: the
  // vfioResetLinked block.
  reset: vfioResetLinked,
  // vfio_ap_mdev_request(), vfio_ap_ops.c:2072-2099: clear the KVM's masks if one is attached, relay to the registered
  // req_trigger (QEMU registers one; the notice for count % 10 == 0: the model keeps no count): upstream's `request`.
  request,
  // The KVM is bound at open_device (vdev->kvm): no notifier.
  kvm_gone: null,
} satisfies Policy;
