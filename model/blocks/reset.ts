/**
 * Queue resets (spec §9): the hardware's ZAPQ and TAPQ answers, vfio_ap's reset of a queue object
 * with its work item (6.6+: `reset_poll` steps it), the waits of the callers that need the final
 * status, and the synchronous reset of the 5.x kernels (static, v12).
 */
import { has, ids, type Mask } from '../bits.ts';
import type { Errno } from '../errno.ts';
import type { Config, Outcome, Reported } from '../policy.ts';
import { apqnName, qix } from '../scope.ts';
import type { Matrix, MdevName, ResetStatus, State } from '../state.ts';
import { patchQueue, patchState, setDirty, setQueue } from '../state.ts';
import { logLine, warn } from './events.ts';
import { linkedApqns } from './link.ts';
import { isLinked, mdevOf, queueAt } from './queries.ts';
import { replaceable } from './replaceable.ts';

/** What the hardware answers a ZAPQ or TAPQ on (apid, apqi) now; `reason` names a 'failed' answer. */
export function answer(cfg: Config, s: State, apid: number, apqi: number): { status: ResetStatus; reason: string } {
  if (!has(s.host.apm, apid) || !has(s.host.aqm, apqi)) return { status: 'failed', reason: 'APQN not valid' };
  if (has(s.cardOff, apid)) return { status: 'deconfigured', reason: '' };
  const f = s.fault[qix(cfg.scope, apid, apqi)];
  if (f === 'checkstop') return { status: 'checkstopped', reason: '' };
  if (f === 'reset_fails') return { status: 'failed', reason: 'an error response code' };
  if (f === 'busy') return { status: 'in_progress', reason: '' };
  return { status: 'normal', reason: '' };
}

/**
 * ZAPQ on APQN (apid, apqi), as the hardware answers it (spec §9): 'failed' (0x01, APQN not valid)
 * outside the host configuration, 'deconfigured' (0x03) for a deconfigured card, 'checkstopped' (0x04),
 * 'failed' for a queue whose resets fail, 'in_progress' (0x02/0x05) while the queue is busy (both
 * trace `fault`s), else 'normal'. Only a normal reset wipes the queue, so only it clears the ghost
 * `dirty` mark (an in-progress reset has not zeroized it yet). No driver state is touched here.
 */
export const zapq = replaceable(
  'zapq',
  (cfg: Config, s: State, apid: number, apqi: number): { state: State; status: ResetStatus } => {
    const status = answer(cfg, s, apid, apqi).status;
    return { state: status === 'normal' ? setDirty(s, qix(cfg.scope, apid, apqi), null) : s, status };
  },
);

/**
 * What the reset paths of an era list as answers they expect; any other answer WARNs. 2024+ (upstream)
 * lists checkstopped in vfio_ap_mdev_reset_queue and apq_status_check; 6.6–6.7 (d0) do not.
 */
export interface ResetEra {
  readonly checkstopListed: boolean;
}
export const ERA_2024: ResetEra = { checkstopListed: true };
export const ERA_6_6: ResetEra = { checkstopListed: false };

const listed = (era: ResetEra, r: ResetStatus): boolean =>
  r === 'normal' || r === 'deconfigured' || r === 'in_progress' || (r === 'checkstopped' && era.checkstopListed);

/** Response code `r` as the kernel's messages print it; for 'failed', why the hardware failed it. */
function rcText(cfg: Config, s: State, apid: number, apqi: number, r: ResetStatus): string {
  if (r !== 'failed') return { normal: '0', in_progress: '2', deconfigured: '3', checkstopped: '4' }[r];
  const why = answer(cfg, s, apid, apqi).reason;
  return why === 'APQN not valid' ? '1' : `<${why || 'an error response code'}>`;
}

/** q's stored status and work item, if (apid, apqi) still has a vfio_ap queue object. */
function store(cfg: Config, s: State, apid: number, apqi: number, p: { reset?: ResetStatus; polling: boolean }): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return s;
  if ((p.reset === undefined || q.reset === p.reset) && q.polling === p.polling) return s;
  return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, p));
}

/**
 * vfio_ap_mdev_reset_queue() (6.6+), without waiting: ZAPQ, store the answer in the queue object and,
 * for normal / in-progress, queue the work item (apq_reset_check); an answer the era does not list
 * WARNs. Nothing without a vfio_ap queue object (`if (!q) return`).
 */
