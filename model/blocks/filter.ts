import { and, del, EMPTY, has, ids, minus, type Mask } from '../bits.ts';
import type { Config, Filtered } from '../policy.ts';
import type { MdevName, State } from '../state.ts';
import { EMPTY_MATRIX } from '../state.ts';
import { isUsable, mdevOf } from './queries.ts';
import { replaceable } from './replaceable.ts';
import { setShadow } from './update.ts';

export type { Filtered } from '../policy.ts';

/**
 * The filter of spec §8.2 / §10, F (upstream D1+, 850fb7fa "always filter entire AP matrix"):
 * shadow.aqm = matrix.aqm ∩ info.aqm; shadow.apm = the adapters of matrix.apm ∩ info.apm whose every
 * APQN with shadow.aqm is linked to `m` and passable. shadow.adm is not touched.
 */
export const filterMatrix = replaceable('filterMatrix', (cfg: Config, s: State, m: MdevName): Filtered => {
  const x = mdevOf(s, m);
  const ah = and(x.matrix.apm, s.info.apm);
  const dh = and(x.matrix.aqm, s.info.aqm);
  const ds = ids(dh);
  let apm = ah;
  for (const a of ids(ah)) {
    for (const d of ds) {
      if (!isUsable(cfg, s, m, a, d)) {
        apm = del(apm, a);
        break;
      }
    }
  }
  return commitShadow(s, m, apm, dh);
});

/**
 * The D0 (6.0–6.7) filter, vfio_ap_mdev_filter_matrix(apm, aqm, mdev): rebuild shadow apm/aqm as
 * matrix ∩ info, then check only the APQNs of scopeApm × scopeAqm (not intersected with info); any
 * failing APQN drops its APID. This is the delta filter behind CVE-2024-26620 (spec §7, §10 ex. 2).
 */
export const filterScoped = replaceable(
  'filterScoped',
  (cfg: Config, s: State, m: MdevName, scopeApm: Mask, scopeAqm: Mask): Filtered => {
    const x = mdevOf(s, m);
    let apm = and(x.matrix.apm, s.info.apm);
    const aqm = and(x.matrix.aqm, s.info.aqm);
    const ds = ids(scopeAqm);
    for (const a of ids(scopeApm)) {
      for (const d of ds) {
        if (!isUsable(cfg, s, m, a, d)) {
          apm = del(apm, a);
          break;
        }
      }
    }
    return commitShadow(s, m, apm, aqm);
  },
);

function commitShadow(s: State, m: MdevName, apm: Mask, aqm: Mask): Filtered {
  const prev = mdevOf(s, m).shadow ?? EMPTY_MATRIX;
  const filtered = minus(prev.apm, apm);
  if (prev.apm === apm && prev.aqm === aqm) return { state: s, changed: false, filtered: EMPTY };
  return { state: setShadow(s, m, { ...prev, apm, aqm }), changed: true, filtered };
}

/** vfio_ap_mdev_filter_cdoms(): shadow.adm = matrix.adm ∩ info.adm. */
export const filterCdoms = replaceable('filterCdoms', (_cfg: Config, s: State, m: MdevName) => {
  const x = mdevOf(s, m);
  const prev = x.shadow ?? EMPTY_MATRIX;
  const adm = and(x.matrix.adm, s.info.adm);
  if (prev.adm === adm) return { state: s, changed: false };
  return { state: setShadow(s, m, { ...prev, adm }), changed: true };
});

/** Is every APQN of `apid` × `aqm` (or `apm` × `apqi`) bound to vfio_ap? v12's FCFS admission test. */
export function allBound(cfg: Config, s: State, apm: Mask, aqm: Mask): boolean {
  const ds = ids(aqm);
  for (const a of ids(apm)) {
    for (const d of ds) {
      const q = s.queues[a * cfg.scope.domains + d];
      if (a >= cfg.scope.adapters || d >= cfg.scope.domains || !q || q.driver !== 'vfio_ap') return false;
    }
  }
  return true;
}

/** Does the shadow (or, for an mdev without one, nothing) give the guest APQN (apid, apqi)? */
export function inShadow(s: State, m: MdevName, apid: number, apqi: number): boolean {
  const sh = mdevOf(s, m).shadow;
  return sh !== null && has(sh.apm, apid) && has(sh.aqm, apqi);
}
