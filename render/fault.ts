/** A policy error's trace replayed: each step with its result, up to the step where the policy faults. */
import type { Op } from '../model/ops.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { formatOp } from '../trace/format.ts';
import { oneLine } from './term.ts';

export interface FaultStep {
  /** The op as a trace line, escaped for a terminal. */
  readonly op: string;
  /** Its result; null at the step where the policy faults (the last). */
  readonly result: string | null;
}

/**
 * `ops` under `policy`, guarded (so it cannot throw): a step per op up to the faulting one, whose result is null.
 * Without the policy object (a base known by name only), the ops without results, step `at` the faulting one.
 */
export function faultSteps(policy: Policy | undefined, scope: Scope, ops: readonly Op[], at = -1): FaultStep[] {
  const texts = ops.map((op) => oneLine(formatOp(op)));
  if (!policy) return texts.map((op, i) => ({ op, result: i === at ? null : '' }));
  const guard = guardPolicy(policy);
  guard.thorough = true;
  const cfg = { scope, policy: guard.policy };
  let s = initialState(scope);
  const out: FaultStep[] = [];
  for (const [i, op] of ops.entries()) {
    try {
      const r = step(cfg, s, op);
      s = r.state;
      out.push({ op: texts[i]!, result: oneLine(r.result) });
    } catch {
      out.push({ op: texts[i]!, result: null });
      break;
    }
  }
  return out;
}
