/**
 * Where two designs differ, found by sampling (`apmc diff --policy A --policy B` without a trace, random
 * engine): fast-check generates cases as for `apmc check` (properties/arbitraries.ts), both policies run
 * each case step by step from the same initial state, and a case fails at the first step after which the
 * two states differ at the observation level (model/observation.ts). The first failing case is shrunk,
 * by fast-check and then by apmc's passes (properties/shrink.ts), keeping only candidates that still
 * differ after their last step: the trace found is short, though not proven shortest (the exhaustive
 * engine's breadth-first product search is).
 *
 * A difference counts only after a step of the trace, never only after settling: the trace replays as
 * different with `apmc diff A B TRACE`, which compares step by step.
 */
import { differ, type ObserveLevel } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step } from '../model/step.ts';
import type { AbortFlag } from './abort.ts';
import { caseArb, mechanismSet } from './arbitraries.ts';
import type { Mechanism } from '../model/op-values.ts';
import type { Case } from './case.ts';
import { Budget, sampleRound } from './sampling.ts';
import { shrinkOps } from './shrink.ts';
import type { Violation } from './types.ts';

export interface DifferenceOptions {
  readonly seed: number;
  /** Cases to try at most. */
  readonly runs: number;
  /** Wall-clock budget in ms. */
  readonly timeMs?: number;
  /** Generated ops per case, besides the setup (default 20, as `apmc check`). */
  readonly maxOps?: number;
  /** The kernel mechanisms the cases have ops of (model/op-values.ts; default: every one). */
  readonly mechanisms?: readonly Mechanism[];
  /** Polled before each case and while shrinking. */
  readonly signal?: AbortFlag;
  /** Each case before it runs, shrinking candidates included (the policy sandbox records it). */
  readonly onCase?: (ops: readonly Op[]) => void;
  /** Each step of a case done under both policies (the policy sandbox counts them). */
  readonly onStepDone?: () => void;
}

export interface DifferenceFound {
  /** The trace, shrunk: the two designs differ after its last step and after no step before it. */
  readonly ops: readonly Op[];
  /** Cases tried when it was found; ms since the start when found, and when shrunk. */
  readonly afterRuns: number;
  readonly foundMs: number;
  readonly afterMs: number;
  /** The length of the case as generated, before shrinking. */
  readonly unshrunk: number;
  /** fast-check's seed and path, to replay the unshrunk case. */
  readonly seed: number;
  readonly path: string;
}

export interface DifferenceSearch {
  readonly found: DifferenceFound | null;
  /** Cases tried in all, the longest case's length bound, the time taken. */
  readonly runs: number;
  readonly maxOps: number;
  readonly ms: number;
  /** Why it ended before `runs` cases without a difference: 'time' or a signal's name; null if it did not. */
  readonly stoppedBy: string | null;
}

/**
 * The index of the first step of `ops` after which the two designs differ at `level` (the step's result
 * counts from `sysfs` up), or null when they agree after every step.
 */
export function firstDifference(
  ca: Config,
  cb: Config,
  s0: State,
  ops: readonly Op[],
  level: ObserveLevel,
  onStepDone?: () => void,
): number | null {
  let sa = s0;
  let sb = s0;
  for (let i = 0; i < ops.length; i++) {
    const ra = step(ca, sa, ops[i]!);
    const rb = step(cb, sb, ops[i]!);
    sa = ra.state;
    sb = rb.state;
    onStepDone?.();
    if (differ(ca, sa, ra.result, cb, sb, rb.result, level, ra.events, rb.events)) return i;
  }
  return null;
}

/** Sample cases until two designs differ; the first such case, shrunk. Deterministic for a seed. */
export async function searchDifference(
  ca: Config,
  cb: Config,
  s0: State,
  level: ObserveLevel,
  opt: DifferenceOptions,
): Promise<DifferenceSearch> {
  const t0 = Date.now();
  const budget = new Budget(t0, opt.timeMs, opt.signal);
  const maxOps = opt.maxOps ?? 20;
  const arb = caseArb(ca.scope, maxOps, mechanismSet(opt.mechanisms));
  const differs = (ops: readonly Op[]): number | null => {
    opt.onCase?.(ops);
    return firstDifference(ca, cb, s0, ops, level, opt.onStepDone);
  };
  const r = await sampleRound(arb, opt.seed, opt.runs, budget, (c: Case) => differs(c.ops) === null);
  const searched = r.searched;
  if (r.failure === null) return { found: null, runs: searched, maxOps, ms: Date.now() - t0, stoppedBy: r.stoppedBy };
  const ce = r.failure.c;
  const foundMs = Date.now() - t0;
  const first = differs(ce.ops);
  if (first === null) throw new Error('a differing case agreed when run again: the model is not deterministic');
  const asViolation = (ops: readonly Op[], at: number): Violation => ({
    property: 'difference',
    ops: ops.slice(0, at + 1),
    at,
    reason: 'the designs differ',
  });
  // apmc's passes; a stop request ends them with what they have (every candidate kept still differs).
  const test = (ops: readonly Op[]): Violation | null => {
    if (opt.signal?.aborted) return null;
    const at = differs(ops);
    return at === null ? null : asViolation(ops, at);
  };
  const shrunk = shrinkOps(ce.ops.slice(0, first + 1), test, asViolation(ce.ops, first));
  return {
    found: {
      ops: shrunk.ops,
      afterRuns: searched,
      foundMs,
      afterMs: Date.now() - t0,
      unshrunk: first + 1,
      seed: opt.seed,
      path: r.failure.path,
    },
    runs: searched,
    maxOps,
    ms: Date.now() - t0,
    stoppedBy: null,
  };
}
