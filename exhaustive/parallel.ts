/**
 * A parallel breadth-first search (`apmc check --engine exhaustive --workers N`): N worker threads
 * expand each level together, adding successors to one shared state store (shared-store.ts), so no
 * state is stored or expanded twice and the counts are those of the search in one thread. Each
 * worker runs the search core over the shared store (exhaustive/part.ts).
 *
 * The coordinator (this thread) stores the initial state and hands each level out in chunks through
 * an atomic counter. It passes the history properties' records to their checks as the workers send
 * them, in batches (one check for the whole search, as in one thread: exhaustive/history.ts), so that
 * a level cut short by a bound still counts. Between levels, with every worker waiting at the barrier, it:
 * - closes the properties some worker found violated, so that no worker looks for them again;
 * - decides whether the search goes on (the same tests, in the same order, as the search core).
 * The time, memory, signal and progress checks run on a timer here; a worker ends the search itself
 * on the states bound, a full arena or a policy error. The first bound set wins.
 *
 * Breadth-first order holds, so every counterexample is a shortest one. Which of several shortest
 * traces is reported, and the order of the state numbers within a level, depend on how the threads
 * ran: they can differ between runs (as with Spin's multi-core search).
 */
import os from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../model/policy.ts';
import type { Property, Violation } from '../properties/types.ts';
import { Limits, memoryInUse, reductionMs, resultDepth } from './bounds.ts';
import { type HistoryRecord, historyCoordinator } from './history.ts';
import type { Op } from '../model/ops.ts';
import type { State } from '../model/state.ts';
import type { BaseFindings, Bound, ExhaustiveFound, ExhaustiveOptions, ExhaustiveResult } from './options.ts';
import {
  CLOSED,
  DEPTH,
  END,
  GEN,
  NEXT,
  type PartData,
  type PartMessage,
  SOLO,
  START,
  STOP,
  STOPS,
  setStop,
  TRANSITIONS,
  WORDS,
} from './part.ts';
import { growBarrier, type SharedBuffers, SharedStateStore, sharedBuffers } from './shared-store.ts';
import { makeSpace, type SearchStore, type Space, storeInitial } from './space.ts';
import type { Stored } from './store.ts';
import type { Symmetry } from './symmetry.ts';
import { witness } from './witness.ts';

export type { PartData, PartMessage } from './part.ts';

/** How many states the shared buffers are sized for: the states bound, or what the memory allows. */
function capacityFor(words: number, opt: ExhaustiveOptions): number {
  // Per state: its key, parent, op and hash; the table's slots at worst load (35%).
  const perState = words * 4 + 10 + ((words + 1) * 4) / 0.35;
  const memory = Math.min(opt.maxMemory ?? Infinity, os.totalmem() / 2);
  let cap = Math.floor(memory / perState);
  if (opt.maxStates !== undefined) cap = Math.min(cap, opt.maxStates + 4096);
  // Typed arrays of at most 2^31 elements (the table has up to 2^31 / (W+1) slots).
  return Math.max(1024, Math.min(cap, Math.floor(2 ** 30 / (words + 1))));
}

/**
 * The shared buffers of the states and of the settled classes. Reserved, not committed: where the
 * system refuses so much address space (strict overcommit), ask for half as much until it agrees;
 * the memory bound then comes sooner.
 */
function sharedStores(
  sp: CoordinatedSpace,
  opt: ExhaustiveOptions,
): { buffers: SharedBuffers; checked: SharedBuffers } {
  const barrier = growBarrier();
  let capacity = capacityFor(sp.W, opt);
  for (;;) {
    try {
      const buffers = sharedBuffers(sp.W, sp.bits, capacity, 1 << 16, barrier);
      return { buffers, checked: sharedBuffers(sp.W, sp.bits, capacity, 1 << 12, barrier) };
    } catch (e) {
      if (!(e instanceof RangeError) || capacity <= 1 << 16) throw e;
      capacity = Math.floor(capacity / 2);
    }
  }
}

/**
 * What the coordinator needs of a search's space: the plain search's (`plainSpace`), or a product
 * search's (exhaustive/product.ts), whose workers store pairs of states.
 */
