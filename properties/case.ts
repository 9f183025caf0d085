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

/** Whether the state after a step is quiescent, found once per step for the properties that ask (null: not yet). */
export interface QuietMemo {
  v: boolean | null;
}

/**
 * Why the state or step property `p` fails on the step from `s` by `op` to `r`, or null (a history property, or a
 * quiescent-only one on a state that is not quiescent, never fails here). `quiet` is reset to null for each step.
 */
export function stepFailure(cfg: Config, s: State, op: Op, r: Step, p: Property, quiet: QuietMemo): string | null {
  if (p.kind === 'step') return p.check(cfg, s, op, r);
  if (p.kind !== 'state') return null;
  if (p.quiescentOnly && (quiet.v ??= quiescent(cfg, r.state)) === false) return null;
  return p.check(cfg, r.state);
}

/** Run ops, checking state and step properties after each step; the first violation, or null. */
export function firstStepViolation(
  cfg: Config,
  s0: State,
  ops: readonly Op[],
  props: readonly Property[],
  onStep?: StepHook,
): Violation | null {
  let s = s0;
  const quiet: QuietMemo = { v: null };
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const r = step(cfg, s, op);
    onStep?.(s, op, r);
    quiet.v = null;
    for (const p of props) {
      const why = stepFailure(cfg, s, op, r, p, quiet);
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
