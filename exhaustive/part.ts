/**
 * One worker's part in a parallel search (exhaustive/parallel.ts): the search core runs in each
 * worker thread over the shared store, with a frontier that claims chunks of each level from the
 * coordinator (`SharedFrontier`) and a bounds source that polls it (`SharedBounds`). The worker's
 * side of the level barrier and the control words both sides share are here too.
 */
import v8 from 'node:v8';
import { type Bounds, type Counts, Due, HEAP_LIMIT } from './bounds.ts';
import type { Codec } from './codec.ts';
import { Frontier } from './frontier.ts';
import type { HistoryRecord } from './history.ts';
import type { Observer } from './observer.ts';
import type { Bound, ExhaustiveFound, ExhaustiveOptions, ExhaustiveResult } from './options.ts';
import { joinGrow, type SharedBuffers, SharedStateStore } from './shared-store.ts';

/** Control words of the level barrier. */
export const GEN = 0;
export const STOP = 1;
export const NEXT = 2;
export const END = 3;
export const START = 4;
export const DEPTH = 5;
export const CLOSED = 6;
export const TRANSITIONS = 7;
/** 1 while only worker 0 expands (the levels before a shard's split, numbered as in one thread). */
export const SOLO = 8;
/** Control words in all. */
export const WORDS = 9;

/** States a claim hands out. */
export const CHUNK = 16;

/** The STOP word's values: 0 not stopped (and 1) 'done', then the bounds. */
export const STOPS: readonly (Bound | 'done')[] = [
  'done',
  'done',
  'depth',
  'states',
  'memory',
  'time',
  'interrupted',
  'policy-error',
];
/** Set the search's stop (the first one set wins) and wake the workers waiting at the barrier. */
export function setStop(c: Int32Array, b: Bound | 'done'): void {
  Atomics.compareExchange(c, STOP, 0, Math.max(1, STOPS.indexOf(b)));
  Atomics.notify(c, GEN);
}

/** What a worker thread is given (structured-cloneable). */
export interface PartData {
  readonly id: number;
  readonly workers: number;
  readonly buffers: SharedBuffers;
  /** The settled classes whose history properties were checked (by whichever worker met them first). */
  readonly checked: SharedBuffers;
  readonly control: SharedArrayBuffer;
  /** Property names, in the order of the CLOSED bit mask. */
  readonly props: readonly string[];
  /** A search against a base (exhaustive/product.ts): the base's policy spec. */
  readonly base?: string;
  readonly opt: ExhaustiveOptions;
}

export type PartMessage =
  | { readonly type: 'records'; readonly id: number; readonly records: readonly HistoryRecord[] }
  | {
      readonly type: 'level';
      readonly id: number;
      readonly found: readonly ExhaustiveFound[];
      readonly records: readonly HistoryRecord[];
    }
  | {
      readonly type: 'final';
      readonly id: number;
      readonly r: ExhaustiveResult;
      readonly records: readonly HistoryRecord[];
    }
  | { readonly type: 'error'; readonly id: number; readonly error: string };

/** The next level, as the coordinator hands it out. */
export interface NextLevel {
  readonly start: number;
  readonly end: number;
  readonly depth: number;
  /** Properties some worker found violated. */
  readonly closed: readonly string[];
}

/**
 * One worker's part in a parallel search: the shared store, the work of a level in chunks, and the
 * barrier between levels; the coordinator checks order independence.
 */
export interface ParallelPart {
  readonly id: number;
  readonly store: SharedStateStore;
  /** The settled classes whose history properties were checked, shared by the workers. */
  readonly checked: SharedStateStore;
  /** States a claim hands out. */
  readonly chunk: number;
  /** The first state of the next chunk of the level, or -1 when the level is all handed out. */
  claim(): number;
  /** Between states: joins a pending growth of the table; a bound when the search must end. */
  poll(transitions: number): Bound | null;
  /** This worker ends the search (the first bound set wins; 'done': every property was violated). */
  stop(b: Bound | 'done'): void;
  /** A history property's record, for the coordinator to compare (sent in batches). */
  record(r: HistoryRecord): void;
  /** The level is expanded: send what was found, wait for the next level (null: the search ends). */
  endLevel(found: readonly ExhaustiveFound[]): NextLevel | null;
}

/** The worker's side of the barrier. `post` sends a message to the coordinator. */
export class WorkerPart implements ParallelPart {
  readonly id: number;
  readonly store: SharedStateStore;
  readonly checked: SharedStateStore;
  readonly chunk = CHUNK;
  private readonly stores: readonly SharedStateStore[];
  private readonly c: Int32Array;
  private pending: HistoryRecord[] = [];
  /** Transitions already added to the shared count. */
  private flushed = 0;
  private lastHeap = 0;
  private readonly maxMemory: number;
  private readonly d: PartData;
  private readonly post: (m: PartMessage) => void;

  constructor(d: PartData, post: (m: PartMessage) => void) {
    this.d = d;
    this.post = post;
    this.id = d.id;
    this.store = new SharedStateStore(d.buffers);
    this.checked = new SharedStateStore(d.checked);
    this.stores = [this.store, this.checked];
    this.c = new Int32Array(d.control);
    this.maxMemory = d.opt.maxMemory ?? Infinity;
  }

