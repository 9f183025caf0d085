/**
 * A patch against upstream: the guest attach (vfio_ap_mdev_set_kvm) installs the KVM's PQAP hook before it
 * checks that no other mdev has this KVM. The EPERM check still refuses a second mdev for the same guest, but
 * the hook now points at the refused mdev: the guest's PQAP(AQIC) calls reach an mdev that does not hold it.
 * The callback returns the changed state together with the errno (an Effect), which the model keeps, and
 * failed-op-changes-nothing (I15) reports.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-hook-before-eperm.ts --observe all
 *   apmc check --base upstream --policy ./examples/patch-hook-before-eperm.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, mdevOfVm, setVm, EMPTY_MATRIX }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-hook-before-eperm',
    summary: 'upstream, but attach sets the PQAP hook before its EPERM check',
    attach: (cfg, s, m, vm) => {
      const other = mdevOfVm(s, vm);
      if (other === null || other === m) return upstream.attach(cfg, s, m, vm);
      // kvm->arch.crypto.pqap_hook = &matrix_mdev->pqap_hook, then the check that fails.
      const v = s.vms[vm];
      return { state: setVm(s, vm, { crycb: v?.crycb ?? EMPTY_MATRIX, hook: m }), errno: 'EPERM' };
    },
  });
