import { has } from '../model/bits.ts';
import type { Config } from '../model/policy.ts';
import { qix } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { StepProperty } from './types.ts';
import { apqnName, cross, queue } from './util.ts';

/**
 * Is the reset of queue (a, d) in progress in `s` (spec §9)? vfio_ap's queue object holds an
 * in-progress answer and its work item still polls, or the hardware still answers "reset in
 * progress" (the 5.x reset gives up after one retry and nothing polls). A ZAPQ issued where no
 * queue object keeps its answer (the bus's, zcrypt's) is I9's business through the `dirty` mark.
 */
export function resetInProgress(cfg: Config, s: State, a: number, d: number): boolean {
  return resettingAt(s, qix(cfg.scope, a, d));
}

/** resetInProgress of the queue at index i of s.queues. */
function resettingAt(s: State, i: number): boolean {
  const q = s.queues[i];
  return q?.driver === 'vfio_ap' && q.reset === 'in_progress' && (q.polling || s.fault[i] === 'busy');
}

/** resetInProgress for some queue of the scope (the queue list holds the scope's queues, in qix order). */
function anyResetInProgress(s: State): boolean {
  for (let i = 0; i < s.queues.length; i++) if (resettingAt(s, i)) return true;
  return false;
}

const inCrycb = (s: State, vm: string, a: number, d: number): boolean => {
  const c = s.vms[vm]?.crycb;
  return c !== undefined && has(c.apm, a) && has(c.aqm, d);
};

/**
 * A transient property of the asynchronous reset (spec §9, I9): the hardware is still zeroizing a
 * queue whose reset is in progress, so no step may hand it on: it does not enter a guest's CRYCB
 * (that guest's included: a re-plug while the reset runs) and does not bind to the default driver.
 * Checked on every transition, the intermediate states of the reset work item included.
 */
export const noHandoverWhileResetting: StepProperty = {
  kind: 'step',
  name: 'no-handover-while-resetting',
  statement: "No queue enters a guest's CRYCB or binds to the default driver while its reset is in progress.",
  spec: 'I9',
  // An idle step: the same state: no APQN entered a CRYCB, no queue was bound.
  holdsWhenIdle: true,
  // Checked on every transition until some queue's reset is in progress: the after-state's queues and faults are
  // looked at only when they are not the before-state's.
  exercised: (_cfg, before, _op, after) => {
    const s = after.state;
    return (
      anyResetInProgress(before) || ((s.queues !== before.queues || s.fault !== before.fault) && anyResetInProgress(s))
    );
  },
  check: (cfg, before, _op, after) => {
    const s = after.state;
    // The same guests and queues (the reducer keeps unchanged parts): no APQN entered a CRYCB and no
    // queue was bound, and nothing else is read (the transition cache tracks reads).
    if (s === before || (s.vms === before.vms && s.queues === before.queues)) return null;
    for (const vm in s.vms) {
      // A guest whose CRYCB is the same object gained no APQN.
      if (s.vms === before.vms || s.vms[vm]!.crycb === before.vms[vm]?.crycb) continue;
      for (const [a, d] of cross(s.vms[vm]!.crycb)) {
        if (a >= cfg.scope.adapters || d >= cfg.scope.domains || inCrycb(before, vm, a, d)) continue;
        if (resetInProgress(cfg, s, a, d))
          return `${apqnName(a, d)} entered ${vm}'s CRYCB while its reset is in progress`;
      }
    }
    // The same queues: none was bound.
    if (s.queues === before.queues) return null;
    for (let a = 0; a < cfg.scope.adapters; a++) {
      for (let d = 0; d < cfg.scope.domains; d++) {
        if (queue(cfg, s, a, d)?.driver !== 'cex4queue' || queue(cfg, before, a, d)?.driver === 'cex4queue') continue;
        // The vfio_ap queue object goes with the unbind: the reset was in progress before the step and the
        // hardware still answers so after it.
        if (resetInProgress(cfg, before, a, d) && s.fault[qix(cfg.scope, a, d)] === 'busy')
          return `${apqnName(a, d)} bound to cex4queue while its reset is in progress`;
      }
    }
    return null;
  },
};