export interface CoordinatedSpace {
  /** Words of a stored key; low bits of them in use (the store's marker: exhaustive/store.ts). */
  readonly W: number;
  readonly bits: number;
  readonly alphabet: number;
  readonly s0: State;
  /** For the history properties' images (null: none, or no symmetry). */
  readonly sym: Symmetry | null;
  storeInitial(store: SearchStore): void;
  /** The ops to stored state n of `store` (the history properties' reports). */
  trace(store: Stored): (n: number) => Op[];
  /** States per symmetry class, estimated within `ms`. */
  reduction(store: Stored, ms: number): number;
}

/** The plain search's space, for its coordinator. */
export function plainSpace(cfg: Config, opt: ExhaustiveOptions): CoordinatedSpace {
  const sp: Space = makeSpace(cfg, opt);
  return {
    W: sp.W,
    bits: sp.codec.bits,
    alphabet: sp.ops.length,
    s0: sp.s0,
    sym: sp.sym,
    storeInitial: (store) => storeInitial(sp, store),
    trace: (store) => witness(cfg, sp.s0, store, sp.ops, sp.sym).trace,
    reduction: (store, ms) => (sp.sym ? sp.sym.reduction(store, ms) : 1),
  };
}

/**
 * Run the search on `workers` threads. `spawn` starts one worker thread running its part (see
 * bin/exhaustive-worker.ts) with the given data. `space` makes the search's space (default: the plain one's),
 * once the clock of the time bound runs: at a large scope setting up the symmetry takes a while.
 */
export function exploreParallel(
  cfg: Config,
  props: readonly Property[],
  opt: ExhaustiveOptions,
  workers: number,
  spawn: (d: PartData) => Worker,
  space: () => CoordinatedSpace = () => plainSpace(cfg, opt),
): Promise<ExhaustiveResult> {
  return new Promise((resolve, reject) =>
    new Coordinator(cfg, props, opt, workers, space, resolve, reject).start(spawn),
  );
}

/** The coordinator of one parallel search: the levels, the stop, the violations and the result. */
class Coordinator {
  private readonly t0 = Date.now();
  private readonly sp: CoordinatedSpace;
  private readonly shared: { buffers: SharedBuffers; checked: SharedBuffers };
  private readonly store: SharedStateStore;
  private readonly checked: SharedStateStore;
  private readonly control = new SharedArrayBuffer(WORDS * 4);
  private readonly c = new Int32Array(this.control);
  private readonly names: readonly string[];
  private readonly open: Set<string>;
  private readonly found: ExhaustiveFound[] = [];
  /** The history properties' records, passed to their checks as they come (one check for the search). */
  private readonly compare: (records: readonly HistoryRecord[]) => void;
  private readonly limits: Limits;
  private levelStart = 0;
  private levelEnd = 1;
  private depth = 0;
  private bound: Bound | null = null;
  private complete = false;
  // The workers: their threads, final results, level messages; how many ended; the first failure.
  private readonly threads: Worker[] = [];
  private readonly finals: (ExhaustiveResult | undefined)[];
  private levelMsgs: Extract<PartMessage, { type: 'level' }>[] = [];
  private readonly ended: boolean[];
  private finished = 0;
  private failed: Error | null = null;
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly props: readonly Property[];
  private readonly opt: ExhaustiveOptions;
  private readonly workers: number;
  private readonly resolve: (r: ExhaustiveResult) => void;
  private readonly reject: (e: Error) => void;

  constructor(
    cfg: Config,
    props: readonly Property[],
    opt: ExhaustiveOptions,
    workers: number,
    space: () => CoordinatedSpace,
    resolve: (r: ExhaustiveResult) => void,
    reject: (e: Error) => void,
  ) {
    this.props = props;
    this.opt = opt;
    this.workers = workers;
    this.resolve = resolve;
    this.reject = reject;
    const sp = (this.sp = space());
    this.shared = sharedStores(sp, opt);
    this.store = new SharedStateStore(this.shared.buffers);
    this.checked = new SharedStateStore(this.shared.checked);
    sp.storeInitial(this.store);
    this.names = props.map((p) => p.name);
    this.open = new Set(this.names);
    this.limits = new Limits(opt, this.t0);
    this.finals = new Array(workers);
    this.ended = new Array(workers).fill(false);
    const trace = sp.trace(this.store);
    const { s0, sym } = sp;
    const { open, store, t0 } = this;
    const report = (v: Violation, depth: number): void =>
      this.close({ ...v, depth, afterStates: store.count, foundMs: Date.now() - t0 });
    this.compare = historyCoordinator({ cfg, s0, props, open, sym, trace, report });
  }

