/**
 * The cached successor strategy of the search core (exhaustive/core.ts): successors computed from
 * packed keys by the transition cache (exhaustive/memo.ts), with the effects learnt per op; the
 * reducer runs only on a cache miss. The step properties' verdicts are cached with the effects, as
 * flag bits (31 step properties at most); the state invariants' verdicts and the settled classes of
 * the history properties are cached per key too (exhaustive/memo-states.ts).
 *
 * It pays off where nearly every lookup hits: a pure exploration of a whole small space (the Spin
 * comparison, bench/spin: `static` at 1×1×1, 1.4 M states, 12,768 misses). At the default scope about
 * one lookup in ten misses, and a miss (a tracked run of the reducer, through proxies) costs many plain
 * steps: the plain strategy is faster there, with properties checked or not (ExhaustiveOptions.memo).
 */
import { NO_EVENTS } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step, stepUnmarked } from '../model/step.ts';
import { fieldOf } from './codec.ts';
import type { Successors } from './core.ts';
import { asyncHostChange, type FlaggedStep, MemoryRefused, type Split, TransitionMemo } from './memo.ts';
import { StateMemo } from './memo-states.ts';
import type { Bound } from './options.ts';
import { KeyedSuccessors, type StrategySetting, sameAsParent } from './successors.ts';

export class CachedSuccessors extends KeyedSuccessors implements Successors {
  readonly memo: TransitionMemo;
  /** The state invariants' verdicts and the settled classes, on the packed key (null: none asked for). */
  readonly states: StateMemo | null;
  /** The successor before canonicalisation (kept for exercise tracking). */
  private readonly uncanon: Uint32Array;
  /** The last step: its op index, result code, and the state that entered a scan (null: one key). */
  private k = 0;
  private code = 0;
  private entered: State | null = null;

  constructor(x: StrategySetting) {
    super(x);
    this.uncanon = new Uint32Array(x.sp.W);
    this.memo = makeMemo(x);
    const { sp, observer } = x;
    const some = observer.stateProps.length > 0 || observer.histories;
    this.states = some ? new StateMemo(sp.cfg, sp.codec, observer.stateProps, observer.histories) : null;
  }

  /** Asked before a growth step of either cache (as StateStore.allow). */
  set allow(f: ((bytes: number) => boolean) | null) {
    this.memo.allow = f;
    if (this.states !== null) this.states.memo.allow = f;
  }

  /** Bytes held by both caches. */
  get bytes(): number {
    return this.memo.bytes + (this.states?.memo.bytes ?? 0);
  }

  begin(i: number): void {
    this.i = i;
    const audit = this.x.audit;
    if (audit?.due(i)) audit.check(i, this.x.sp.codec.decode(this.x.store.arena, i * this.W));
  }

  step(k: number): void {
    this.k = k;
    this.code = this.memo.next(this.x.store.arena, this.i * this.W, this.i, k, this.key1);
  }

  key(): number {
    const { sp, store, observer } = this.x;
    const W = this.W;
    const at = this.i * W;
    const key = this.key1;
    if (this.memo.flags !== 0) observer.flagged(this.i, sp.ops[this.k]!, this.memo.flags);
    this.entered = null;
    const sym = sp.sym;
    if (sym !== null) {
      const scan = sp.codec.layout.scanFlag;
      if (fieldOf(store.arena, at, scan) !== 1 && fieldOf(key, 0, scan) === 1) {
        this.entered = sp.codec.decode(key, 0);
        return sym.canonicalImages(this.entered, this.keys);
      }
      if (observer.tracking) this.uncanon.set(key);
      sym.canonicalKey(key);
    }
    return sameAsParent(store.arena, at, key, W) ? 0 : 1;
  }

  /**
   * The new state n, stored from key j. Exercise tracking here sees the transitions that reached a
   * new state, so every reachable state as an after-state, and every transition the reducer ran
   * (the cache's misses: `onMiss`).
   */
  stored(_j: number, n: number, depth: number): Bound | null {
    const { sp, store, observer } = this.x;
    if (observer.none) return null;
    const at = n * this.W;
    let t: State | null = null;
    const state = (): State => (t ??= sp.codec.decode(store.arena, at));
    if (observer.tracking) {
      const real = this.entered ?? (sp.sym ? sp.codec.decode(this.uncanon, 0) : state());
      const s = this.memo.decoded(store.arena, this.i * this.W, this.i);
      // The cache keeps results and flags, not events: a property that reads events is a flag.
      observer.transition(s, sp.ops[this.k]!, { state: real, result: this.memo.result(this.code), events: NO_EVENTS });
    }
    if (this.states === null) return null;
    return observer.newKey(n, this.states, store.arena, at, depth, state);
  }

  stepped(): void {}

  failed(k: number, e: unknown): Bound {
    if (e instanceof MemoryRefused) return 'memory';
    const { sp, store, faults } = this.x;
    return faults.record(this.i, sp.ops[k]!, e, sp.codec.decode(store.arena, this.i * this.W), true);
  }
}

/** The transition cache of a search, its misses stepped (and one in 128 verified) through the guard. */
function makeMemo(x: StrategySetting): TransitionMemo {
  const { sp, observer, guard } = x;
  const cfg = sp.cfg;
  const flagged =
    (c: Config) =>
    (s: State, op: Op): FlaggedStep => {
      const r = step(c, s, op);
      return { state: r.state, result: r.result, events: r.events, flags: observer.flags(s, op, r) };
    };
  const guarded = guard ? flagged({ scope: sp.scope, policy: guard.policy }) : null;
  const verify = guard
    ? (s: State, op: Op): FlaggedStep => {
        guard.thorough = true;
        try {
          return guarded!(s, op);
        } finally {
          guard.thorough = false;
        }
      }
    : flagged(cfg);
  // Without properties, a synchronous host change is cached as its asynchronous form, then a scan.
  const firstStep = (s: State, op: Op): FlaggedStep => ({ ...stepUnmarked(cfg, s, op), flags: 0 });
  const split: Split | undefined = observer.none
    ? { first: asyncHostChange, firstStep, second: { kind: 'scan' } }
    : undefined;
  const m = new TransitionMemo(sp.codec, sp.ops, flagged(cfg), 16, verify, split);
  m.onMiss = (s, op, r) => observer.transition(s, op, r);
  return m;
}