  private stopped(): boolean {
    return Atomics.load(this.c, STOP) !== 0;
  }

  /** Meet the other workers at the grow barrier: false when the growth step was refused (memory). */
  private grow(): boolean {
    const max = this.maxMemory;
    /** A table's growth step is refused when it would take the process past the memory ceiling. */
    const allow = (bytes: number): boolean => max === Infinity || process.memoryUsage.rss() + bytes <= max;
    return joinGrow(this.stores, this.d.workers, () => this.stopped(), allow);
  }

  claim(): number {
    const c = this.c;
    if (this.id !== 0 && Atomics.load(c, SOLO) !== 0) return -1;
    const a = Atomics.add(c, NEXT, CHUNK);
    return a < Atomics.load(c, END) ? a : -1;
  }

  poll(transitions: number): Bound | null {
    const c = this.c;
    if (this.store.growing && !this.grow()) return this.stopWith('memory');
    const s = Atomics.load(c, STOP);
    if (s !== 0) return (STOPS[s] === 'done' ? 'interrupted' : STOPS[s]) as Bound;
    Atomics.add(c, TRANSITIONS, transitions - this.flushed);
    this.flushed = transitions;
    const now = Date.now();
    if (now - this.lastHeap >= 25) {
      this.lastHeap = now;
      // This thread's JS heap has its own ceiling (the process's resident set is the coordinator's).
      if (v8.getHeapStatistics().used_heap_size > 0.85 * HEAP_LIMIT) return this.stopWith('memory');
    }
    const full = this.store.count >= this.store.capacity || this.checked.count >= this.checked.capacity;
    return full ? this.stopWith('memory') : null;
  }

  private stopWith(b: Bound): Bound {
    this.stop(b);
    return b;
  }

  stop(b: Bound | 'done'): void {
    setStop(this.c, b);
  }

  record(r: HistoryRecord): void {
    this.pending.push(r);
    // The coordinator compares them as they come, so that a level cut short by a bound still counts.
    if (this.pending.length >= 256) this.post({ type: 'records', id: this.id, records: this.records() });
  }

  /** The records not sent yet. */
  records(): HistoryRecord[] {
    const r = this.pending;
    this.pending = [];
    return r;
  }

  endLevel(found: readonly ExhaustiveFound[]): NextLevel | null {
    const c = this.c;
    const gen = Atomics.load(c, GEN);
    this.post({ type: 'level', id: this.id, found, records: this.records() });
    for (;;) {
      if (this.store.growing && !this.grow()) this.stop('memory');
      if (this.stopped()) return null;
      if (Atomics.load(c, GEN) !== gen) break;
      Atomics.wait(c, GEN, gen, 50);
    }
    const mask = Atomics.load(c, CLOSED);
    return {
      start: Atomics.load(c, START),
      end: Atomics.load(c, END),
      depth: Atomics.load(c, DEPTH),
      closed: this.d.props.filter((_, i) => (mask >>> i) & 1),
    };
  }
}

/** What a worker's frontier tells of each level: the violations found, and those found elsewhere (Observer). */
export type LevelObserver = Pick<Observer, 'found' | 'close'>;

/** The frontier of a worker: the coordinator's levels, claimed in chunks. */
export class SharedFrontier extends Frontier {
  protected readonly chunk: number;
  private first = true;
  /** Violations already sent to the coordinator. */
  private sent = 0;
  private readonly par: ParallelPart;
  private readonly observer: LevelObserver;

  /** `stride`: words per stored key (a product search's: exhaustive/product.ts). */
  constructor(
    par: ParallelPart,
    observer: LevelObserver,
    codec: Codec,
    ordered: boolean,
    shard: ExhaustiveOptions['shard'],
    stride = codec.words,
  ) {
    super(par.store, codec, ordered, shard, stride);
    this.par = par;
    this.observer = observer;
    this.chunk = par.chunk;
  }

  advance(): boolean {
    if (this.first) {
      // The coordinator stored the initial state and started level 0 before starting the workers.
      this.first = false;
      this.enter(0, 1, 0);
      return true;
    }
    const found = this.observer.found;
    const next = this.par.endLevel(found.slice(this.sent));
    this.sent = found.length;
    if (next === null) return false;
    this.observer.close(next.closed);
    // Every worker computes the same order of the level from the shared store.
    this.enter(next.start, next.end, next.depth);
    return true;
  }

  stop(why: Bound | 'done'): void {
    this.par.stop(why);
  }

  protected claim(): number {
    return this.par.claim();
  }
}

/** The bounds of a worker: the coordinator's stop and the table's growth barrier, polled every 2 ms. */
export class SharedBounds implements Bounds {
  private readonly clock = new Due(2);
  private readonly par: ParallelPart;

  constructor(par: ParallelPart) {
    this.par = par;
  }

  due(): boolean {
    // A pending growth of the table is joined at once (the other workers wait at its barrier).
    return this.par.store.growing || this.clock.due();
  }

  check(at: Counts): Bound | null {
    this.clock.checked(Date.now());
    return this.par.poll(at.transitions);
  }
}
