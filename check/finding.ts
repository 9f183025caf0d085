/**
 * A violation as either engine reports it: the violation itself (property, ops, the failing step,
 * the second history or the disturbance), when it was ready, and what only its engine knows, under
 * `engine`: the random engine's cases and fast-check seed and path, or the search's states and depth.
 */
import type { ExhaustiveFound } from '../exhaustive/engine.ts';
import type { Violation } from '../properties/case.ts';
import type { Found } from '../properties/explore.ts';
import type { StepEventsJson } from '../trace/events.ts';

export type Engine = 'random' | 'exhaustive';

interface FindingBase extends Violation {
  /** ms since the engine started, when the counterexample was ready (the random engine's: shrunk). */
  readonly ms: number;
  /** The kernel events of the trace's steps, when known (bin/cli-check.ts adds them where the policy is). */
  readonly events?: StepEventsJson;
}

/** Found by the random engine, in a generated case, then shrunk. */
export interface SampledFinding extends FindingBase {
  readonly engine: 'random';
  /** Cases tried when it was found. */
  readonly cases: number;
  /** fast-check's seed and path, to replay the unshrunk case. */
  readonly seed: number;
  readonly path: string;
}

/** Found by the exhaustive engine: breadth-first, so a shortest trace. */
export interface SearchFinding extends FindingBase {
  readonly engine: 'exhaustive';
  /** States stored when it was found. */
  readonly states: number;
  /** The length of the (first) trace. */
  readonly depth: number;
}

export type Finding = SampledFinding | SearchFinding;

/** The violation's own fields, and nothing else of the engine's record. */
function violation(v: Violation): Violation {
  return {
    property: v.property,
    ops: v.ops,
    at: v.at,
    reason: v.reason,
    ...(v.other ? { other: v.other } : {}),
    ...(v.tail !== undefined ? { tail: v.tail } : {}),
  };
}

export function sampledFinding(f: Found): SampledFinding {
  return { ...violation(f), engine: 'random', ms: f.afterMs, cases: f.afterRuns, seed: f.seed, path: f.path };
}

export function searchFinding(f: ExhaustiveFound): SearchFinding {
  return { ...violation(f), engine: 'exhaustive', ms: f.foundMs, states: f.afterStates, depth: f.depth };
}

/** How far the engine had got when it found it: cases tried (random) or states stored (exhaustive). */
export const foundAfter = (f: Finding): number => (f.engine === 'random' ? f.cases : f.states);
