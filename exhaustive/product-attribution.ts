/**
 * The attribution goal of a product search (`apmc check --base`): per state or step property, the first
 * (hence, breadth-first, a shortest) trace on which
 * - the variant (A) violates it and the same trace does not violate it under the base (B): `found`, new;
 * - the variant violates it and the base violates it too on the same trace: `inherited`;
 * - the base violates it and the variant does not, on the same trace: `fixed`.
 * "The same trace violates it under the base" is a fact about the whole path, not about the pair of
 * states reached: so each stored pair carries, per property still looked for, whether A and whether B
 * violated it on the way (a bit each in the key's goal words: exhaustive/product-space.ts). A bit is
 * kept only while it still matters (B's while the property has no `found`, A's while it has no `fixed`
 * either), so the pairs the bits split stay few. A state invariant is checked on a half's after-state
 * when that half changed (an unchanged state was checked when it was entered). Each trace is confirmed
 * by running it again under both policies (properties/case.ts firstStepViolation), as the random engine
 * would judge it.
 *
 * The search goes on past `inherited` and `fixed` until every property has its `found` (or a bound).
 */
import type { Op } from '../model/ops.ts';
import { AsymmetricPolicy } from './asymmetry.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';
import { firstStepViolation, type Violation } from '../properties/case.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { quiescent } from '../properties/quiescence.ts';
import type { Property, StateInvariant, StepProperty } from '../properties/types.ts';
import type { ExhaustiveFound, ExhaustiveOptions } from './options.ts';
import type { PairSpace } from './product-space.ts';
import type { PairGoal } from './product-successors.ts';

type Local = StateInvariant | StepProperty;

/** Goal words a search against a base needs: a bit set each (A's, then B's) over the state and step properties. */
export const attributionWords = (props: readonly Property[]): number =>
  2 * Math.ceil(props.filter((p) => p.kind !== 'history').length / 32);

export class Attribution implements PairGoal {
  readonly found: ExhaustiveFound[] = [];
  readonly inherited: ExhaustiveFound[] = [];
  readonly fixed: ExhaustiveFound[] = [];
  /** The goal words' bits that still matter (A's words, then B's): the live set only shrinks. */
  readonly live: Uint32Array;
  /** Set once the search is under way: the ops from s0 to stored pair n. */
  trace: (n: number) => Op[] = () => [];
  private readonly local: readonly Local[];
  /** Indexes (into `local`) of the properties without a `found`. */
  private open: number[];
  private readonly inheritedOpen: boolean[];
  private readonly fixedOpen: boolean[];
  private readonly M: number;
  private readonly sp: PairSpace;
  private readonly opt: ExhaustiveOptions;
  private readonly t0: number;
  private readonly count: () => number;
  private readonly tracker: ReturnType<typeof exerciseTracker>;
  private tracking: boolean;
  private readonly asked: boolean;

  /**
   * In a parallel search (`shared`), the live bits change only between levels, the same in every worker
   * (`close`, with every property found anywhere), and A's bit of a property stays until its `found`:
   * a key then means the same to every worker, and a trace to a pair another worker stored replays.
   */
  private readonly shared: boolean;

  constructor(
    sp: PairSpace,
    props: readonly Property[],
    opt: ExhaustiveOptions,
    t0: number,
    count: () => number,
    shared = false,
  ) {
    this.sp = sp;
    this.shared = shared;
    this.opt = opt;
    this.t0 = t0;
    this.count = count;
    this.local = props.filter((p): p is Local => p.kind !== 'history');
    this.asked = props.length > 0;
    const n = this.local.length;
    this.M = Math.ceil(n / 32);
    this.open = this.local.map((_, j) => j);
    this.inheritedOpen = this.local.map(() => true);
    this.fixedOpen = this.local.map(() => true);
    this.live = new Uint32Array(2 * this.M);
    this.close([]);
    this.tracker = exerciseTracker(sp.cfgA, this.local);
    this.tracking = n > 0;
  }

  /** Every state and step property has its `found` (none asked for: a pure exploration, unless history ones were). */
  get finished(): boolean {
    return this.open.length === 0 && this.asked;
  }

  get exercised(): ReadonlySet<string> {
    return this.tracker.exercised;
  }

  /** The goal words of the initial pair: the state invariants s0 violates under each policy. */
  initial(s0: State): Uint32Array {
    const t = new Uint32Array(2 * this.M);
    const { cfgA, cfgB } = this.sp;
    this.local.forEach((p, j) => {
      if (p.kind !== 'state') return;
      if (holdsAt(cfgA, p, s0) === false) t[j >>> 5]! |= 1 << (j & 31);
      if (holdsAt(cfgB, p, s0) === false) t[this.M + (j >>> 5)]! |= 1 << (j & 31);
    });
    for (let w = 0; w < t.length; w++) t[w] = t[w]! & this.live[w]!;
    if (this.tracking) this.tracker.observeState(s0);
    return t;
  }

  /** The bits a transition sets (every property's, whether it still matters or not): replays use it. */
  carry(a: State, b: State, op: Op, ra: Step, rb: Step, t: Uint32Array): void {
    const { cfgA, cfgB } = this.sp;
    for (let j = 0; j < this.local.length; j++) {
      const p = this.local[j]!;
      if (violates(cfgA, p, a, op, ra)) t[j >>> 5]! |= 1 << (j & 31);
      if (violates(cfgB, p, b, op, rb)) t[this.M + (j >>> 5)]! |= 1 << (j & 31);
    }
  }

