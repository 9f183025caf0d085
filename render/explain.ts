/**
 * What `apmc explain` shows, computed once and rendered as text, Markdown or HTML: the initial
 * configuration, every step with its result and the guest views after it, the failing step, and for
 * the history properties both histories (order independence) or the disturbance (recovery).
 */
import { ids, type Mask } from '../model/bits.ts';
import type { KernelEvent } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import type { Config, Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { step, type Result } from '../model/step.ts';
import { firstStepViolation, stepFailure, type Violation } from '../properties/case.ts';
import { replay } from '../properties/counterexample.ts';
import { settle } from '../properties/quiescence.ts';
import { PROPERTIES } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { traceInitialState } from '../trace/exec.ts';
import { formatOp } from '../trace/format.ts';
import { formatIdList } from '../trace/ids.ts';
import type { Trace } from '../trace/types.ts';
import { guestGrids, guestViewKey, type Grid } from './grid.ts';

export interface StepView {
  /** 1-based. */
  readonly n: number;
  readonly op: string;
  readonly comment: string | null;
  readonly result: Result;
  /** The kernel events of the step (WARN, oops, hang, log lines), in order. */
  readonly events: readonly KernelEvent[];
  /** The guest views after this step. */
  readonly grids: Grid[];
  /** Whether the step changed what a guest sees (a CRYCB, a guest_matrix, which guest an mdev has). */
  readonly changed: boolean;
  /** The step where the property broke. */
  readonly failed: boolean;
  /** Part of recovery's disturbance and its undoing. */
  readonly tail: boolean;
}

export interface HistoryView {
  readonly label: string;
  readonly steps: StepView[];
  /** The guest views before the first step. */
  readonly initial: Grid[];
  /** The guest views at the end, after the bus settles (what the history properties compare). */
  readonly final: Grid[];
  /** Whether settling changed anything (a scan or re-probe was still due at the end). */
  readonly settled: boolean;
}

export interface Explanation {
  readonly policy: string;
  readonly scope: Scope;
  /** Lines describing the initial configuration. */
  readonly initial: string[];
  /** The property checked: the counterexample's, or the first state/step property the trace violates. */
  readonly property: Property | null;
  readonly violation: Violation | null;
  /** A counterexample's note, and what it was recorded to do. */
  readonly note: string;
  readonly expect: 'violates' | 'holds' | null;
  readonly histories: HistoryView[];
  /**
   * With `everyStep` (explain --property): the steps (1-based) after which a state or step property is violated;
   * a quiescent-only state property is judged at quiescent points only. Absent for a history property.
   */
  readonly violatedSteps?: readonly number[];
}

/** The steps (1-based) after which `p`, a state or step property, is violated on `ops` (each step judged alone). */
export function violatedSteps(cfg: Config, s0: State, ops: readonly Op[], p: Property): number[] {
  const out: number[] = [];
  let s = s0;
  ops.forEach((op, i) => {
    const r = step(cfg, s, op);
    if (stepFailure(cfg, s, op, r, p, { v: null }) !== null) out.push(i + 1);
    s = r.state;
  });
  return out;
}

/** What to explain: a trace, and optionally a counterexample's property and second history or tail. */
export interface Subject {
  readonly trace: Trace;
  readonly property?: Property | undefined;
  readonly note?: string | undefined;
  readonly expect?: 'violates' | 'holds' | undefined;
  readonly other?: readonly Op[] | undefined;
  readonly tail?: number | undefined;
}

/** The initial configuration in words: the host configuration, the masks, and where the queues are bound. */
export function initialLines(t: Trace, s: State): string[] {
  const list = (m: Mask) => (ids(m).length === 0 ? 'none' : formatIdList(ids(m)));
  const host = `host apm ${list(s.host.apm)}, aqm ${list(s.host.aqm)}, adm ${list(s.host.adm)}`;
  const sc = `${t.scope.adapters} adapters × ${t.scope.domains} domains`;
  if (t.initial === null)
    return [`booted host: every queue bound to cex4queue (${sc}, ${host}; apmask and aqmask all ones)`];
  return [
    `booted host with ${host} (scope ${sc}): apmask and aqmask all ones, every queue of the host bound to cex4queue`,
  ];
}

function history(
  cfg: Config,
  s0: State,
  label: string,
  ops: readonly Op[],
  comments: readonly (string | null)[],
  at: number | null,
  tail: number,
): HistoryView {
  let s = s0;
  let key = guestViewKey(s);
  const steps = ops.map((op, i): StepView => {
    const r = step(cfg, s, op);
    s = r.state;
    const k = guestViewKey(s);
    const changed = k !== key;
    key = k;
    return {
      n: i + 1,
      op: formatOp(op),
      comment: comments[i] ?? null,
      result: r.result,
      events: r.events,
      grids: guestGrids(cfg, s),
      changed,
      failed: i === at,
      tail: tail > 0 && i >= ops.length - tail,
    };
  });
  const settledState = settle(cfg, s);
  return {
    label,
    steps,
    initial: guestGrids(cfg, s0),
    final: guestGrids(cfg, settledState),
    settled: settledState !== s,
  };
}

/** The non-history properties, checked on a plain trace to find where (if anywhere) it breaks one. */
const LOCAL = PROPERTIES.filter((p) => p.kind !== 'history');

/**
 * Explain a subject under a policy. `given`: the violation when the caller already has it (apmc
 * check); otherwise it is found by replaying the counterexample, or, for a plain trace, by checking
 * every state and step property after every step.
 */
export function explain(
  subject: Subject,
  policy: Policy,
  given?: Violation | null,
  opts: { readonly everyStep?: boolean } = {},
): Explanation {
  const t = subject.trace;
  const cfg: Config = { scope: t.scope, policy };
  const s0 = traceInitialState(t);
  const ops = t.steps.map((x) => x.op);
  let property = subject.property ?? null;
  let v: Violation | null;
  if (given !== undefined) v = given;
  else if (property) {
    const { other, tail } = subject;
    const cx = {
      trace: t,
      property: property.name,
      expect: subject.expect ?? 'violates',
      note: '',
      ...(other ? { other } : {}),
      ...(tail ? { tail } : {}),
    };
    v = replay(cfg, cx, property);
  } else {
    v = firstStepViolation(cfg, s0, ops, LOCAL);
    property = v ? (LOCAL.find((p) => p.name === v!.property) ?? null) : null;
  }
  const other = v?.other ?? subject.other;
  const tail = v?.tail ?? subject.tail ?? 0;
  const at = v?.at ?? null;
  const comments = t.steps.map((x) => x.comment ?? null);
  const histories = [history(cfg, s0, other ? 'history A' : 'steps', ops, comments, at, tail)];
  if (other) histories.push(history(cfg, s0, 'history B', other, [], null, 0));
  return {
    policy: policy.name,
    scope: t.scope,
    initial: initialLines(t, s0),
    property,
    violation: v,
    note: subject.note ?? '',
    expect: subject.expect ?? null,
    histories,
    ...(opts.everyStep && property && property.kind !== 'history'
      ? { violatedSteps: violatedSteps(cfg, s0, ops, property) }
      : {}),
  };
}
