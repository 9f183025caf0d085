/** `apmc run`, `explain`, `diff` with a misbehaving policy: which step of the trace made the guarded policy fault. */
import type { Policy } from '../model/policy.ts';
import { step } from '../model/step.ts';
import { scanJson } from '../trace/json-lines.ts';
import { readInput } from './read-input.ts';
import { asFault } from '../properties/policy-error.ts';
import { guardPolicy, type PolicyFault, type PolicyGuard } from '../properties/policy-guard.ts';
import { traceInitialState } from '../trace/exec.ts';
import { formatOp } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';
import { recordTraceStep } from './sandbox-watch.ts';

/**
 * A policy error located in a trace: `file:line: policy error in 'p': 'assign' threw: …`, or
 * `file (step n): … (at 'op')`.
 */
export class TracePolicyError extends Error {
  readonly fault: PolicyFault;
  constructor(where: string, fault: PolicyFault, op: string | null) {
    super(`${where}: policy error in '${fault.policy}': ${fault.message}${op ? ` (at '${op}')` : ''}`);
    this.fault = fault;
  }
}

/** Where step i of trace t is: `file:line`, or `file (step n)` when the line is not known; and its op. */
export function stepWhere(t: Trace, file: string, i: number): { where: string; op: string | null } {
  const st = t.steps[i];
  if (st === undefined) return { where: file, op: null };
  const line = st.line ?? jsonOpLine(file, i);
  // The op is named only where no line is known: the line names it, and the message keeps to 80 columns.
  if (line !== null) return { where: `${file}:${line}`, op: null };
  return { where: `${file} (step ${i + 1})`, op: formatOp(st.op) };
}

/**
 * Run `t` under `policy` guarded thoroughly, each step recorded for the sandbox's watchdog (policy
 * number `which`): the first fault, located, or null when the policy behaves on the whole trace.
 */
export function traceFault(t: Trace, policy: Policy, file: string, which = 0): TracePolicyError | null {
  const guard = guardPolicy(policy);
  guard.thorough = true;
  const cfg = { scope: t.scope, policy: guard.policy };
  let s = traceInitialState(t);
  for (let i = 0; i < t.steps.length; i++) {
    recordTraceStep(i, which);
    try {
      s = step(cfg, s, t.steps[i]!.op).state;
    } catch (err) {
      const at = stepWhere(t, file, i);
      return new TracePolicyError(at.where, asFault(policy.name, err), at.op);
    }
  }
  return null;
}

/** The fault `e` (thrown while running `t`), located at the file, line and operation that caused it. */
export function runFault(t: Trace, guard: PolicyGuard, file: string, e: unknown): TracePolicyError {
  return traceFault(t, guard.raw, file) ?? new TracePolicyError(file, asFault(guard.policy.name, e), null);
}

/** The line of ops[i] in a JSON trace file (text traces carry their lines). */
function jsonOpLine(file: string, i: number): number | null {
  try {
    const scan = scanJson(readInput(file, 'trace'), new Set([`ops[${i}]`]));
    return 'lines' in scan ? (scan.lines.get(`ops[${i}]`) ?? null) : null;
  } catch {
    return null;
  }
}
