import { has, intersects, type Mask } from '../bits.ts';
import type { Errno } from '../errno.ts';
import type { Resource } from '../ops.ts';
import type { Config, Reported } from '../policy.ts';
import type { MdevName, State } from '../state.ts';
import { sharingLog, type SharingWords } from './mdev.ts';
import { isBound, mdevOf, sharers } from './queries.ts';

/** apm_max / aqm_max / adm_max (vfio_ap_matrix_init): the scope is the model machine's Na / Nd. */
export function maxId(cfg: Config, res: Resource): number {
  if (res === 'adapter') return cfg.scope.adapters - 1;
  if (res === 'domain') return cfg.scope.domains - 1;
  return cfg.scope.control_domains - 1;
}

/** ENODEV for an id above the maximum (the sysfs parse never fails for the integer ids ops carry). */
export const idError = (cfg: Config, res: Resource, id: number): Errno | null =>
  id > maxId(cfg, res) ? 'ENODEV' : null;

/**
 * vfio_ap_mdev_validate_masks() part 1: EADDRNOTAVAIL if some APQN of apm × aqm is default-owned.
 * `apmHigh` / `aqmHigh`: the write also names ids above MAX_ID (the bus masks keep those bits uniform).
 */
export const checkNotReserved = (s: State, apm: Mask, aqm: Mask, apmHigh = false, aqmHigh = false): Errno | null =>
  (intersects(apm, s.bus.apmask) || (apmHigh && s.bus.apmaskHigh)) &&
  (intersects(aqm, s.bus.aqmask) || (aqmHigh && s.bus.aqmaskHigh))
    ? 'EADDRNOTAVAIL'
    : null;

/** vfio_ap_mdev_verify_no_sharing(): EADDRINUSE if another mdev's matrix shares an APQN with apm × aqm. */
export const checkNotShared = (s: State, m: MdevName, apm: Mask, aqm: Mask): Errno | null =>
  sharers(s, m, apm, aqm).length > 0 ? 'EADDRINUSE' : null;

/** vfio_ap_mdev_validate_masks() (D0+): the whole matrix, default ownership first, then sharing. */
export const validateMatrix = (s: State, m: MdevName, apm: Mask, aqm: Mask): Errno | null =>
  checkNotReserved(s, apm, aqm) ?? checkNotShared(s, m, apm, aqm);

/**
 * validateMatrix with vfio_ap_mdev_log_sharing_err()'s lines: an EADDRINUSE refusal comes with the state
 * whose log holds them (one per shared APQN, for every sharer; the kernel stops at the first sharer of its
 * list, an order the model does not keep).
 */
export function validateLogged(
  s: State,
  m: MdevName,
  apm: Mask,
  aqm: Mask,
  words: SharingWords = '2025',
): Errno | Reported | null {
  const v = validateMatrix(s, m, apm, aqm);
  if (v !== 'EADDRINUSE') return v;
  let out = s;
  for (const o of sharers(s, m, apm, aqm)) out = sharingLog(out, m, o, apm, aqm, words);
  return { state: out, errno: v };
}

/**
 * The static design's reservation check for assigning `id` (spec §5): with no assigned domain
 * (adapter), at least one queue of the adapter must be bound to vfio_ap; otherwise every APQN of the
 * new row (column) must be. EADDRNOTAVAIL otherwise.
 */
export function checkReservedForVfio(
  cfg: Config,
  s: State,
  m: MdevName,
  res: 'adapter' | 'domain',
  id: number,
): Errno | null {
  const x = mdevOf(s, m);
  const other = res === 'adapter' ? x.matrix.aqm : x.matrix.apm;
  const n = res === 'adapter' ? cfg.scope.domains : cfg.scope.adapters;
  const bound = (o: number) =>
    res === 'adapter' ? isBound(cfg, s, id, o, 'vfio_ap') : isBound(cfg, s, o, id, 'vfio_ap');
  if (other === 0) {
    for (let o = 0; o < n; o++) if (bound(o)) return null;
    return 'EADDRNOTAVAIL';
  }
  for (let o = 0; o < 32; o++) if (has(other, o) && !bound(o)) return 'EADDRNOTAVAIL';
  return null;
}
