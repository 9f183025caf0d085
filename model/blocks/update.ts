import { del, has } from '../bits.ts';
import type { Config } from '../policy.ts';
import type { Matrix, Mdev, MdevName, State } from '../state.ts';
import { setMdev, setVm, dropVm, EMPTY_MATRIX } from '../state.ts';
import { mdevOf } from './queries.ts';
import { replaceable } from './replaceable.ts';

/** Replace some fields of mdev `m` (one literal of a fixed shape, as state.ts patchState). */
export function patchMdev(s: State, m: MdevName, p: Partial<Mdev>): State {
  const x = mdevOf(s, m);
  return setMdev(s, m, {
    matrix: p.matrix ?? x.matrix,
    shadow: p.shadow === undefined ? x.shadow : p.shadow,
    qtable: p.qtable ?? x.qtable,
    kvm: p.kvm === undefined ? x.kvm : p.kvm,
    pending: p.pending === undefined ? x.pending : p.pending,
    removing: p.removing ?? x.removing,
    open: p.open ?? x.open,
  });
}

export const setMatrix = (s: State, m: MdevName, matrix: Matrix): State => patchMdev(s, m, { matrix });
export const setShadow = (s: State, m: MdevName, shadow: Matrix | null): State => patchMdev(s, m, { shadow });

/** Set the CRYCB of `vm` (KVM's kvm_arch_crypto_set_masks); an empty CRYCB with no hook drops the VM entry. */
export function setCrycb(s: State, vm: string, crycb: Matrix): State {
  const v = s.vms[vm];
  const hook = v?.hook ?? null;
  if (hook === null && crycb.apm === 0 && crycb.aqm === 0 && crycb.adm === 0) return v ? dropVm(s, vm) : s;
  if (v && v.crycb.apm === crycb.apm && v.crycb.aqm === crycb.aqm && v.crycb.adm === crycb.adm) return s;
  return setVm(s, vm, { crycb, hook });
}

/**
 * vfio_ap_mdev_update_guest_apcb(): if a guest is attached, its CRYCB becomes the shadow
 * (all three masks). Nothing happens without a guest (spec §8.2).
 */
export const updateApcb = replaceable('updateApcb', (_cfg: Config, s: State, m: MdevName): State => {
  const x = mdevOf(s, m);
  if (x.kvm === null) return s;
  return setCrycb(s, x.kvm, x.shadow ?? EMPTY_MATRIX);
});

/**
 * A queue of `m`'s guest is going away: the architecture cannot unplug a single APQN, so its whole
 * adapter leaves the shadow and the CRYCB is updated. No-op when the APQN is not in the shadow.
 * Returns whether it unplugged.
 */
export function unplugAdapterOf(
  cfg: Config,
  s: State,
  m: MdevName,
  apid: number,
  apqi: number,
): { state: State; unplugged: boolean } {
  const sh = mdevOf(s, m).shadow;
  if (sh === null || !has(sh.apm, apid) || !has(sh.aqm, apqi)) return { state: s, unplugged: false };
  return { state: updateApcb(cfg, setShadow(s, m, { ...sh, apm: del(sh.apm, apid) }), m), unplugged: true };
}
