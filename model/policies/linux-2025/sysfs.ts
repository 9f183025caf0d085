/**
 * linux-2025: the mdev's sysfs stores of vfio_ap_ops.c @9b44fff6 (assign_* / unassign_* / ap_config). The
 * ap_perms_mutex and update locks they take are beyond the model (each store is one step).
 */
import { add, has, ids, MAX_ID, minus, of, type Mask } from '../../bits.ts';
import { filterCdoms } from '../../blocks/filter.ts';
import { mdevOf } from '../../blocks/queries.ts';
import { setMatrix, updateApcb } from '../../blocks/update.ts';
import { idError, maxId } from '../../blocks/validate.ts';
import type { Resource } from '../../ops.ts';
import type { Config, Effect, MatrixIds } from '../../policy.ts';
import type { Matrix, MdevName, State } from '../../state.ts';
import { applyFilter, filterMatrix, hotUnplug, resetQueuesForApids, validateMasks } from './matrix.ts';
import { linkAdapter, linkDomain } from './table.ts';
import { assignControlDomain as upstreamAssignControlDomain, unassignWith } from '../upstream.ts';

/**
 * assign_adapter_store(), vfio_ap_ops.c:1073-1120 / assign_domain_store(), vfio_ap_ops.c:1297-1344: ENODEV above
 * apm_max (aqm_max); an assigned id is a no-op; set the bit and validate the whole matrix (cleared again on
 * EADDRNOTAVAIL / EADDRINUSE); link the new row (column); filter the whole matrix and, if the shadow changed, update
 * the APCB and reset the filtered APIDs.
 */
export function assignUsage(cfg: Config, s: State, m: MdevName, res: 'adapter' | 'domain', id: number): Effect {
  const e = idError(cfg, res, id);
  if (e) return e;
  const x = mdevOf(s, m).matrix;
  if (has(res === 'adapter' ? x.apm : x.aqm, id)) return s;
  const matrix = res === 'adapter' ? { ...x, apm: add(x.apm, id) } : { ...x, aqm: add(x.aqm, id) };
  const v = validateMasks(s, m, matrix.apm, matrix.aqm);
  if (v) return v;
  s = setMatrix(s, m, matrix);
  s = res === 'adapter' ? linkAdapter(cfg, s, m, id) : linkDomain(cfg, s, m, id);
  return applyFilter(cfg, filterMatrix(cfg, s, m), m);
}

/**
 * assign_control_domain_store(), vfio_ap_ops.c:1469-1506: ENODEV; no-op if set; set; vfio_ap_mdev_filter_cdoms(),
 * vfio_ap_ops.c:671-681 (shadow.adm := matrix.adm ∩ info.adm), and, if changed, plug: upstream's
 * assignControlDomain does exactly this.
 */
export const assignControlDomain = upstreamAssignControlDomain;

/** assign_*_store(): the three attributes. */
export const assign = (cfg: Config, s: State, m: MdevName, res: Resource, id: number): Effect =>
  res === 'control_domain' ? assignControlDomain(cfg, s, m, id) : assignUsage(cfg, s, m, res, id);

/**
 * unassign_adapter_store(), vfio_ap_ops.c:1220-1250 / unassign_domain_store(), vfio_ap_ops.c:1421-1452: ENODEV; no-op
 * if not assigned; clear the bit; vfio_ap_mdev_hot_unplug_adapter(), vfio_ap_ops.c:1195-1203 (_domain(),
 * vfio_ap_ops.c:1396-1404). unassign_control_domain_store(), vfio_ap_ops.c:1523-1558: clear it; if in the shadow, clear
 * it there and update the APCB. Nothing is re-filtered.
 */
// The store functions' checks and bit updates are upstream's, line for line; the hot unplug is this file's.
export const unassign = unassignWith((cfg, s, m, res, id) => hotUnplug(cfg, s, m, res, of(id)));

/** The ids the model's masks can hold; ids above MAX_ID only matter to the checks. */
const toMask = (list: readonly number[]): Mask => of(...list.filter((id) => id <= MAX_ID));
const anyHigh = (list: readonly number[]): boolean => list.some((id) => id > MAX_ID);

/**
 * ap_config_store(), vfio_ap_ops.c:1705-1785: parse (EINVAL, in the step); the new matrix is validated (EADDRNOTAVAIL,
 * EADDRINUSE) and overflow-checked (ENODEV) and restored on failure; with the old matrix, hot unplug the removed
 * adapters, then the removed domains; with the new one, link the added adapters (over the new aqm), then the added
 * domains (over the new apm); filter_matrix and filter_cdoms; if either changed, update the APCB and reset the
 * filtered.
 */
export function apConfig(cfg: Config, s: State, m: MdevName, w: MatrixIds): Effect {
  const next: Matrix = { apm: toMask(w.apm), aqm: toMask(w.aqm), adm: toMask(w.adm) };
  const v = validateMasks(s, m, next.apm, next.aqm, anyHigh(w.apm), anyHigh(w.aqm));
  if (v) return v;
  // ap_matrix_overflow_check(), vfio_ap_ops.c:1672-1692
  const over = (list: readonly number[], res: Resource) => list.some((id) => id > maxId(cfg, res));
  if (over(w.apm, 'adapter') || over(w.aqm, 'domain') || over(w.adm, 'control_domain')) return 'ENODEV';
  const old = mdevOf(s, m).matrix;
  s = hotUnplug(cfg, s, m, 'adapter', minus(old.apm, next.apm));
  s = hotUnplug(cfg, s, m, 'domain', minus(old.aqm, next.aqm));
  s = setMatrix(s, m, next);
  for (const a of ids(minus(next.apm, old.apm))) s = linkAdapter(cfg, s, m, a);
  for (const d of ids(minus(next.aqm, old.aqm))) s = linkDomain(cfg, s, m, d);
  const f = filterMatrix(cfg, s, m);
  const c = filterCdoms(cfg, f.state, m);
  if (!f.changed && !c.changed) return c.state;
  return resetQueuesForApids(cfg, updateApcb(cfg, c.state, m), m, f.filtered);
}
