/**
 * The bounds of a search that are not a property of the states: --time, the signal, --max-memory,
 * and the progress callback. `Limits` checks them (the search in one thread between states, the
 * coordinator of a parallel search on a timer); `LocalBounds` is the search core's bounds source in
 * one thread (a parallel worker's polls the coordinator instead: exhaustive/part.ts).
 */
import v8 from 'node:v8';
import type { Bound, ExhaustiveOptions, Progress } from './options.ts';

/** Where the search core asks for the bounds: `due` between states and successors, then `check`. */
export interface Bounds {
  /** Whether `check` is due (cheap: asked between every two successors). */
  due(): boolean;
  /** The bound reached, if any; `at`: the search's figures so far, for progress. */
  check(at: Counts): Bound | null;
}

/** The figures of a search so far (Progress without the time). */
export type Counts = Omit<Progress, 'ms'>;

/** Time, signal, memory and progress, as given in the options. */
export class Limits {
  private lastTick = -Infinity; // the first check shows progress at once
  private lastMemory = -Infinity;
  private readonly opt: ExhaustiveOptions;
  private readonly t0: number;
  private readonly maxMemory: number;

  constructor(opt: ExhaustiveOptions, t0: number) {
    this.opt = opt;
    this.t0 = t0;
    this.maxMemory = opt.maxMemory ?? Infinity;
  }

  /** The bound reached at `now`: the signal, the time, the memory (every 25 ms), in that order. */
  reached(now: number): Bound | null {
    if (this.opt.signal?.aborted) return 'interrupted';
    if (this.opt.timeMs !== undefined && now - this.t0 >= this.opt.timeMs) return 'time';
    // process.memoryUsage.rss() costs microseconds: every 25 ms is often enough.
    if (now - this.lastMemory >= 25) {
      this.lastMemory = now;
      if (memoryInUse() > this.maxMemory) return 'memory';
    }
    return null;
  }

  /** Progress, every 250 ms. */
  tick(now: number, at: () => Counts): void {
    if (this.opt.progress && now - this.lastTick >= 250) {
      this.lastTick = now;
      this.opt.progress({ ...at(), ms: now - this.t0 });
    }
  }
}

/**
 * When the bounds are next due: every `every` ms. The clock is read about once a millisecond, not on
 * every call: on every call when the calls come slowly, on every 16th when they come fast (a clock read
 * costs as much as a tenth of a successor).
 */
export class Due {
  private nextCheck = 0;
  /** Calls left before the clock is read, how many calls apart it is read, and when it last was. */
  private skip = 0;
  private stride = 1;
  private lastRead = 0;
  private readonly every: number;
  private readonly clock: () => number;

  constructor(every: number, clock: () => number = Date.now) {
    this.every = every;
    this.clock = clock;
  }

  due(): boolean {
    if (--this.skip > 0) return false;
    const now = this.clock();
    this.stride = now - this.lastRead >= 1 ? Math.max(1, this.stride >> 1) : Math.min(16, this.stride * 2);
    this.lastRead = now;
    this.skip = this.stride;
    return now >= this.nextCheck;
  }

  /** The bounds were checked at `now`. */
  checked(now: number): void {
    this.nextCheck = now + this.every;
  }
}

/** The bounds of a search in one thread: checked every 20 ms. */
export class LocalBounds implements Bounds {
  private readonly clock = new Due(20);
  private readonly limits: Limits;

  constructor(opt: ExhaustiveOptions, t0: number) {
    this.limits = new Limits(opt, t0);
  }

  due(): boolean {
    return this.clock.due();
  }

  check(at: Counts): Bound | null {
    const now = Date.now();
    this.clock.checked(now);
    const b = this.limits.reached(now);
    if (b === null) this.limits.tick(now, () => at);
    return b;
  }
}

/** Time for the reduction estimate, within a time bound: a small part of it. */
export const reductionMs = (opt: ExhaustiveOptions): number =>
  opt.timeMs === undefined ? 200 : Math.min(200, Math.max(20, opt.timeMs / 100));

/**
 * The depth a result reports: every state at this distance or less was expanded. `depth` is the
 * level the search was at when it ended; `complete`: no state was left to expand.
 */
export const resultDepth = (complete: boolean, bound: Bound | null, depth: number): number =>
  complete ? depth - 1 : bound === 'depth' ? depth : Math.max(0, depth - 1);

/**
 * Bytes the process holds: its resident set (every thread's heap, the typed arrays of the stores and
 * the transition cache, code), or Infinity when this thread's JS heap nears its own ceiling.
 */
export function memoryInUse(): number {
  if (v8.getHeapStatistics().used_heap_size > 0.85 * HEAP_LIMIT) return Infinity;
  return process.memoryUsage.rss();
}
export const HEAP_LIMIT = v8.getHeapStatistics().heap_size_limit;
