import { add, del, has, ids, of } from '../bits.ts';
import type { Config } from '../policy.ts';
import type { Matrix, MdevName, State } from '../state.ts';
import { allBound } from './filter.ts';
import { mdevOf } from './queries.ts';
import { setShadow } from './update.ts';

/**
 * v12 12/17 first-come-first-served hot plug of adapter (or domain) `id` into the shadow (spec §6):
 * nothing if already in the shadow or there is no shadow; the candidates of the other dimension are
 * the shadow's if non-empty, else the matrix's; `id` is admitted only if every APQN with the
 * candidates is bound to vfio_ap, and an empty other dimension then becomes the matrix's. Never
 * reconsidered later except through this same path. No host-configuration check. CRYCB not touched.
 */
export function fcfsPlug(cfg: Config, s: State, m: MdevName, res: 'adapter' | 'domain', id: number): State {
  const x = mdevOf(s, m);
  const sh = x.shadow;
  if (sh === null) return s;
  const isA = res === 'adapter';
  if (has(isA ? sh.apm : sh.aqm, id)) return s;
  const mine = isA ? sh.aqm : sh.apm;
  const cand = mine !== 0 ? mine : isA ? x.matrix.aqm : x.matrix.apm;
  if (cand === 0) return s;
  if (!(isA ? allBound(cfg, s, of(id), cand) : allBound(cfg, s, cand, of(id)))) return s;
  const next: Matrix = isA
    ? { ...sh, apm: add(sh.apm, id), aqm: mine === 0 ? x.matrix.aqm : sh.aqm }
    : { ...sh, aqm: add(sh.aqm, id), apm: mine === 0 ? x.matrix.apm : sh.apm };
  return setShadow(s, m, next);
}

/**
 * v12 10/17 shadow initialisation at guest start: the matrix without every APID that has an APQN
 * (with an assigned domain) not bound to vfio_ap. Control domains pass unfiltered (spec §6).
 */
export function fcfsInitialShadow(cfg: Config, s: State, m: MdevName): Matrix {
  const x = mdevOf(s, m).matrix;
  let apm = x.apm;
  for (const a of ids(x.apm)) if (!allBound(cfg, s, of(a), x.aqm)) apm = del(apm, a);
  return { apm, aqm: x.aqm, adm: x.adm };
}