  step(i: number, a: State, b: State, op: Op, ra: Step, rb: Step, t: Uint32Array): void {
    const { cfgA, cfgB } = this.sp;
    const M = this.M;
    const open = this.open;
    let qa: boolean | null = null;
    let qb: boolean | null = null;
    for (let x = 0; x < open.length; x++) {
      const j = open[x]!;
      const p = this.local[j]!;
      let va: boolean;
      let vb: boolean;
      if (p.kind === 'step') {
        va = p.check(cfgA, a, op, ra) !== null;
        vb = p.check(cfgB, b, op, rb) !== null;
      } else {
        // Quiescence is asked once per half and transition, and only of a state a quiescent-only invariant needs.
        va = ra.state !== a && !(p.quiescentOnly && !(qa ??= quiescent(cfgA, ra.state)));
        va &&= p.check(cfgA, ra.state) !== null;
        vb = rb.state !== b && !(p.quiescentOnly && !(qb ??= quiescent(cfgB, rb.state)));
        vb &&= p.check(cfgB, rb.state) !== null;
      }
      if (!va && !vb) continue;
      const w = j >>> 5;
      const bit = 1 << (j & 31);
      const priorA = (t[w]! & bit) !== 0;
      const priorB = (t[M + w]! & bit) !== 0;
      // A trace is kept only where its policy first violates the property (a prior violation on the path is the
      // one that counts). A live bit is known, and in a parallel search another worker can store the pairs past
      // a trace it kept, whose `inheritedOpen` and `fixedOpen` this worker does not see until the level ends.
      if (va && !priorA) {
        if (!vb && !priorB) this.confirm('found', j, i, op);
        else if (this.inheritedOpen[j]) this.confirm('inherited', j, i, op);
      }
      if (vb && !priorB && !va && !priorA && this.fixedOpen[j]) this.confirm('fixed', j, i, op);
      if (va) t[w]! |= bit;
      if (vb) t[M + w]! |= bit;
    }
    const live = this.live;
    for (let w = 0; w < t.length; w++) t[w] = t[w]! & live[w]!;
  }

  transition(a: State, op: Op, ra: Step, seen: boolean): void {
    if (!this.tracking) return;
    this.tracker.observe(a, op, ra, seen);
    this.tracking = this.tracker.exercised.size < this.local.length;
  }

  /** Properties found violated (by any worker of a parallel search): no longer looked for; the live bits follow. */
  close(names: readonly string[]): void {
    this.open = this.open.filter((j) => !names.includes(this.local[j]!.name));
    this.live.fill(0);
    for (const j of this.open) {
      const bit = 1 << (j & 31);
      this.live[this.M + (j >>> 5)]! |= bit;
      if (this.fixedOpen[j] || this.shared) this.live[j >>> 5]! |= bit;
    }
  }

  /** The live bits, after a property's `found` or `fixed` (in a parallel search, only at `close`). */
  private update(): void {
    if (!this.shared) this.close([]);
  }

  /**
   * The transition from stored pair i by op showed `kind` for property j: run the trace again under
   * both policies (under symmetry the trace reaches an image of pair i, and the op is then the image of
   * `op`: every op is tried) and keep it.
   */
  private confirm(kind: 'found' | 'inherited' | 'fixed', j: number, i: number, op: Op): void {
    const p = this.local[j]!;
    const { cfgA, cfgB, s0, ops, sym } = this.sp;
    const path = this.trace(i);
    const at = path.length;
    const judge = (o: Op): Violation | null => {
      const all = [...path, o];
      const [first, other] = kind === 'fixed' ? [cfgB, cfgA] : [cfgA, cfgB];
      const v = firstStepViolation(first, s0, all, [p]);
      if (v === null || v.at !== at) return null;
      const w = firstStepViolation(other, s0, v.ops, [p]);
      return (kind === 'inherited') === (w !== null) ? v : null;
    };
    let v = judge(op);
    if (v === null && sym !== null) {
      for (const o of ops) if ((v = judge(o)) !== null) break;
    }
    if (v === null && sym !== null) {
      const policies = `${cfgA.policy.name} or ${cfgB.policy.name}`;
      throw new AsymmetricPolicy(policies, `${p.name}: the trace to a ${kind} case does not reproduce it`);
    }
    if (v === null)
      throw new Error(`exhaustive: ${p.name}: the reconstructed trace does not reproduce the ${kind} case`);
    const f: ExhaustiveFound = { ...v, depth: v.ops.length, afterStates: this.count(), foundMs: Date.now() - this.t0 };
    if (kind === 'found') {
      this.found.push(f);
      this.open = this.open.filter((x) => x !== j);
      this.opt.onFound?.(f);
    } else if (kind === 'inherited') {
      this.inherited.push(f);
      this.inheritedOpen[j] = false;
    } else {
      this.fixed.push(f);
      this.fixedOpen[j] = false;
    }
    this.update();
  }
}

/** Whether a state invariant holds at s (null: not checked there, the state is not quiescent). */
function holdsAt(cfg: Config, p: StateInvariant, s: State): boolean | null {
  if (p.quiescentOnly && !quiescent(cfg, s)) return null;
  return p.check(cfg, s) === null;
}

/** The transition violates p (a state invariant: on the after-state, when the state changed). */
function violates(cfg: Config, p: Local, s: State, op: Op, r: Step): boolean {
  if (p.kind === 'step') return p.check(cfg, s, op, r) !== null;
  return r.state !== s && holdsAt(cfg, p, r.state) === false;
}
