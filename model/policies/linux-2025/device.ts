/**
 * linux-2025: the mdev and its VFIO device as vfio_ap_ops.c @9b44fff6 handles them: remove, open_device
 * (set_kvm). close_device, VFIO_DEVICE_RESET and request are the same code as `upstream`'s (see index.ts).
 */
import { dropMdev, EMPTY_MATRIX, setVm } from '../../state.ts';
import type { MdevName, State, VmName } from '../../state.ts';
import { mdevOf } from '../../blocks/queries.ts';
import { resetLinked } from '../../blocks/reset.ts';
import { patchMdev, updateApcb } from '../../blocks/update.ts';
import type { Config, Effect, Outcome } from '../../policy.ts';
import { mdevList, unlinkFrQueues } from './table.ts';

/**
 * vfio_ap_mdev_remove(), vfio_ap_ops.c:860-874: vfio_unregister_group_dev() waits while the device is open (the vfio
 * core calls `request`; the guest's close completes the remove); then vfio_ap_mdev_reset_queues(),
 * vfio_ap_ops.c:2017-2033 (every queue of the table, the resetLinked block), vfio_ap_mdev_unlink_fr_queues(),
 * vfio_ap_ops.c:844-858 (back-pointers of matrix ∩ table only) and list_del.
 */
export function removeMdev(cfg: Config, s: State, m: MdevName): Outcome {
  const x = mdevOf(s, m);
  if (x.open) return x.removing ? s : patchMdev(s, m, { removing: true });
  s = resetLinked(cfg, s, m);
  return dropMdev(unlinkFrQueues(cfg, s, m), m);
}

/**
 * vfio_ap_mdev_open_device(), vfio_ap_ops.c:2053-2062 → vfio_ap_mdev_set_kvm(), vfio_ap_ops.c:1821-1848: the KVM's
 * pqap_hook is set to this mdev first; then, if another mdev of the list already has this KVM, EPERM, with the hook
 * left pointing at this mdev (open fails, so close_device never runs to clear it); else matrix_mdev->kvm = kvm and
 * update_guest_apcb (CRYCB := shadow).
 */
export function attach(cfg: Config, s: State, m: MdevName, vm: VmName): Effect {
  s = setVm(s, vm, { crycb: s.vms[vm]?.crycb ?? EMPTY_MATRIX, hook: m });
  for (const o of mdevList(s)) if (o !== m && s.mdevs[o]!.kvm === vm) return { state: s, errno: 'EPERM' };
  return updateApcb(cfg, patchMdev(s, m, { kvm: vm }), m);
}