export function issueReset(cfg: Config, s: State, apid: number, apqi: number, era: ResetEra = ERA_2024): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return s;
  const z = zapq(cfg, s, apid, apqi);
  // §9: the verification poll of a normal ZAPQ (TAPQ normal, nothing to re-issue) would change nothing: compressed.
  s = store(cfg, z.state, apid, apqi, { reset: z.status, polling: z.status === 'in_progress' });
  if (listed(era, z.status)) return s;
  const rc = rcText(cfg, z.state, apid, apqi, z.status);
  return warn(s, `PQAP/ZAPQ for ${apqnName(apid, apqi)} failed with invalid rc=${rc}`, [apid, apqi]);
}

/**
 * One iteration of apq_reset_check (spec §9): TAPQ; still in progress → a notice (rate limited in
 * the kernel; the model keeps no elapsed time, so it names one AP_RESET_INTERVAL); normal,
 * deconfigured (or a listed checkstop) after an in-progress ZAPQ → ZAPQ again, store, poll on; else
 * stop. An unexpected TAPQ answer WARNs and stops, leaving the last stored status. (0x35/0x36, a
 * failed secret association, are not modelled.)
 */
function pollOnce(cfg: Config, s: State, apid: number, apqi: number, era: ResetEra): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || !q.polling) return s;
  const name = apqnName(apid, apqi);
  const t = answer(cfg, s, apid, apqi).status;
  if (t === 'in_progress')
    return logLine(s, 'notice', `Waited 20ms for reset of queue ${name}`, { apqns: [[apid, apqi]] });
  if (!listed(era, t)) {
    const rc = rcText(cfg, s, apid, apqi, t);
    s = store(cfg, s, apid, apqi, { polling: false });
    return warn(s, `failed to verify reset of queue ${name}: TAPQ rc=${rc}`, [apid, apqi]);
  }
  if (q.reset !== 'in_progress') return store(cfg, s, apid, apqi, { polling: false });
  const z = zapq(cfg, s, apid, apqi);
  // §9: a normal re-issued ZAPQ's verification poll would change nothing: compressed.
  return store(cfg, z.state, apid, apqi, { reset: z.status, polling: z.status !== 'normal' });
}

/**
 * One iteration of the queue's reset work item (the `reset_poll` op), with the 2024+ switches; EAGAIN when
 * none is queued. The built-ins' callers all wait, so only a patch that does not leaves a work item here.
 */
export function resetPoll(cfg: Config, s: State, apid: number, apqi: number): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || !q.polling) return 'EAGAIN';
  return pollOnce(cfg, s, apid, apqi, ERA_2024);
}

/** The APQNs whose reset work item is queued (a `reset_poll` step has work), in (adapter, domain) order. */
export function pendingResets(cfg: Config, s: State): [number, number][] {
  const out: [number, number][] = [];
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) if (queueAt(cfg, s, a, d)?.polling === true) out.push([a, d]);
  }
  return out;
}

/**
 * flush_work(&q->reset_work): run the work item to its end. §9's polling has no bound; the model
 * ends a waiting caller's wait when the hardware finishes: after one in-progress poll, the queue's
 * busy condition ends (its `fault` becomes 'none').
 */
export function waitReset(cfg: Config, s: State, apid: number, apqi: number, era: ResetEra = ERA_2024): State {
  const i = qix(cfg.scope, apid, apqi);
  // Each round stops the work item or re-issues a ZAPQ that answers no longer in progress: four suffice.
  for (let round = 0; round < 4 && queueAt(cfg, s, apid, apqi)?.polling === true; round++) {
    s = pollOnce(cfg, s, apid, apqi, era);
    if (s.fault[i] === 'busy') {
      const fault = s.fault.slice();
      fault[i] = 'none';
      s = patchState(s, { fault });
    }
  }
  return s;
}

/** vfio_ap_mdev_reset_queue() and flush_work() (6.6+): the caller sees the final status. */
export const resetQueue = replaceable(
  'resetQueue',
  (cfg: Config, s: State, apid: number, apqi: number): State =>
    waitReset(cfg, issueReset(cfg, s, apid, apqi), apid, apqi),
);

/** d0's resetQueue: 6.6–6.7's switches do not list checkstopped (a checkstopped queue's reset WARNs). */
export const resetQueue66 = (cfg: Config, s: State, apid: number, apqi: number): State =>
  waitReset(cfg, issueReset(cfg, s, apid, apqi, ERA_6_6), apid, apqi, ERA_6_6);

