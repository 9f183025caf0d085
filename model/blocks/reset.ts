import { has, ids, type Mask } from '../bits.ts';
import type { Config, Outcome, Reported } from '../policy.ts';
import { qix } from '../scope.ts';
import type { MdevName, ResetStatus, State } from '../state.ts';
import { patchQueue, setDirty, setQueue } from '../state.ts';
import { linkedApqns } from './link.ts';
import { isLinked, mdevOf, queueAt } from './queries.ts';

/**
 * ZAPQ on APQN (apid, apqi), as the hardware answers it (spec §9): 'failed' (0x01, APQN not valid)
 * outside the host configuration, 'deconfigured' (0x03) for a deconfigured card, 'checkstopped' (0x04),
 * 'failed' for a queue whose resets fail (a trace `fault`), else 'normal'. A normal reset wipes the
 * queue, so it clears the ghost `dirty` mark. Nothing else: no driver state is touched here.
 */
export function zapq(cfg: Config, s: State, apid: number, apqi: number): { state: State; status: ResetStatus } {
  if (!has(s.host.apm, apid) || !has(s.host.aqm, apqi)) return { state: s, status: 'failed' };
  if (has(s.cardOff, apid)) return { state: s, status: 'deconfigured' };
  const i = qix(cfg.scope, apid, apqi);
  const f = s.fault[i];
  if (f === 'checkstop') return { state: s, status: 'checkstopped' };
  if (f === 'reset_fails') return { state: s, status: 'failed' };
  return { state: setDirty(s, i, null), status: 'normal' };
}

/** vfio_ap_mdev_reset_queue() and wait: ZAPQ, then store the answer in the queue object if one exists. */
export function resetQueue(cfg: Config, s: State, apid: number, apqi: number): State {
  const r = zapq(cfg, s, apid, apqi);
  const q = queueAt(cfg, r.state, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap' || q.reset === r.status) return r.state;
  return setQueue(r.state, qix(cfg.scope, apid, apqi), patchQueue(q, { reset: r.status }));
}

/** Reset every APQN in the list, in order (resets are issued, then all waited for: the order is immaterial). */
export function resetList(cfg: Config, s: State, list: readonly (readonly [number, number])[]): State {
  for (const [a, d] of list) s = resetQueue(cfg, s, a, d);
  return s;
}

/** reset_queues_for_apids(): the queues of `apids` × the (new) shadow.aqm that are linked to `m` (spec §8.2). */
export function resetApids(cfg: Config, s: State, m: MdevName, apids: Mask): State {
  if (apids === 0) return s;
  const sh = mdevOf(s, m).shadow;
  if (sh === null) return s;
  const ds = ids(sh.aqm);
  for (const a of ids(apids)) for (const d of ds) if (isLinked(cfg, s, m, a, d)) s = resetQueue(cfg, s, a, d);
  return s;
}

/** vfio_ap_mdev_reset_queues(): every queue linked to `m` (its qtable). */
export const resetLinked = (cfg: Config, s: State, m: MdevName): State => resetList(cfg, s, linkedApqns(s, m));

/**
 * The static design's reset of a matrix: ZAPQ by APQN for every APQN of matrix.apm × matrix.aqm,
 * whether or not a vfio_ap queue object exists (and so even when bound to zcrypt; spec §5, inferred).
 */
export function resetApqns(cfg: Config, s: State, apm: Mask, aqm: Mask): State {
  const ds = ids(aqm);
  for (const a of ids(apm)) for (const d of ds) s = resetQueue(cfg, s, a, d);
  return s;
}

/** The stored reset statuses of the queues linked to `m` that are not 'normal' (VFIO_DEVICE_RESET's EIO). */
export function abnormalLinked(cfg: Config, s: State, m: MdevName): [number, number][] {
  return linkedApqns(s, m).filter(([a, d]) => queueAt(cfg, s, a, d)?.reset !== 'normal');
}

/**
 * VFIO_DEVICE_RESET of the dynamic designs: reset every linked queue; EIO if a stored response is not
 * normal (§8.4).
 */
export function vfioResetLinked(cfg: Config, s: State, m: MdevName): Reported {
  const state = resetLinked(cfg, s, m);
  return { state, errno: abnormalLinked(cfg, state, m).length > 0 ? 'EIO' : null };
}

/** One iteration of the queue's reset work item (apq_reset_check, spec §9); EAGAIN when none is queued. */
export function resetPoll(cfg: Config, s: State, apid: number, apqi: number): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || !q.polling) return 'EAGAIN';
  return s;
}