  /** Level 0 (unless the search ends before it), the timer, the workers. */
  start(spawn: (d: PartData) => Worker): void {
    if (!this.goOn()) setStop(this.c, this.bound ?? 'done');
    else this.startLevel();
    this.timer = setInterval(() => this.tick(), 25);
    // Already past the memory ceiling (what an earlier search held may not be collected yet): starting
    // the workers would add their heaps to it. The search ends with the memory bound at once.
    if (this.opt.maxMemory !== undefined && memoryInUse() > this.opt.maxMemory) {
      setStop(this.c, 'memory');
      this.done();
      return;
    }
    const { progress: _p, signal: _s, guard: _g, onFound: _f, ...plain } = this.opt;
    const { buffers, checked } = this.shared;
    for (let id = 0; id < this.workers; id++) {
      const { workers, control, names: props } = this;
      const t = spawn({ id, workers, buffers, checked, control, props, opt: plain });
      t.on('message', (m: PartMessage) => this.onMessage(m));
      t.once('error', (e) => this.end(id, e));
      const exited = (code: number): Error =>
        new Error(`exhaustive: worker ${id} exited (code ${code}) before its result`);
      t.once('exit', (code) => this.end(id, exited(code)));
      this.threads.push(t);
    }
  }

  /** Time, signal and memory (the process's resident set: every worker's heap and the shared stores), progress. */
  private tick(): void {
    const now = Date.now();
    const b = this.limits.reached(now);
    if (b !== null) setStop(this.c, b);
    const at = () => ({ states: this.store.count, transitions: Atomics.load(this.c, TRANSITIONS), depth: this.depth });
    this.limits.tick(now, at);
  }

  /** The search core's tests before a level: false when the search ends here. */
  private goOn(): boolean {
    if (this.levelStart >= this.levelEnd) this.complete = true;
    else if (this.open.size === 0 && this.props.length > 0) this.complete = false;
    else if (this.depth >= (this.opt.depth ?? Infinity)) this.bound = 'depth';
    else return true;
    return false;
  }

  private close(f: ExhaustiveFound): void {
    this.open.delete(f.property);
    this.found.push(f);
    this.opt.onFound?.(f);
  }

  /** A level's violations, every worker's in: per property, the shortest (ties: the lowest worker). */
  private level(msgs: readonly { readonly found: readonly ExhaustiveFound[] }[]): void {
    const best = new Map<string, ExhaustiveFound>();
    for (const m of msgs) {
      for (const f of m.found) {
        const b = best.get(f.property);
        if (this.open.has(f.property) && (b === undefined || f.depth < b.depth)) best.set(f.property, f);
      }
    }
    for (const f of best.values()) this.close(f);
  }

  /** Worker `id` is done (its result posted, or it failed): the search ends when every worker is. */
  private end(id: number, error: Error | null): void {
    if (this.ended[id]) return;
    this.ended[id] = true;
    if (error) {
      this.failed ??= error;
      setStop(this.c, 'interrupted');
    }
    if (++this.finished === this.workers) this.done();
  }

  private onMessage(m: PartMessage): void {
    if (m.type === 'error') {
      this.end(m.id, new Error(m.error));
      return;
    }
    try {
      this.compare(m.records);
      if (this.open.size === 0 && this.props.length > 0) setStop(this.c, 'done');
    } catch (e) {
      this.failed ??= e instanceof Error ? e : new Error(String(e));
      setStop(this.c, 'interrupted');
    }
    if (m.type === 'final') {
      this.finals[m.id] = m.r;
      this.end(m.id, null);
    } else if (m.type === 'level') this.onLevel(m);
  }

