/**
 * Kernel events (model/events.ts) as the renderings show them: one line of text (formatEvent) and one JSON
 * object (`apmc run --json`, `explain --format json`, saved counterexamples, the HTML report's data).
 */
import { initialMatrix } from './check.ts';
import type { InitialHost } from './types.ts';
import { formatEvent, type KernelEvent } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import type { Config, Policy } from '../model/policy.ts';
import { apqnName, type Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';

/** An event as JSON: its kind, its line of text, and what it names (APQNs as `aa.dddd`). */
export interface EventJson {
  readonly kind: KernelEvent['kind'];
  /** The line as `apmc run` prints it (formatEvent). */
  readonly line: string;
  readonly level?: string;
  readonly reason?: string;
  readonly what?: string;
  readonly text?: string;
  readonly apqns?: readonly string[];
  readonly mdev?: string | null;
}

export function eventJson(e: KernelEvent): EventJson {
  const line = formatEvent(e);
  switch (e.kind) {
    case 'warn':
      return { kind: e.kind, line, reason: e.reason, apqns: e.apqn ? [apqnName(e.apqn[0], e.apqn[1])] : [] };
    case 'oops':
    case 'hang':
      return { kind: e.kind, line, what: e.what };
    case 'log':
      return {
        kind: e.kind,
        line,
        level: e.level,
        text: e.text,
        apqns: e.apqns.map(([a, d]) => apqnName(a, d)),
        mdev: e.mdev,
      };
  }
}

/** The events of the steps that have some, each with its step (1-based): what a counterexample file records. */
export type StepEventsJson = readonly { readonly step: number; readonly events: readonly EventJson[] }[];

export function stepEventsJson(steps: readonly { readonly events: readonly KernelEvent[] }[]): StepEventsJson {
  return steps.flatMap((s, i) => (s.events.length > 0 ? [{ step: i + 1, events: s.events.map(eventJson) }] : []));
}

/** The events of each step (that has some) of `ops` from the booted host under `policy`: a finding's. */
export function traceEventsJson(
  scope: Scope,
  policy: Policy,
  ops: readonly Op[],
  initial: InitialHost | null = null,
): StepEventsJson {
  const cfg: Config = { scope, policy };
  let s = initialState(scope, initial ? initialMatrix(scope, initial) : undefined);
  const steps = ops.map((op) => {
    const r = step(cfg, s, op);
    s = r.state;
    return r;
  });
  return stepEventsJson(steps);
}
