/**
 * The expected verdicts of `linux-2025`, which follows vfio_ap_ops.c @9b44fff6 (model/policies/linux-2025/): each
 * sentence names the C code and the finding that explains it (docs/findings/, ranked in its README).
 */
import type { ExpectedViolation } from '../model/policy.ts';

const F = (slug: string): string => ` See docs/findings/${slug}.md.`;

export const LINUX_2025: Readonly<Record<string, ExpectedViolation>> = {
  'no-kernel-warning': {
    kind: 'design',
    why:
      'vfio_ap_mdev_cfg_remove() and vfio_ap_mdev_hot_plug_cfg() take mutex_lock(&matrix_mdev->kvm->lock) ' +
      'without checking matrix_mdev->kvm: a host configuration change while an mdev has no guest is a NULL ' +
      'dereference (2 ops); vfio_ap_mdev_remove_queue() follows a back-pointer to a freed mdev; and, as upstream, ' +
      'vfio_ap_mdev_reset_queue() WARNs on ZAPQ rc 01 for a queue that left the host before the scan removed it.' +
      F('cfg-remove-null-kvm') +
      F('stale-back-pointer-after-unplug') +
      F('reset-warn-after-config-removal'),
  },
  'failed-op-changes-nothing': {
    kind: 'design',
    why:
      'vfio_ap_mdev_set_kvm() sets the KVM’s pqap_hook before its EPERM check and leaves it on failure; and the ' +
      'NULL matrix_mdev->kvm dereference of vfio_ap_mdev_cfg_remove() ends the scan half done (EFAULT).' +
      F('pqap-hook-on-eperm') +
      F('cfg-remove-null-kvm'),
  },
  'one-mdev-per-vm': {
    kind: 'design',
    why:
      'vfio_ap_mdev_set_kvm() sets kvm->arch.crypto.pqap_hook to the opening mdev before it finds that another ' +
      'mdev has the KVM (EPERM) and never restores it: the guest’s PQAP(AQIC) goes to an mdev without a KVM.' +
      F('pqap-hook-on-eperm'),
  },
  'guest-queues-in-host-config': {
    kind: 'design',
    why:
      'vfio_ap_mdev_hot_unplug_cfg() sets do_hotplug from bitmap_andnot()’s return value (the shadow mask is not ' +
      'empty afterwards), so removing a guest’s last adapter or domain from the host leaves its CRYCB as it was.' +
      F('hot-unplug-cfg-last-adapter'),
  },
  'crycb-equals-guest-matrix': {
    kind: 'design',
    why:
      'vfio_ap_mdev_hot_unplug_cfg() updates the APCB only if bitmap_andnot() leaves the shadow mask non-empty: ' +
      'when a host removal empties shadow_apcb.apm or .aqm, the CRYCB keeps the old masks.' +
      F('hot-unplug-cfg-last-adapter'),
  },
  'guest-queues-assigned': {
    kind: 'design',
    why:
      'After vfio_ap_mdev_hot_unplug_cfg() left a removed adapter in the CRYCB, unassign_adapter_store() finds it ' +
      'no longer in the shadow and does not update the APCB: the guest keeps an unassigned APQN.' +
      F('hot-unplug-cfg-last-adapter'),
  },
  recovery: {
    kind: 'design',
    foundBy: 'exhaustive',
    why:
      'The scan that dies in vfio_ap_mdev_cfg_remove() leaves matrix_dev->info stale, and the stale CRYCB of ' +
      'vfio_ap_mdev_hot_unplug_cfg() gives the guest an adapter its shadow lacks: a resource that comes back does ' +
      'not come back to the guest. Found by the exhaustive engine only.' +
      F('cfg-remove-null-kvm') +
      F('hot-unplug-cfg-last-adapter'),
  },
  'no-apqn-in-two-guests': {
    kind: 'design',
    foundBy: 'exhaustive',
    why:
      'vfio_ap_mdev_hot_unplug_cfg() leaves a guest’s CRYCB holding a queue the host removed, and ' +
      'vfio_ap_mdev_verify_no_sharing() looks at matrix, not at CRYCBs: another mdev is given the queue, and both ' +
      'guests have it (10 ops by hand; 11 ops, with the oops of vfio_ap_mdev_cfg_remove(), by the random engine ' +
      'in about 2 million cases, beyond the default budget).' +
      F('hot-unplug-cfg-last-adapter') +
      F('cfg-remove-null-kvm'),
  },
  'guest-control-domains-allowed': {
    kind: 'design',
    why:
      'vfio_ap_mdev_cfg_remove() computes cdrem with bitmap_andnot(cd_remove, matrix.adm), so an assigned control ' +
      'domain the host removed stays in the shadow; with vfio_ap_mdev_hot_unplug_cfg()’s do_hotplug it stays in ' +
      'the CRYCB.' +
      F('cfg-remove-control-domain-mask') +
      F('hot-unplug-cfg-last-adapter'),
  },
  'shadow-within-bounds': {
    kind: 'design',
    why:
      'cdrem of vfio_ap_mdev_cfg_remove() is bitmap_andnot(cd_remove, matrix.adm), so a removed control domain ' +
      'the mdev has assigned is never cleared from shadow_apcb.adm.' +
      F('cfg-remove-control-domain-mask'),
  },
  'links-halves-agree': {
    kind: 'design',
    why:
      'vfio_ap_mdev_hot_unplug_adapters() / _domains() hash_del every linked queue of the row but clear ' +
      'q->matrix_mdev only for the queues on the reset list (those in the shadow): a linked queue filtered out of ' +
      'the guest keeps its back-pointer.' +
      F('stale-back-pointer-after-unplug'),
  },
  'links-follow-assignment': {
    kind: 'design',
    why:
      'The back-pointer hot_unplug_adapters() / _domains() leave on a queue outside the shadow names the mdev ' +
      'after its adapter or domain is unassigned.' +
      F('stale-back-pointer-after-unplug'),
  },
  'removed-mdev-leaves-nothing': {
    kind: 'design',
    why:
      'vfio_ap_mdev_unlink_fr_queues() clears q->matrix_mdev only for queues still in the table, so the ' +
      'back-pointer an earlier hot unplug left survives vfio_ap_mdev_remove(): it points at the freed mdev, and ' +
      'vfio_ap_mdev_remove_queue() dereferences it later.' +
      F('stale-back-pointer-after-unplug'),
  },
  'settled-guests-get-their-queues': {
    kind: 'design',
    why:
      'After vfio_ap_mdev_cfg_remove() dereferences a NULL matrix_mdev->kvm the scan never completes: every ' +
      'later scan meets the same configuration change and dies again, so nothing settles; and, as upstream, from 3 ' +
      'domains _queue_passable() reads the status a failed reset stored, so a filter event drops an adapter whose ' +
      'queue works again and nothing filters after the reset that follows.' +
      F('cfg-remove-null-kvm'),
  },
  'order-independence': {
    kind: 'design',
    why:
      'A scan that dies in vfio_ap_mdev_cfg_remove() leaves matrix_dev->info behind, so later filters depend on ' +
      'whether an mdev existed at the time (3 ops); and, as upstream, unassign_*_store() only hot unplugs and ' +
      'never re-filters.' +
      F('cfg-remove-null-kvm') +
      F('unassign-no-refilter'),
  },
  'reset-before-reuse': {
    kind: 'design',
    why:
      'As upstream, vfio_ap_mdev_set_kvm() does not re-filter: when the reset of vfio_ap_mdev_unset_kvm() fails, ' +
      'the next guest attached to the mdev gets the queue unzeroized.' +
      F('reset-failure-handover'),
  },
  'guest-queues-linked-and-passable': {
    kind: 'modelling',
    why:
      'As upstream: vfio_ap_mdev_reset_queues() (VFIO_DEVICE_RESET) does not filter, so a queue whose reset ' +
      'failed stays in the guest until the next filter event; follows from modelling a failed reset as persistent.' +
      F('vfio-reset-no-filter'),
  },
  'status-attribute-truthful': {
    kind: 'modelling',
    why:
      'As upstream: vfio_ap_mdev_request() clears the CRYCB while status_show() reads the shadow, which stays: ' +
      '"in use" for queues no guest can use during a pending remove. Cosmetic.' +
      F('request-status-in-use'),
  },
};