/**
 * vfio_ap_mdev_reset_qlist(): issue every reset, then wait for each. Each queue's outcome depends on
 * that queue alone, so resetting queue by queue (through the replaceable block) gives the same state.
 */
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
  const list: [number, number][] = [];
  for (const a of ids(apids)) for (const d of ds) if (isLinked(cfg, s, m, a, d)) list.push([a, d]);
  return resetList(cfg, s, list);
}

/** vfio_ap_mdev_reset_queues(): every queue linked to `m` (its qtable), waited for. */
export const resetLinked = (cfg: Config, s: State, m: MdevName): State => resetList(cfg, s, linkedApqns(s, m));

/** The stored reset statuses of the queues linked to `m` that are not 'normal' (VFIO_DEVICE_RESET's EIO). */
export function abnormalLinked(cfg: Config, s: State, m: MdevName): [number, number][] {
  return linkedApqns(s, m).filter(([a, d]) => queueAt(cfg, s, a, d)?.reset !== 'normal');
}

/**
 * VFIO_DEVICE_RESET of 6.8+ (vfio_ap_mdev_reset_queues): reset every linked queue and wait; EIO if a
 * final stored response code is not 0, so deconfigured and checkstopped queues count too (§8.4).
 */
export function vfioResetLinked(cfg: Config, s: State, m: MdevName): Reported {
  const state = resetLinked(cfg, s, m);
  return { state, errno: abnormalLinked(cfg, state, m).length > 0 ? 'EIO' : null };
}

/**
 * VFIO_DEVICE_RESET of 6.6–6.7 (d0): the same resets; EIO when a final stored status fails the
 * design's own passable test (vfio_ap_mdev_reset_queues tests the response code, which 6.6 forces
 * to 0 for a deconfigured queue: exactly d0's passable).
 */
export function vfioResetPassable(cfg: Config, s: State, m: MdevName): Reported {
  const state = resetLinked(cfg, s, m);
  const bad = linkedApqns(state, m).some(
    ([a, d]) => !cfg.policy.passable(queueAt(cfg, state, a, d)?.reset ?? 'normal'),
  );
  return { state, errno: bad ? 'EIO' : null };
}

// --- the 5.x synchronous reset (static, v12) -----------------------------------------------------

/**
 * vfio_ap_mdev_reset_queue(q, 1) of 5.x: nothing and 0 without a vfio_ap queue object; ZAPQ: normal → 0;
 * in progress → one retry after 20 ms, then EBUSY (nothing waits further: the reset may still be in
 * progress); not available, deconfigured, checkstopped → EBUSY; anything else → WARN and EIO. The 5.x queue
 * object keeps no answer; the model keeps it (v12's passable test, and a reset left in progress, §9).
 */
export function resetQueueSync(
  cfg: Config,
  s: State,
  apid: number,
  apqi: number,
): { state: State; errno: Errno | null } {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver !== 'vfio_ap') return { state: s, errno: null };
  let z = zapq(cfg, s, apid, apqi);
  if (z.status === 'in_progress') z = zapq(cfg, z.state, apid, apqi);
  s = store(cfg, z.state, apid, apqi, { reset: z.status, polling: false });
  if (z.status === 'normal') return { state: s, errno: null };
  if (z.status !== 'failed' || answer(cfg, s, apid, apqi).reason === 'APQN not valid')
    return { state: s, errno: 'EBUSY' };
  const rc = rcText(cfg, s, apid, apqi, z.status);
  return { state: warn(s, `PQAP/ZAPQ completed with invalid rc (${rc})`, [apid, apqi]), errno: 'EIO' };
}

/**
 * vfio_ap_mdev_reset_queues() of 5.x: every APQN of `apqns` that has a vfio_ap queue object, reset
 * in turn; the result is the last nonzero one (`if (ret) rc = ret`). An APQN without a vfio_ap
 * queue (unbound, bound to zcrypt, gone from the host) is skipped: 0.
 */
export function resetApqnsSync(cfg: Config, s: State, apqns: readonly (readonly [number, number])[]): Reported {
  let errno: Errno | null = null;
  for (const [a, d] of apqns) {
    const r = resetQueueSync(cfg, s, a, d);
    s = r.state;
    if (r.errno !== null) errno = r.errno;
  }
  return { state: s, errno };
}

/** The APQNs of matrix apm × aqm within the scope, APID-major (for_each_set_bit_inv twice). */
export function matrixApqns(cfg: Config, mx: Matrix): [number, number][] {
  const out: [number, number][] = [];
  for (const a of ids(mx.apm)) {
    if (a >= cfg.scope.adapters) continue;
    for (const d of ids(mx.aqm)) if (d < cfg.scope.domains) out.push([a, d]);
  }
  return out;
}
