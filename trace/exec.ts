import type { Config, Policy } from '../model/policy.ts';
import { initialState, type State } from '../model/state.ts';
import type { KernelEvent } from '../model/events.ts';
import { step, type Result } from '../model/step.ts';
import type { Op } from '../model/ops.ts';
import { initialMatrix } from './check.ts';
import type { Trace } from './types.ts';

export interface Executed {
  readonly cfg: Config;
  readonly initial: State;
  readonly steps: readonly {
    readonly op: Op;
    readonly result: Result;
    readonly state: State;
    readonly events: readonly KernelEvent[];
  }[];
  readonly final: State;
}

/** The initial state a trace starts from (a booted host, with the trace's initial host configuration). */
export function traceInitialState(t: Trace): State {
  return initialState(t.scope, t.initial ? initialMatrix(t.scope, t.initial) : undefined);
}

/** Run a trace under `policy`. Pure: the same trace and policy always give the same steps. */
export function execTrace(t: Trace, policy: Policy): Executed {
  const cfg: Config = { scope: t.scope, policy };
  const initial = traceInitialState(t);
  let s = initial;
  const steps = t.steps.map(({ op }) => {
    const r = step(cfg, s, op);
    s = r.state;
    return { op, result: r.result, state: r.state, events: r.events };
  });
  return { cfg, initial, steps, final: s };
}
