/**
 * What a search checks as it goes: every state invariant on every new state, every step property
 * on every transition, the history properties on every new state (exhaustive/history.ts), and which
 * properties some transition exercised (properties/exercised.ts). A violation is confirmed by
 * running its reconstructed trace again (the violation as the random engine reports it) and kept
 * once per property; the search has nothing left to look for once every property is violated.
 */

import { AsymmetricPolicy } from './asymmetry.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';
import { firstStepViolation, type Violation } from '../properties/case.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import type { Property, StateInvariant, StepProperty } from '../properties/types.ts';
import type { HistorySearch } from './history.ts';
import type { StateMemo } from './memo-states.ts';
import type { ExhaustiveFound, ExhaustiveOptions } from './options.ts';
import type { Space } from './space.ts';

export interface ObserverSetting {
  readonly sp: Space;
  readonly props: readonly Property[];
  readonly opt: ExhaustiveOptions;
  readonly t0: number;
  /** States stored so far (for the figures of a violation). */
  readonly count: () => number;
  readonly trace: (n: number) => Op[];
}

export class Observer {
  readonly found: ExhaustiveFound[] = [];
  /** The properties asked for and not violated yet. */
  readonly open: Set<string>;
  /** No property is checked: a pure exploration. */
  readonly none: boolean;
  readonly stepProps: readonly StepProperty[];
  /** Whether exercise tracking is still on (some property was not exercised yet). */
  tracking: boolean;
  /** Room for the key of a settled state's class (`newKey`). */
  private settledKey: Uint32Array | null = null;
  /** The history properties' checks, once set (`watchHistory`). */
  private history: HistorySearch | null = null;
  private readonly cfg: Config;
  readonly stateProps: readonly StateInvariant[];
  /** The step properties not violated yet; those of them that an idle step can break (`idleCheck`). */
  private active: readonly StepProperty[];
  private activeIdle: readonly StepProperty[];
  /** Per step property (`stepProps` order), whether an idle step can break it. */
  private readonly idleCheck: readonly boolean[];
  private readonly tracker: ReturnType<typeof exerciseTracker>;
  private readonly x: ObserverSetting;

  constructor(x: ObserverSetting) {
    this.x = x;
    const props = x.props;
    this.cfg = x.sp.cfg;
    this.open = new Set(props.map((p) => p.name));
    this.none = props.length === 0;
    this.stateProps = props.filter((p): p is StateInvariant => p.kind === 'state');
    this.stepProps = props.filter((p): p is StepProperty => p.kind === 'step');
    // Without `holdsWhenIdle`, a check is run on idle steps too (properties/types.ts).
    this.idleCheck = this.stepProps.map((p) => p.holdsWhenIdle !== true);
    this.active = this.stepProps;
    this.activeIdle = this.stepProps.filter((p) => p.holdsWhenIdle !== true);
    this.tracker = exerciseTracker(this.cfg, props);
    this.tracking = props.length > 0 && !process.env['XP_NOTRACK'];
  }

  watchHistory(h: HistorySearch | null): void {
    this.history = h;
  }

  /** Every property asked for is violated: the rest of the search cannot give a shorter counterexample. */
  get finished(): boolean {
    return this.open.size === 0 && !this.none;
  }

  get exercised(): ReadonlySet<string> {
    return this.tracker.exercised;
  }

  /** A violation found at `depth` (the length of its first trace). */
  report(v: Violation, depth: number): void {
    this.open.delete(v.property);
    this.narrow();
    const f = { ...v, depth, afterStates: this.x.count(), foundMs: Date.now() - this.x.t0 };
    this.found.push(f);
    this.x.opt.onFound?.(f);
  }

  /** Properties violated elsewhere (another worker of a parallel search): no longer looked for. */
  close(names: readonly string[]): void {
    for (const p of names) this.open.delete(p);
    this.narrow();
  }

  private narrow(): void {
    this.active = this.stepProps.filter((p) => this.open.has(p.name));
    this.activeIdle = this.active.filter((p) => p.holdsWhenIdle !== true);
  }

