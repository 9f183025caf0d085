import { and, EMPTY, ids, intersects, type Mask } from '../bits.ts';
import type { Errno } from '../errno.ts';
import type { Config, InUse, Outcome } from '../policy.ts';
import { apqnName } from '../scope.ts';
import type { Matrix, MdevName, State, VmName } from '../state.ts';
import { dropMdev, EMPTY_MATRIX, setMdev, setVm } from '../state.ts';
import { logLine } from './events.ts';
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

/**
 * The kernel log's wording of a refused sharing (vfio_ap_mdev_verify_no_sharing()): `2025` as since the
 * 2025 fix ("Fix no AP queue sharing allowed message written to kernel log"), `old` before it.
 */
export type SharingWords = '2025' | 'old';

/**
 * The dev_warn() lines of vfio_ap_mdev_log_sharing_err() / _log_in_use_err(): one per APQN that `holder`
 * shares, apm × aqm being the APQNs being assigned to `assignee` (or, for null, reserved for the host).
 * The text is the line as dmesg shows it, the printing mdev's name first (dev_warn's prefix).
 * 2025: an assign's line is printed by the assignee and names the holder; in_use's by the holder.
 * old: both print "Userspace may not re-assign ..." from the holder and name the holder.
 */
export function sharingLog(
  s: State,
  assignee: MdevName | null,
  holder: MdevName,
  apm: Mask,
  aqm: Mask,
  words: SharingWords,
): State {
  const h = mdevOf(s, holder).matrix;
  const ds = ids(and(aqm, h.aqm));
  for (const a of ids(and(apm, h.apm))) {
    for (const d of ds) {
      const q = apqnName(a, d);
      const by = words === 'old' || assignee === null ? holder : assignee;
      const text =
        words === 'old'
          ? `Userspace may not re-assign queue ${q} already assigned to ${holder}`
          : assignee === null
            ? `Can not reserve queue ${q} for host driver: in use by mdev`
            : `Userspace may not assign queue ${q} to mdev: already assigned to ${holder}`;
      s = logLine(s, 'warning', `${by}: ${text}`, { apqns: [[a, d]], mdev: by });
    }
  }
  return s;
}

/**
 * vfio_ap_mdev_resource_in_use() with its log lines: refused (EBUSY) with the lines of every mdev whose
 * matrix holds an APQN of apm × aqm; false when none does. The kernel stops at the first mdev of its
 * mdev_list (newest first), an order the model does not keep: every such mdev's lines are printed.
 */
export function resourceInUse(_cfg: Config, s: State, apm: Mask, aqm: Mask, words: SharingWords = '2025'): InUse {
  let out = s;
  for (const name in s.mdevs) {
    const x = s.mdevs[name]!;
    if (intersects(x.matrix.apm, apm) && intersects(x.matrix.aqm, aqm))
      out = sharingLog(out, null, name, apm, aqm, words);
  }
  return out === s ? false : { state: out, errno: 'EBUSY' };
}
