/** `apmc run` with a misbehaving policy: which step of the trace made the guarded policy fault. */
import { step } from '../model/step.ts';
import { scanJson } from '../trace/json-lines.ts';
import { readInput } from './read-input.ts';
import { asFault } from '../properties/policy-error.ts';
import type { PolicyFault, PolicyGuard } from '../properties/policy-guard.ts';
import { traceInitialState } from '../trace/exec.ts';
import { formatOp } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';

/** A policy error located in a trace: `file:line: policy error in 'p': 'assign' threw: … (at 'm1 assign_adapter 1')`. */
export class TracePolicyError extends Error {
  readonly fault: PolicyFault;
  constructor(where: string, fault: PolicyFault, op: string | null) {
    super(`${where}: policy error in '${fault.policy}': ${fault.message}${op ? ` (at '${op}')` : ''}`);
    this.fault = fault;
  }
}

/** The fault `e` (thrown while running `t`), located at the file, line and operation that caused it. */
export function runFault(t: Trace, guard: PolicyGuard, file: string, e: unknown): TracePolicyError {
  const cfg = { scope: t.scope, policy: guard.policy };
  guard.thorough = true;
  let s = traceInitialState(t);
  for (const [i, st] of t.steps.entries()) {
    try {
      s = step(cfg, s, st.op).state;
    } catch (err) {
      const line = st.line ?? jsonOpLine(file, i);
      const where = `${file}${line !== null ? `:${line}` : ` (step ${i + 1})`}`;
      return new TracePolicyError(where, asFault(guard.policy.name, err), formatOp(st.op));
    }
  }
  return new TracePolicyError(file, asFault(guard.policy.name, e), null);
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
