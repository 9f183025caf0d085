/**
 * The breadth-first search core: a level loop over a frontier, each state of a level expanded by
 * every op of the alphabet, each successor stored with its parent and op (so that a trace to any
 * stored state is its chain of parents), and the bounds checked in one place. Breadth-first order
 * makes the first violation of each property a shortest one.
 *
 * What the core is given, and never looks into:
 * - a successor strategy (`Successors`): how a state's successor by an op is computed and keyed,
 *   and what is checked on it (exhaustive/successors.ts, successors-cached.ts);
 * - a goal: whether anything is left to look for (exhaustive/observer.ts);
 * - a frontier (exhaustive/frontier.ts: the states of a level, in one thread or in a parallel search's
 *   chunks) and a bounds source (exhaustive/bounds.ts, or the coordinator's in exhaustive/part.ts).
 *
 * It is a generator: it yields when the bounds are due, so that a caller can let the event loop turn
 * there (signal handlers set `ExhaustiveOptions.signal`) before they are checked.
 */
import type { Bounds, Counts } from './bounds.ts';
import type { Frontier } from './frontier.ts';
import type { Bound } from './options.ts';
import type { SearchStore } from './space.ts';

/** How the successors of a stored state are computed, keyed and checked. */
export interface Successors {
  /** The keys `step` writes (W words each), to be stored in that order. */
  readonly keys: Uint32Array;
  /** Start expanding stored state i. */
  begin(i: number): void;
  /** Step op k (an alphabet index) from the state being expanded. Throws what the reducer throws. */
  step(k: number): void;
  /**
   * The last step's checks, then its keys: how many it wrote to `keys` (0: nothing to store, the
   * same state or a successor already stored).
   */
  key(): number;
  /** Key j of the last step was stored as the new state n at `depth`: a bound if the search must end. */
  stored(j: number, n: number, depth: number): Bound | null;
  /** The last step's keys are stored; `fresh`: some state was new. */
  stepped(fresh: boolean): void;
  /** Op k threw e: the bound the search ends with. */
  failed(k: number, e: unknown): Bound;
}

export interface CoreParts {
  readonly store: SearchStore;
  /** Words of a key. */
  readonly words: number;
  /** Ops in the alphabet. */
  readonly ops: number;
  readonly successors: Successors;
  /** Whether nothing is left to look for (every property asked for was violated). */
  readonly goal: { readonly finished: boolean };
  readonly frontier: Frontier;
  readonly bounds: Bounds;
  readonly maxDepth: number;
  readonly maxStates: number;
  /** Written as the search goes: the state being expanded, the op being stepped, the depth. */
  readonly where?: Int32Array | undefined;
  /** Before expanding state `state`, call `give` with it and end the search ('interrupted'). */
  readonly traceTo?: { readonly state: number; readonly give: (i: number) => void } | undefined;
}

export interface CoreEnd {
  readonly bound: Bound | null;
  /** No state was left to expand. */
  readonly complete: boolean;
  /** The depth of the level the search was at when it ended. */
  readonly depth: number;
  readonly transitions: number;
}

export class SearchCore {
  private transitions = 0;
  private readonly p: CoreParts;

  constructor(p: CoreParts) {
    this.p = p;
  }

  private counts(): Counts {
    return { states: this.p.store.count, transitions: this.transitions, depth: this.p.frontier.depth };
  }

  /** The search, from a first level already stored; `first`: a bound met on the way there. */
  *run(first: Bound | null): Generator<void, CoreEnd> {
    const { frontier, bounds, goal } = this.p;
    let bound = first;
    if (bound === null && bounds.due()) {
      yield;
      bound = bounds.check(this.counts());
    }
    let complete = false;
    let done = false;
    while (bound === null) {
      if (!frontier.advance()) {
        complete = true;
        break;
      }
      if (goal.finished) break;
      if (frontier.depth >= this.p.maxDepth) {
        bound = 'depth';
        break;
      }
      const end = yield* this.level();
      if (end === 'done') done = true;
      else bound = end;
      if (done) break;
    }
    if (bound !== null || done) frontier.stop(bound ?? 'done');
    return { bound, complete, depth: frontier.depth, transitions: this.transitions };
  }

  /** Expand the states of a level: null when it is done, else why the search ends. */
  private *level(): Generator<void, Bound | 'done' | null> {
    const { frontier, bounds, goal, store } = this.p;
    for (let i = frontier.next(); i >= 0; i = frontier.next()) {
      if (bounds.due()) {
        yield;
        const b = bounds.check(this.counts());
        if (b !== null) return b;
      }
      const b = yield* this.expand(i);
      if (b !== null) return b;
      // Every property violated: the rest of the level cannot give a shorter counterexample.
      if (goal.finished) return 'done';
      // A shared store's count also grows by other threads' adds.
      if (store.count >= this.p.maxStates) return 'states';
    }
    return null;
  }

  /**
   * Expand state i: every op, every key it gives stored. One state can take seconds at a large scope
   * (every id image of each successor that enters a scan), so the bounds are checked between its
   * successors too.
   */
  private *expand(i: number): Generator<void, Bound | null> {
    const { successors: sx, store, bounds, where, words: W } = this.p;
    const depth = this.p.frontier.depth;
    if (where !== undefined) {
      where[0] = i;
      where[2] = depth;
    }
    if (this.p.traceTo?.state === i) {
      this.p.traceTo.give(i);
      return 'interrupted';
    }
    sx.begin(i);
    const keys = sx.keys;
    for (let k = 0; k < this.p.ops; k++) {
      if (bounds.due()) {
        yield;
        const b = bounds.check(this.counts());
        if (b !== null) return b;
      }
      if (where !== undefined) where[1] = k;
      try {
        sx.step(k);
      } catch (e) {
        return sx.failed(k, e);
      }
      this.transitions++;
      const m = sx.key();
      let fresh = false;
      for (let j = 0; j < m; j++) {
        if (j > 0 && bounds.due()) {
          yield;
          const b = bounds.check(this.counts());
          if (b !== null) return b;
        }
        const n = store.add(keys, j * W, i, k);
        if (n === -2) return 'memory';
        if (n < 0) continue;
        fresh = true;
        const b = sx.stored(j, n, depth + 1);
        if (b !== null) return b;
      }
      sx.stepped(fresh);
      if (fresh && store.count >= this.p.maxStates) return 'states';
    }
    return null;
  }
}
