/**
 * Fix for linux-2025 (docs/findings/pqap-hook-on-eperm.md): vfio_ap_mdev_set_kvm() still installs the KVM's
 * PQAP hook before its "another mdev has this KVM" check, but on the -EPERM path it puts back the hook of the mdev
 * that holds the KVM (`kvm->arch.crypto.pqap_hook = &m->pqap_hook;`), as bc833a7b1e7f ("s390/vfio-ap: fix stale
 * pqap_hook pointer on error in vfio_ap_mdev_set_kvm()", kvms390, Aug 2026) does; intel-lab-lkp/linux f7634412
 * has this code.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/pqap-hook-on-eperm.ts --property one-mdev-per-vm
 */
import type * as Apmc from 'apmc';
import type { Config, Effect, MdevName, State, VmName } from 'apmc';

export default ({ extend, linux2025, linux2025Parts: c, setVm, patchMdev, updateApcb, EMPTY_MATRIX }: typeof Apmc) => {
  // vfio_ap_mdev_open_device() → vfio_ap_mdev_set_kvm() as in bc833a7b1e7f: hook := this mdev; if another mdev
  // of the list has the KVM, hook := that mdev's and -EPERM; else kvm := vm and update_guest_apcb.
  function attach(cfg: Config, s0: State, m: MdevName, vm: VmName): Effect {
    const s = setVm(s0, vm, { crycb: s0.vms[vm]?.crycb ?? EMPTY_MATRIX, hook: m });
    for (const o of c.mdevList(s)) {
      if (o === m || s.mdevs[o]!.kvm !== vm) continue;
      // The undo: the hook is the owner's again. The model's steps are atomic, so when it was the owner's
      // before, this is the very state the step started from (a vcpu may see m's hook in between in the C code).
      const v = s0.vms[vm]!;
      return { state: v.hook === o ? s0 : setVm(s0, vm, { ...v, hook: o }), errno: 'EPERM' };
    }
    return updateApcb(cfg, patchMdev(s, m, { kvm: vm }), m);
  }
  return extend(linux2025, {
    name: 'linux-2025+pqap-hook-on-eperm',
    summary: "linux-2025, but set_kvm puts back the owner's PQAP hook on -EPERM (bc833a7b1e7f)",
    attach,
  });
};