  /** Re-run the reconstructed trace: the violation as the random engine would report it. */
  private confirm(p: Property, path: Op[], extra: Op | null): void {
    const { cfg, sym, s0, ops } = this.x.sp;
    let all = extra ? [...path, extra] : path;
    let v = firstStepViolation(cfg, s0, all, [p]);
    if (v === null && extra !== null && sym !== null) {
      // The path reaches an image of the stored state: the failing op is the image of `extra`.
      for (const op of ops) {
        all = [...path, op];
        v = firstStepViolation(cfg, s0, all, [p]);
        if (v !== null && v.at === path.length) break;
        v = null;
      }
    }
    if (v === null && sym !== null) {
      throw new AsymmetricPolicy(cfg.policy.name, `${p.name} holds on the trace to a state where it fails`);
    }
    if (v === null) throw new Error(`exhaustive: ${p.name}: the reconstructed trace does not reproduce the violation`);
    this.report(v, all.length);
  }

  /** Stored state n (its state s) is new, at `depth`: 'memory' when the search must end. */
  newState(n: number, s: State, depth: number): 'memory' | null {
    let q: boolean | null = null;
    for (const p of this.stateProps) {
      if (!this.open.has(p.name)) continue;
      if (p.quiescentOnly && (q ??= quiescent(this.cfg, s)) === false) continue;
      if (p.check(this.cfg, s) !== null) this.confirm(p, this.x.trace(n), null);
    }
    return this.history === null ? null : this.history.state(n, s, depth, q);
  }

  /** Whether some history property is asked for. */
  get histories(): boolean {
    return this.history !== null;
  }

  /**
   * `newState` on the packed key of stored state n at src[off..] (the transition cache): the verdicts
   * and the settled class from `sm` (exhaustive/memo-states.ts); `state` decodes the state, called only
   * when its settled class is new.
   */
  newKey(n: number, sm: StateMemo, src: Uint32Array, off: number, depth: number, state: () => State): 'memory' | null {
    const ps = this.stateProps;
    for (let j = 0; j < ps.length; j++) {
      const p = ps[j]!;
      if (this.open.has(p.name) && sm.broken(src, off, n, j)) this.confirm(p, this.x.trace(n), null);
    }
    const h = this.history;
    if (h === null || !h.open) return null;
    const key = (this.settledKey ??= new Uint32Array(this.x.sp.W));
    const q = sm.settled(src, off, n, key);
    // A quiescent state is its own settled state, and its stored key is its class.
    if (!q && this.x.sp.sym !== null) this.x.sp.sym.canonicalKey(key);
    return h.settledClass(n, key, () => (q ? state() : settle(this.cfg, state())), depth);
  }

  /** The transition from stored state i by op: its step properties checked. */
  step(i: number, s: State, op: Op, r: Step): void {
    // An idle step (the same state, no event): only the checks that it can break.
    const active = r.state === s && r.events.length === 0 ? this.activeIdle : this.active;
    for (let j = 0; j < active.length; j++) {
      const p = active[j]!;
      if (p.check(this.cfg, s, op, r) !== null) this.confirm(p, this.x.trace(i), op);
    }
  }

  /** Every step property's verdict on a transition, as a bit each (`stepProps` order; 31 at most). */
  flags(s: State, op: Op, r: Step): number {
    let flags = 0;
    const ps = this.stepProps;
    // An idle step reads nothing more (the transition cache tracks reads): identity, not values.
    const idle = r.state === s && r.events.length === 0;
    for (let j = 0; j < ps.length; j++) {
      if (idle && !this.idleCheck[j]) continue;
      if (ps[j]!.check(this.cfg, s, op, r) !== null) flags |= 1 << j;
    }
    return flags;
  }

  /** The transition from stored state i by op broke the step properties `flags` has (see `flags`). */
  flagged(i: number, op: Op, flags: number): void {
    const ps = this.stepProps;
    for (let j = 0; j < ps.length; j++) {
      if ((flags >>> j) & 1 && this.open.has(ps[j]!.name)) this.confirm(ps[j]!, this.x.trace(i), op);
    }
  }

  /**
   * Exercise tracking on a transition; `seen`: its after-state's class was stored before (predicates
   * on the after-state alone need each class once).
   */
  transition(s: State, op: Op, r: Step, seen = false): void {
    if (!this.tracking) return;
    this.tracker.observe(s, op, r, seen);
    this.tracking = this.tracker.exercised.size < this.x.props.length;
  }

  /** Exercise tracking on the initial state. */
  initial(s0: State): void {
    if (this.tracking) this.tracker.observeState(s0);
  }
}
