/**
 * The difference goal of a product search (`apmc diff` without a trace): the first (breadth-first, a
 * shortest) trace after which the two designs' states differ at an observation level
 * (model/observation.ts `differ`: the step's results count at `sysfs` and `all`). Confirmed by running
 * the trace again under both policies.
 */
import { AsymmetricPolicy } from './asymmetry.ts';
import { type KernelEvent, NO_EVENTS } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import { differ, type ObserveLevel } from '../model/observation.ts';
import type { State } from '../model/state.ts';
import { type Step, step } from '../model/step.ts';
import type { PairSpace } from './product-space.ts';
import type { PairGoal } from './product-successors.ts';

/** The same events (both none, the common case, at once). */
const sameEvents = (x: readonly KernelEvent[], y: readonly KernelEvent[]): boolean =>
  x === y || (x.length === y.length && JSON.stringify(x) === JSON.stringify(y));

export class Difference implements PairGoal {
  /** The first distinguishing trace, once found. */
  ops: Op[] | null = null;
  /** ms since the start and pairs stored when it was found. */
  foundMs = 0;
  afterStates = 0;
  /** Set once the search is under way: the ops from s0 to stored pair n. */
  trace: (n: number) => Op[] = () => [];
  private readonly sp: PairSpace;
  private readonly level: ObserveLevel;
  private readonly t0: number;
  private readonly count: () => number;
  /** The two after-states' packed keys: equal states with equal results give the same observation. */
  private readonly ka: Uint32Array;
  private readonly kb: Uint32Array;

  constructor(sp: PairSpace, level: ObserveLevel, t0: number, count: () => number) {
    this.sp = sp;
    this.ka = new Uint32Array(sp.W1);
    this.kb = new Uint32Array(sp.W1);
    this.level = level;
    this.t0 = t0;
    this.count = count;
  }

  get finished(): boolean {
    return this.ops !== null;
  }

  step(i: number, _a: State, _b: State, op: Op, ra: Step, rb: Step): void {
    if (this.ops !== null) return;
    const { cfgA, cfgB, codecA, codecB, W1 } = this.sp;
    if (ra.result === rb.result && sameEvents(ra.events, rb.events)) {
      // An observation is a function of the scope and the state (model/observe.ts): the same state, no difference.
      const { ka, kb } = this;
      codecA.encode(ra.state, ka, 0);
      codecB.encode(rb.state, kb, 0);
      let same = true;
      for (let w = 0; w < W1 && same; w++) same = ka[w] === kb[w];
      if (same) return; // the keys hold the names and their creation order too
    }
    if (!differ(cfgA, ra.state, ra.result, cfgB, rb.state, rb.result, this.level, ra.events, rb.events)) return;
    this.confirm(i, op);
  }

  transition(): void {}

  /** The ops differ after their last step: run them again under both policies. */
  differs(ops: readonly Op[]): boolean {
    const { cfgA, cfgB, s0 } = this.sp;
    let a = s0;
    let b = s0;
    let ra: Step = { state: s0, result: 'ok', events: NO_EVENTS };
    let rb: Step = ra;
    for (const op of ops) {
      ra = step(cfgA, a, op);
      rb = step(cfgB, b, op);
      a = ra.state;
      b = rb.state;
    }
    const [xa, xb] = ops.length > 0 ? [ra.result, rb.result] : [null, null];
    return differ(cfgA, a, xa, cfgB, b, xb, this.level, ra.events, rb.events);
  }

  /** Under symmetry the trace to pair i reaches an image of it, and the op is then `op`'s image: every op is tried. */
  private confirm(i: number, op: Op): void {
    const path = this.trace(i);
    const candidates = this.sp.sym === null ? [op] : [op, ...this.sp.ops];
    for (const o of candidates) {
      const all = [...path, o];
      if (!this.differs(all)) continue;
      this.ops = all;
      this.foundMs = Date.now() - this.t0;
      this.afterStates = this.count();
      return;
    }
    // Under symmetry a design that does not treat ids alike (e.g. a log line with adapter and domain swapped)
    // can differ on a stored image only (exhaustive/asymmetry.ts).
    if (this.sp.sym !== null) {
      const { cfgA, cfgB } = this.sp;
      const policies = `${cfgA.policy.name} or ${cfgB.policy.name}`;
      throw new AsymmetricPolicy(policies, 'a difference does not replay from the initial state');
    }
    throw new Error('exhaustive: the reconstructed trace does not reproduce the difference');
  }
}