  /** A worker expanded its part of the level: once every worker has, the next level starts (or the search ends). */
  private onLevel(m: Extract<PartMessage, { type: 'level' }>): void {
    this.levelMsgs.push(m);
    if (this.levelMsgs.length < this.workers || Atomics.load(this.c, STOP) !== 0) return;
    const msgs = this.levelMsgs.sort((a, b) => a.id - b.id);
    this.levelMsgs = [];
    this.level(msgs);
    this.levelStart = this.levelEnd;
    this.levelEnd = Math.min(this.store.count, this.store.capacity);
    this.depth++;
    if (!this.goOn()) setStop(this.c, this.bound ?? 'done');
    else this.startLevel();
  }

  private startLevel(): void {
    const c = this.c;
    let mask = 0;
    this.names.forEach((n, i) => {
      if (!this.open.has(n)) mask |= 1 << i;
    });
    Atomics.store(c, CLOSED, mask);
    Atomics.store(c, START, this.levelStart);
    Atomics.store(c, END, this.levelEnd);
    Atomics.store(c, DEPTH, this.depth);
    Atomics.store(c, NEXT, this.levelStart);
    // A shard keeps the states at its split depth whose number is k mod n: the levels before it
    // are expanded by one worker in order, so that every job numbers them alike.
    Atomics.store(c, SOLO, this.opt.shard && this.depth < this.opt.shard.depth ? 1 : 0);
    Atomics.add(c, GEN, 1);
    Atomics.notify(c, GEN);
  }

  private done(): void {
    clearInterval(this.timer);
    // Settled once every worker thread is gone: its heap is freed before the next search starts.
    const gone = Promise.allSettled(this.threads.map((t) => t.terminate()));
    const failed = this.failed;
    if (failed) {
      void gone.then(() => this.reject(failed));
      return;
    }
    const rs = this.finals.filter((r): r is ExhaustiveResult => r !== undefined);
    const stopped = STOPS[Atomics.load(this.c, STOP)]!;
    if (stopped !== 'done') this.bound = stopped;
    // Violations met in a level the search did not finish (a bound, or every property violated, ended it).
    this.level(rs);
    const r = this.result(rs);
    void gone.then(() => this.resolve(r));
  }

  private result(rs: readonly ExhaustiveResult[]): ExhaustiveResult {
    const { sp, store, bound, opt } = this;
    const complete = this.complete && bound === null;
    const policyError = rs.find((r) => r.policyError)?.policyError;
    const exercised = new Set(rs.flatMap((r) => r.exercised));
    const memos = rs.flatMap((r) => (r.memo ? [r.memo] : []));
    const sum = (f: (m: (typeof memos)[number]) => number): number => memos.reduce((a, x) => a + f(x), 0);
    const memo = { hits: sum((x) => x.hits), misses: sum((x) => x.misses), bytes: sum((x) => x.bytes) };
    const base = mergeBase(rs);
    return {
      states: Math.min(store.count, store.capacity),
      transitions: rs.reduce((a, r) => a + r.transitions, 0),
      depth: resultDepth(this.complete, bound, this.depth),
      complete,
      bound,
      ms: Date.now() - this.t0,
      bytes: store.bytes + this.checked.bytes,
      alphabet: sp.alphabet,
      found: this.found,
      ...(base ? { base } : {}),
      reduction: sp.reduction(store, reductionMs(opt)),
      exercised: this.names.filter((n) => exercised.has(n)),
      ...(memos.length > 0 ? { memo } : {}),
      ...(policyError ? { policyError } : {}),
    };
  }
}

/**
 * The base figures of a product search's workers (exhaustive/product.ts), merged: per property the
 * shortest inherited and fixed traces (ties: the lowest worker); undefined for a plain search.
 */
function mergeBase(rs: readonly ExhaustiveResult[]): BaseFindings | undefined {
  const bs = rs.flatMap((r) => (r.base ? [r.base] : []));
  if (bs.length === 0) return undefined;
  const shortest = (lists: readonly (readonly ExhaustiveFound[])[]): ExhaustiveFound[] => {
    const best = new Map<string, ExhaustiveFound>();
    for (const list of lists) {
      for (const f of list) {
        const b = best.get(f.property);
        if (b === undefined || f.depth < b.depth) best.set(f.property, f);
      }
    }
    return [...best.values()].sort((x, y) => x.depth - y.depth);
  };
  return {
    policy: bs[0]!.policy,
    inherited: shortest(bs.map((b) => b.inherited)),
    fixed: shortest(bs.map((b) => b.fixed)),
  };
}
