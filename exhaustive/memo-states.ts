/**
 * The per-state checks of a search on the transition cache (exhaustive/successors-cached.ts), on the
 * packed key: each state invariant's verdict, and the key of the state's settled state (what the
 * history properties are checked on, exhaustive/history.ts), cached as the transitions of pseudo-ops
 * in a transition cache of their own (exhaustive/memo.ts), so a new state is decoded only when its
 * settled class is new, or while exercise tracking is on.
 *
 * Why it is exact: a verdict is a deterministic function of the state, and the cache's read tracking
 * makes a cached verdict one of a state that agrees on every field the check read (memo.ts): the
 * pseudo-op of invariant j leaves the state as it is, with flag 1 when the check (its quiescence test
 * first, for a quiescent-only one) fails; the settle pseudo-op steps the state to its settled state
 * (properties/quiescence.ts `settle`), with flag 1 when the state is quiescent (it is then its own
 * settled state). The cache runs one miss in 16 untracked too and compares.
 */
import { NO_EVENTS } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import type { StateInvariant } from '../properties/types.ts';
import type { Codec } from './codec.ts';
import { type FlaggedStep, TransitionMemo } from './memo.ts';

export class StateMemo {
  readonly memo: TransitionMemo;
  /** The settle pseudo-op's index (after the invariants'), or -1 without history properties. */
  private readonly settleAt: number;
  private readonly out: Uint32Array;

  /** For the invariants `props` (in the observer's order) and, when `history`, the settled states. */
  constructor(cfg: Config, codec: Codec, props: readonly StateInvariant[], history: boolean) {
    const ops: Op[] = props.map(() => ({ kind: 'scan' }));
    this.settleAt = history ? ops.length : -1;
    if (history) ops.push({ kind: 'scan' });
    const index = new Map(ops.map((o, j) => [o, j]));
    const check = (s: State, op: Op): FlaggedStep => {
      const j = index.get(op)!;
      if (j === this.settleAt) {
        const q = quiescent(cfg, s);
        return { state: q ? s : settle(cfg, s), result: 'ok', events: NO_EVENTS, flags: q ? 1 : 0 };
      }
      const p = props[j]!;
      const broken = (!p.quiescentOnly || quiescent(cfg, s)) && p.check(cfg, s) !== null;
      return { state: s, result: 'ok', events: NO_EVENTS, flags: broken ? 1 : 0 };
    };
    this.memo = new TransitionMemo(codec, ops, check);
    this.out = new Uint32Array(codec.words);
  }

  /** Whether invariant j fails on the state at src[off..] (the caller's state number id). */
  broken(src: Uint32Array, off: number, id: number, j: number): boolean {
    this.memo.next(src, off, id, j, this.out);
    return this.memo.flags !== 0;
  }

  /** The key of the settled state of the state at src[off..] into out; whether the state is quiescent. */
  settled(src: Uint32Array, off: number, id: number, out: Uint32Array): boolean {
    this.memo.next(src, off, id, this.settleAt, out);
    return this.memo.flags !== 0;
  }
}
