/**
 * A transient property: it judges the states between the steps of a bus scan (spec §4.5: scan_start,
 * one scan_step per device added or removed, scan_complete), which no state property sees when the scan
 * runs as one op, and which the explorers only reach one interleaving at a time.
 *
 * On every transition that starts a scan from a state with none under way (a `scan_start`, a whole
 * `scan`, or a synchronous `host` change, whose scan starts after the host change), the scan is run
 * step by step from there, alone, and every state after its `scan_start` and after each `scan_step` is
 * compared with the states before the scan and after its `scan_complete`: a guest must hold, throughout,
 * every APQN it holds both before and after (spec §10 example 5: D0's per-probe filtering made an
 * adapter disappear and re-appear during a scan).
 */
import { has, ids } from '../model/bits.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { apqnName } from '../model/scope.ts';
import { sameMatrix, type State } from '../model/state.ts';
import { type Step, step } from '../model/step.ts';
import { guestWithQueues, nonEmpty } from './exercised.ts';
import type { StepProperty } from './types.ts';

const SCAN_START: Op = { kind: 'scan_start' };
const SCAN_STEP: Op = { kind: 'scan_step' };
const SCAN_COMPLETE: Op = { kind: 'scan_complete' };

/** The state a scan starts from, when the transition starts one from a state with none under way; else null. */
function scanBase(cfg: Config, before: State, op: Op, after: Step): State | null {
  if (before.bus.scan !== null || after.result !== 'ok') return null;
  if (op.kind === 'scan_start' || op.kind === 'scan') return before;
  if (op.kind !== 'host' || op.async === true) return null;
  const h = step(cfg, before, { ...op, async: true });
  return h.result === 'ok' ? h.state : null;
}

/** The APQNs of a CRYCB. */
function crycbApqns(s: State, vm: string): Set<string> {
  const out = new Set<string>();
  const c = s.vms[vm]?.crycb;
  if (c === undefined) return out;
  for (const a of ids(c.apm)) for (const d of ids(c.aqm)) out.add(apqnName(a, d));
  return out;
}

/**
 * The scan from `base`, run alone step by step: the first guest APQN that an intermediate state lacks
 * while the guest has it before and after the scan, as a reason; null when none.
 */
export function scanTakesKept(cfg: Config, base: State): string | null {
  const started = step(cfg, base, SCAN_START);
  if (started.result !== 'ok') return null;
  const between: { state: State; what: string }[] = [{ state: started.state, what: 'scan_start' }];
  let s = started.state;
  // One step per device: at most every APQN of the scope, and a bound all the same.
  for (let n = 0; n <= cfg.scope.adapters * cfg.scope.domains; n++) {
    const r = step(cfg, s, SCAN_STEP);
    if (r.result !== 'ok') break;
    s = r.state;
    between.push({ state: s, what: `scan_step ${n + 1}` });
  }
  const done = step(cfg, s, SCAN_COMPLETE);
  if (done.result !== 'ok') return null;
  for (const vm of Object.keys(base.vms)) {
    const after = crycbApqns(done.state, vm);
    const kept = [...crycbApqns(base, vm)].filter((q) => after.has(q));
    if (kept.length === 0) continue;
    for (const b of between) {
      const c = b.state.vms[vm]?.crycb;
      const lost = kept.filter((q) => {
        const [a, d] = q.split('.').map((x) => parseInt(x, 16)) as [number, number];
        return c === undefined || !has(c.apm, a) || !has(c.aqm, d);
      });
      if (lost.length > 0)
        return `after its ${b.what}, ${vm} lacks ${lost.join(' ')}, which it holds before and after the scan`;
    }
  }
  return null;
}

/** guestWithQueues without an array per call: this check runs on every step of a search. */
function holdsQueues(s: State): boolean {
  for (const vm in s.vms) if (nonEmpty(s.vms[vm]!.crycb)) return true;
  return false;
}

export const scanKeepsGuestQueues: StepProperty = {
  kind: 'step',
  name: 'scan-keeps-guest-queues',
  statement:
    'No state between the steps of a bus scan takes from a guest an APQN that it holds both before and after ' +
    'the scan.',
  spec: 'T1',
  // A scan that did something, with a guest holding queues.
  exercised: (cfg, before, op, after) =>
    after.state !== before && scanBase(cfg, before, op, after) !== null && guestWithQueues(before),
  check: (cfg, before, op, after) => {
    // Cheap tests first: a guest with queues (a host change alone changes no CRYCB), a scan that sees a change.
    if (!holdsQueues(before)) return null;
    const base = scanBase(cfg, before, op, after);
    if (base === null || sameMatrix(base.bus.qci, base.host)) return null;
    const why = scanTakesKept(cfg, base);
    return why === null ? null : `the scan ${op.kind} starts, run step by step: ${why}`;
  },
};
