import { EMPTY, intersects, type Mask } from '../bits.ts';
import type { Errno } from '../errno.ts';
import type { Config, Outcome } from '../policy.ts';
import type { Matrix, MdevName, State, VmName } from '../state.ts';
import { dropMdev, EMPTY_MATRIX, setMdev, setVm } from '../state.ts';
import { unlinkAll } from './link.ts';
import { mdevOf, mdevOfVm } from './queries.ts';
import { patchMdev, setCrycb } from './update.ts';

/**
 * mdev create (the mdev core's checks, then vfio_ap_mdev_probe): EEXIST for a name in use,
 * `limitErrno` when `scope.mdevs` instances exist. Empty matrix; `withShadow` gives it an empty shadow.
 */
export function createMdev(cfg: Config, s: State, m: MdevName, limitErrno: Errno, withShadow: boolean): Outcome {
  if (s.mdevs[m]) return 'EEXIST';
  if (Object.keys(s.mdevs).length >= cfg.scope.mdevs) return limitErrno;
  return setMdev(s, m, {
    matrix: EMPTY_MATRIX,
    shadow: withShadow ? EMPTY_MATRIX : null,
    qtable: new Array<Mask>(cfg.scope.adapters).fill(EMPTY),
    kvm: null,
    pending: null,
    removing: false,
    open: false,
  });
}

/** Free the mdev: unlink every queue still linked to it, then forget it. Resets are the caller's business. */
export const deleteMdev = (cfg: Config, s: State, m: MdevName): State => dropMdev(unlinkAll(cfg, s, m), m);

/**
 * Guest attach (vfio_ap_mdev_set_kvm): EBUSY if the device is already open (a second opener;
 * vfio-core errno unverified, spec §8.4), EPERM if another mdev already has this KVM (nothing changes).
 * On success: the KVM's PQAP hook is this mdev, m.kvm = vm, CRYCB := `crycb`.
 */
export function attachGuest(s: State, m: MdevName, vm: VmName, crycb: Matrix): Outcome {
  if (mdevOf(s, m).kvm !== null) return 'EBUSY';
  if (mdevOfVm(s, vm) !== null) return 'EPERM';
  s = patchMdev(s, m, { kvm: vm });
  return setVm(s, vm, { crycb, hook: m });
}

/** Guest detach, the KVM side (vfio_ap_mdev_unset_kvm): clear the PQAP hook, CRYCB := ∅, m.kvm = null. */
export function detachGuest(s: State, m: MdevName): State {
  const vm = mdevOf(s, m).kvm;
  if (vm === null) return s;
  const v = s.vms[vm];
  if (v) s = setVm(s, vm, { ...v, hook: null });
  s = setCrycb(s, vm, EMPTY_MATRIX);
  return patchMdev(s, m, { kvm: null });
}

/** vfio_ap_mdev_resource_in_use(): does any mdev's matrix (not its shadow) hold an APQN of apm × aqm? */
export function matrixInUse(s: State, apm: Mask, aqm: Mask): boolean {
  for (const name in s.mdevs) {
    const x = s.mdevs[name]!;
    if (intersects(x.matrix.apm, apm) && intersects(x.matrix.aqm, aqm)) return true;
  }
  return false;
}
