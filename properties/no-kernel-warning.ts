import type { Apqn, KernelEvent } from '../model/events.ts';
import { formatEvent } from '../model/events.ts';
import type { Config } from '../model/policy.ts';
import { qix } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { StepProperty } from './types.ts';

/** Is `apqn` a queue of the scope whose hardware the trace made misbehave (a `fault` other than none)? */
function faulted(cfg: Config, s: State, apqn: Apqn): boolean {
  const [a, d] = apqn;
  if (a >= cfg.scope.adapters || d >= cfg.scope.domains) return false;
  return (s.fault[qix(cfg.scope, a, d)] ?? 'none') !== 'none';
}

/**
 * The first event of a step that is a kernel bug: an oops, a hang, or a WARN, except a WARN about a
 * queue whose hardware the trace made misbehave before or by the step (the kernel rightly warns when a
 * `reset_fails` queue answers ZAPQ or TAPQ with an unexpected code).
 */
export function firstKernelWarning(cfg: Config, before: State, after: State, events: readonly KernelEvent[]) {
  for (const e of events) {
    if (e.kind === 'log') continue;
    if (e.kind === 'warn' && e.apqn !== null && (faulted(cfg, before, e.apqn) || faulted(cfg, after, e.apqn))) continue;
    return e;
  }
  return null;
}

/**
 * Kernel events (item 5 of the mechanisms issue): no step makes the kernel WARN, oops or hang. A WARN
 * about an APQN with a fault the trace injected is the kernel reporting that hardware, not a bug.
 */
export const noKernelWarning: StepProperty = {
  kind: 'step',
  name: 'no-kernel-warning',
  statement:
    'No step makes the kernel oops, hang or WARN; a WARN about an APQN whose hardware the trace made fail ' +
    '(a fault other than none, before or after the step) is the hardware, not a bug, and does not count.',
  spec: 'E1',
  // An idle step: no event: no WARN, oops or hang.
  holdsWhenIdle: true,
  check: (cfg, before, _op, after) => {
    if (after.events.length === 0) return null;
    const e = firstKernelWarning(cfg, before, after.state, after.events);
    return e === null ? null : `the kernel printed "${formatEvent(e)}"`;
  },
};
