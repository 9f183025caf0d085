/**
 * Policy errors: a case on which the guarded policy faulted (threw, mutated its input, returned a
 * malformed result, or was not deterministic), turned into the shortest plain trace that still makes
 * it fault. The case may have faulted in its first history or in a history some history property
 * derives from it (properties/types.ts `writeCase`); each is tried as a plain trace, the pending scan and
 * re-probes written out as `scan` and `reprobe` lines, so that `apmc run` reproduces the fault.
 */
import { reprobePending } from '../model/bus.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { sameMatrix, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { copyState, PolicyFault, type FaultKind, type PolicyGuard } from './policy-guard.ts';
import { PROPERTIES } from './registry.ts';
import { shrinkOps } from './shrink.ts';
import type { Case, HistoryProperty, TraceWriter, Violation } from './types.ts';

/** Every history property: a faulting case is tried on what each derives from it. */
const HISTORY = PROPERTIES.filter((p): p is HistoryProperty => p.kind === 'history');

export interface PolicyError {
  readonly policy: string;
  readonly kind: FaultKind;
  /** The callback that misbehaved ('(model)' when the model itself threw on what a policy returned). */
  readonly callback: string;
  readonly message: string;
  /** A plain trace; the fault happens at step `at` (0-based). */
  readonly ops: readonly Op[];
  readonly at: number;
  /** Cases tried when it was found; fast-check seed and path of the unshrunk case. */
  readonly afterRuns: number;
  readonly seed: number;
  readonly path: string;
}

/** Any exception out of a guarded step: a PolicyFault, or the model throwing on what a policy returned. */
export function asFault(policy: string, e: unknown): PolicyFault {
  if (e instanceof PolicyFault) return e;
  const m = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new PolicyFault(
    policy,
    '(model)',
    'malformed',
    `the model threw on what the policy returned: ${m.split('\n')[0]}`,
  );
}

/** Run `ops` with the guard thorough; the fault and its step, or null. */
export function faultIn(
  cfg: Config,
  guard: PolicyGuard,
  s0: State,
  ops: readonly Op[],
): { fault: PolicyFault; at: number } | null {
  guard.thorough = true;
  let s = copyState(s0);
  for (let i = 0; i < ops.length; i++) {
    try {
      s = step(cfg, s, ops[i]!).state;
    } catch (e) {
      return { fault: asFault(guard.policy.name, e), at: i };
    }
  }
  return null;
}

/** Ops that settle s (as quiescence.settle does): a scan if one is under way or due, then every pending re-probe. */
function settleOps(cfg: Config, s: State, rec: (op: Op) => State): State {
  if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) s = rec({ kind: 'scan' });
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++)
      if (reprobePending(cfg, s, a, d)) s = rec({ kind: 'reprobe', apid: a, apqi: d });
  }
  return s;
}

/** The plain traces a case executes: its ops, then what each history property derives from it. */
function candidates(cfg: Config, guard: PolicyGuard, s0: State, c: Case): Op[][] {
  const plan = (build: (w: TraceWriter) => void): Op[] => {
    const ops: Op[] = [];
    let s = copyState(s0);
    const rec = (op: Op): State => {
      ops.push(op);
      s = step(cfg, s, op).state;
      return s;
    };
    guard.thorough = true;
    try {
      build({ step: rec, settle: () => settleOps(cfg, s, rec) });
    } catch {
      // The fault: the trace so far ends with the op that faulted.
    }
    return ops;
  };
  const first = (w: TraceWriter): void => {
    for (const op of c.ops) w.step(op);
    w.settle();
  };
  return [plan(first), ...HISTORY.map((p) => plan((w) => p.writeCase(cfg, c, w)))];
}

/**
 * The policy error a faulting case shows, shrunk. If no plain trace of the case faults again, the
 * policy failed once and not the second time: that is reported as non-determinism, with the case's ops.
 */
export function policyErrorOf(
  cfg: Config,
  guard: PolicyGuard,
  s0: State,
  c: Case,
  found: { afterRuns: number; seed: number; path: string },
): PolicyError {
  const test = (ops: readonly Op[]): Violation | null => {
    const f = faultIn(cfg, guard, s0, ops);
    return f ? { property: 'policy-error', ops: ops.slice(0, f.at + 1), at: f.at, reason: f.fault.message } : null;
  };
  for (const ops of candidates(cfg, guard, s0, c)) {
    const v = test(ops);
    if (!v) continue;
    const best = shrinkOps(v.ops, test, v);
    // Once more, for the fault's kind and callback (a flaky policy may not fault this time).
    const f = faultIn(cfg, guard, s0, best.ops);
    const fault = f?.fault;
    return {
      policy: guard.policy.name,
      kind: fault?.kind ?? 'nondeterministic',
      callback: fault?.callback ?? '(unknown)',
      message: fault?.message ?? best.reason,
      ops: best.ops,
      at: f?.at ?? best.at ?? best.ops.length - 1,
      ...found,
    };
  }
  const message = 'a case failed once and passed when run again: some callback is not deterministic';
  return {
    policy: guard.policy.name,
    kind: 'nondeterministic',
    callback: '(unknown)',
    message,
    ops: c.ops,
    at: Math.max(0, c.ops.length - 1),
    ...found,
  };
}
