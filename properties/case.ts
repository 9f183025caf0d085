/**
 * A generated case and how it is checked: its trace against the state and step properties, then
 * each history property on the histories it derives from the case (properties/types.ts).
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step, type Step } from '../model/step.ts';
import { quiescent, settle } from './quiescence.ts';
import type { Case, Property, Violation } from './types.ts';

export type { Case, Violation } from './types.ts';

/** Sees every step of a case's first history (engines use it for operation stats and vacuity). */
export type StepHook = (before: State, op: Op, after: Step) => void;

/** Run ops, checking state and step properties after each step; the first violation, or null. */
export function firstStepViolation(
  cfg: Config,
  s0: State,
  ops: readonly Op[],
  props: readonly Property[],
  onStep?: StepHook,
): Violation | null {
  let s = s0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const r = step(cfg, s, op);
    onStep?.(s, op, r);
    let q: boolean | null = null;
    for (const p of props) {
      let why: string | null = null;
      if (p.kind === 'step') why = p.check(cfg, s, op, r);
      else if (p.kind === 'state') {
        if (p.quiescentOnly && (q ??= quiescent(cfg, r.state)) === false) continue;
        why = p.check(cfg, r.state);
      }
      if (why) return { property: p.name, ops: ops.slice(0, i + 1), at: i, reason: why };
    }
    s = r.state;
  }
  return null;
}

/** The final state of ops, settled (scan finished, re-probes done). */
export function runSettled(cfg: Config, s0: State, ops: readonly Op[]): State {
  let s = s0;
  for (const op of ops) s = step(cfg, s, op).state;
  return settle(cfg, s);
}

/**
 * The first violation of `props` in this case: its first history against the state and step
 * properties, then each history property (in the order of `props`) on what it derives from the case.
 */
export function checkCase(
  cfg: Config,
  s0: State,
  c: Case,
  props: readonly Property[],
  onStep?: StepHook,
): Violation | null {
  const local = props.filter((p) => p.kind !== 'history');
  const v = local.length > 0 || onStep ? firstStepViolation(cfg, s0, c.ops, local, onStep) : null;
  if (v) return v;
  for (const p of props) {
    if (p.kind !== 'history') continue;
    const h = p.checkCase(cfg, s0, c);
    if (h) return h;
  }
  return null;
}
