/**
 * Every class of difference between two designs (`apmc diff --classes`, exhaustive engine): a product
 * search that follows only the transitions after which the designs still agree, so every pair it stores is
 * reached by a trace without a difference. A transition after which they differ is a first difference: its
 * class (properties/difference-classes.ts) is recorded with the trace to it the first time it is met, and
 * the transition is not followed. Breadth-first order makes each class's trace a shortest one. Runs without
 * symmetry reduction: a class names the op met, not an image of it.
 */
import { differ, type ObserveLevel } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';
import { type ClassFound, differenceClass, firstDifferenceClass } from '../properties/difference-classes.ts';
import { resultDepth } from './bounds.ts';
import type { Bound, ExhaustivePolicyError } from './options.ts';
import { drive, type ProductOptions, productSearch } from './product.ts';
import type { PairSpace } from './product-space.ts';
import type { PairGoal } from './product-successors.ts';

class DifferenceClasses implements PairGoal {
  readonly found = new Map<string, ClassFound>();
  readonly finished = false;
  /** Every pair stored was reached along a trace on which the designs agree after each step. */
  cut = false;
  trace: (n: number) => Op[] = () => [];
  private readonly sp: PairSpace;
  private readonly level: ObserveLevel;
  private readonly t0: number;
  private readonly count: () => number;

  constructor(sp: PairSpace, level: ObserveLevel, t0: number, count: () => number) {
    this.sp = sp;
    this.level = level;
    this.t0 = t0;
    this.count = count;
  }

  step(i: number, _a: State, _b: State, op: Op, ra: Step, rb: Step): void {
    const { cfgA, cfgB, s0 } = this.sp;
    this.cut = differ(cfgA, ra.state, ra.result, cfgB, rb.state, rb.result, this.level, ra.events, rb.events);
    if (!this.cut) return;
    const cls = differenceClass(cfgA, ra, cfgB, rb, op, this.level);
    if (this.found.has(cls)) return;
    const ops = [...this.trace(i), op];
    const d = firstDifferenceClass(cfgA, cfgB, s0, ops, this.level);
    if (d === null || d.at !== ops.length - 1 || d.cls !== cls)
      throw new Error('exhaustive: the reconstructed trace does not reproduce the class of difference');
    this.found.set(cls, { cls, ops, after: this.count(), foundMs: Date.now() - this.t0 });
  }

  transition(): void {}
}

/** `exploreDifferenceClasses`'s outcome. */
export interface ClassesResult {
  readonly level: ObserveLevel;
  /** In the order met (breadth-first: by length). */
  readonly classes: readonly ClassFound[];
  /** Every trace of up to this many ops was compared (within the bounds). */
  readonly depth: number;
  readonly complete: boolean;
  readonly bound: Bound | null;
  readonly states: number;
  readonly ms: number;
  readonly policyError?: ExhaustivePolicyError;
}

function* classes(ca: Config, cb: Config, level: ObserveLevel, opt: ProductOptions): Generator<void, ClassesResult> {
  let g!: DifferenceClasses;
  const x = yield* productSearch(ca, cb, 0, { ...opt, symmetry: false }, (sp, t0, count) => {
    g = new DifferenceClasses(sp, level, t0, count);
    return { goal: g, initial: new Uint32Array(0), carry: null, live: null };
  });
  const { store, end, policyError, t0 } = x;
  return {
    level,
    classes: [...g.found.values()],
    depth: resultDepth(end.complete, end.bound, end.depth),
    complete: end.complete,
    bound: end.bound,
    states: store.count,
    ms: Date.now() - t0,
    ...(policyError ? { policyError } : {}),
  };
}

/**
 * Every class of first difference between ca.policy and cb.policy (same scope) at `level`, each with a
 * shortest trace, over every trace the bounds allow (`opt` as `exploreDifference` takes it; no symmetry).
 */
export function exploreDifferenceClasses(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  opt: ProductOptions = {},
): Promise<ClassesResult> {
  return drive(classes(ca, cb, level, opt), true);
}
