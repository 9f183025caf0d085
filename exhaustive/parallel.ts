/**
 * A parallel breadth-first search (`apmc check --engine exhaustive --workers N`): N worker threads
 * expand each level together, adding successors to one shared state store (shared-store.ts), so no
 * state is stored or expanded twice and the counts are those of the search in one thread.
 *
 * The coordinator (this thread) stores the initial state and hands each level out in chunks through
 * an atomic counter. It compares the order-independence records as the workers send them, in batches
 * (one map for the whole search, as in one thread; a record is a settled class's configuration and
 * guests), so that a level cut short by a bound still counts. Between levels, with every worker
 * waiting at the barrier, it:
 * - closes the properties some worker found violated, so that no worker looks for them again;
 * - decides whether the search goes on (the same tests, in the same order, as the one-thread loop).
 * The time, memory, signal and progress checks run on a timer here; a worker ends the search itself
 * on the states bound, a full arena or a policy error. The first bound set wins.
 *
 * Breadth-first order holds, so every counterexample is a shortest one. Which of several shortest
 * traces is reported, and the order of the state numbers within a level, depend on how the threads
 * ran: they can differ between runs (as with Spin's multi-core search).
 */
import os from 'node:os';
import v8 from 'node:v8';
import type { Worker } from 'node:worker_threads';
import type { Config } from '../model/policy.ts';
import { initialState } from '../model/state.ts';
import type { Property } from '../properties/types.ts';
import { alphabet } from './alphabet.ts';
import { makeCodec } from './codec.ts';
import { HEAP_LIMIT, memoryInUse, reductionMs } from './engine.ts';
import type { Bound, ExhaustiveFound, ExhaustiveOptions, ExhaustivePolicyError, ExhaustiveResult, ParallelPart } from './engine.ts';
import { historyCoordinator, type HistoryRecord } from './history.ts';
import { growBarrier, joinGrow, SharedStateStore, sharedBuffers, type SharedBuffers } from './shared-store.ts';
import { makeSymmetry } from './symmetry.ts';
import { witness } from './witness.ts';

/** Control words of the level barrier. */
const GEN = 0;
const STOP = 1;
const NEXT = 2;
const END = 3;
const START = 4;
const DEPTH = 5;
const CLOSED = 6;
const TRANSITIONS = 7;
/** 1 while only worker 0 expands (the levels before a shard's split, numbered as in one thread). */
const SOLO = 8;
/** Control words in all. */
const WORDS = 9;

/** States a claim hands out. */
const CHUNK = 16;

const STOPS: readonly (Bound | 'done')[] = ['done', 'done', 'depth', 'states', 'memory', 'time', 'interrupted', 'policy-error'];
const stopCode = (b: Bound | 'done'): number => Math.max(1, STOPS.indexOf(b));

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
  readonly opt: ExhaustiveOptions;
}

export type PartMessage =
  | { readonly type: 'records'; readonly id: number; readonly records: readonly HistoryRecord[] }
  | { readonly type: 'level'; readonly id: number; readonly found: readonly ExhaustiveFound[]; readonly records: readonly HistoryRecord[] }
  | { readonly type: 'final'; readonly id: number; readonly r: ExhaustiveResult; readonly records: readonly HistoryRecord[] }
  | { readonly type: 'error'; readonly id: number; readonly error: string };

/** The worker's side of the barrier. `post` sends a message to the coordinator. */
export function workerPart(d: PartData, post: (m: PartMessage) => void): ParallelPart & { readonly records: () => HistoryRecord[] } {
  const store = new SharedStateStore(d.buffers);
  const checked = new SharedStateStore(d.checked);
  const stores = [store, checked];
  const c = new Int32Array(d.control);
  let records: HistoryRecord[] = [];
  let flushed = 0;
  const max = d.opt.maxMemory ?? Infinity;
  /** A table's growth step is refused when it would take the process past the memory ceiling. */
  const allow = (bytes: number): boolean => max === Infinity || process.memoryUsage.rss() + bytes <= max;
  let lastHeap = 0;
  const stopped = (): boolean => Atomics.load(c, STOP) !== 0;
  const stop = (b: Bound | 'done'): void => {
    Atomics.compareExchange(c, STOP, 0, stopCode(b));
    Atomics.notify(c, GEN);
  };
  return {
    id: d.id,
    store,
    checked,
    chunk: CHUNK,
    claim() {
      if (d.id !== 0 && Atomics.load(c, SOLO) !== 0) return -1;
      const a = Atomics.add(c, NEXT, CHUNK);
      return a < Atomics.load(c, END) ? a : -1;
    },
    poll(transitions) {
      if (store.growing && !joinGrow(stores, d.workers, stopped, allow)) {
        stop('memory');
        return 'memory';
      }
      const s = Atomics.load(c, STOP);
      if (s !== 0) return (STOPS[s] === 'done' ? 'interrupted' : STOPS[s]) as Bound;
      Atomics.add(c, TRANSITIONS, transitions - flushed);
      flushed = transitions;
      const now = Date.now();
      if (now - lastHeap >= 25) {
        lastHeap = now;
        // This thread's JS heap has its own ceiling (the process's resident set is the coordinator's).
        if (v8.getHeapStatistics().used_heap_size > 0.85 * HEAP_LIMIT) {
          stop('memory');
          return 'memory';
        }
      }
      if (store.count >= store.capacity || checked.count >= checked.capacity) {
        stop('memory');
        return 'memory';
      }
      return null;
    },
    stop,
    record(r) {
      records.push(r);
      // The coordinator compares them as they come, so that a level cut short by a bound still counts.
      if (records.length >= 256) {
        post({ type: 'records', id: d.id, records });
        records = [];
      }
    },
    records() {
      const r = records;
      records = [];
      return r;
    },
    endLevel(found) {
      const gen = Atomics.load(c, GEN);
      post({ type: 'level', id: d.id, found, records });
      records = [];
      for (;;) {
        if (store.growing && !joinGrow(stores, d.workers, stopped, allow)) stop('memory');
        if (stopped()) return null;
        if (Atomics.load(c, GEN) !== gen) break;
        Atomics.wait(c, GEN, gen, 50);
      }
      const mask = Atomics.load(c, CLOSED);
      return {
        start: Atomics.load(c, START),
        end: Atomics.load(c, END),
        depth: Atomics.load(c, DEPTH),
        closed: d.props.filter((_, i) => (mask >>> i) & 1),
      };
    },
  };
}

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
 * Run the search on `workers` threads. `spawn` starts one worker thread running `runPart` (see
 * bin/exhaustive-worker.ts) with the given data.
 */
export function exploreParallel(cfg: Config, props: readonly Property[], opt: ExhaustiveOptions, workers: number, spawn: (d: PartData) => Worker): Promise<ExhaustiveResult> {
  const t0 = Date.now();
  const scope = cfg.scope;
  const ops = alphabet(scope);
  const codec = makeCodec(scope);
  const W = codec.words;
  const sym = opt.symmetry ? makeSymmetry(scope, codec) : null;
  const barrier = growBarrier();
  // Reserved, not committed: where the system refuses so much address space (strict overcommit),
  // ask for half as much until it agrees; the memory bound then comes sooner.
  let capacity = capacityFor(W, opt);
  let buffers: SharedBuffers;
  let checkedBuffers: SharedBuffers;
  for (;;) {
    try {
      buffers = sharedBuffers(W, codec.bits, capacity, 1 << 16, barrier);
      checkedBuffers = sharedBuffers(W, codec.bits, capacity, 1 << 12, barrier);
      break;
    } catch (e) {
      if (!(e instanceof RangeError) || capacity <= 1 << 16) throw e;
      capacity = Math.floor(capacity / 2);
    }
  }
  const store = new SharedStateStore(buffers);
  const checked = new SharedStateStore(checkedBuffers);
  const control = new SharedArrayBuffer(WORDS * 4);
  const c = new Int32Array(control);
  const s0 = opt.initial ?? initialState(scope);
  const key = new Uint32Array(W);
  if (sym) sym.canonical(s0, key);
  else codec.encode(s0, key, 0);
  store.add(key, 0, -1, 0);
  const { trace } = witness(cfg, s0, store, ops, sym);

  const names = props.map((p) => p.name);
  const open = new Set(names);
  const found: ExhaustiveFound[] = [];
  const maxDepth = opt.depth ?? Infinity;
  let levelStart = 0;
  let levelEnd = 1;
  let depth = 0;
  let bound: Bound | null = null;
  let complete = false;

  /** The one-thread loop's tests before a level: false when the search ends here. */
  const goOn = (): boolean => {
    if (levelStart >= levelEnd) complete = true;
    else if (open.size === 0 && props.length > 0) complete = false;
    else if (depth >= maxDepth) bound = 'depth';
    else return true;
    return false;
  };
  const close = (f: ExhaustiveFound): void => {
    open.delete(f.property);
    found.push(f);
    opt.onFound?.(f);
  };
  /** The order-independence records, compared as they come (one comparison for the search). */
  const compare = historyCoordinator({ cfg, s0, props, open, sym, trace, store, close, t0 });
  /** A level's violations, every worker's in: per property, the shortest (ties: the lowest worker). */
  const level = (msgs: readonly { readonly found: readonly ExhaustiveFound[] }[]): void => {
    const best = new Map<string, ExhaustiveFound>();
    for (const m of msgs) {
      for (const f of m.found) {
        const b = best.get(f.property);
        if (open.has(f.property) && (b === undefined || f.depth < b.depth)) best.set(f.property, f);
      }
    }
    for (const f of best.values()) close(f);
  };

  return new Promise((resolve, reject) => {
    const threads: Worker[] = [];
    const finals: (ExhaustiveResult | undefined)[] = new Array(workers);
    let levelMsgs: Extract<PartMessage, { type: 'level' }>[] = [];
    const ended: boolean[] = new Array(workers).fill(false);
    let finished = 0;
    let failed: Error | null = null;
    /** Worker `id` is done (its result posted, or it failed): the search ends when every worker is. */
    const end = (id: number, error: Error | null): void => {
      if (ended[id]) return;
      ended[id] = true;
      if (error) {
        failed ??= error;
        setStop('interrupted');
      }
      if (++finished === workers) done();
    };
    const setStop = (b: Bound | 'done'): void => {
      Atomics.compareExchange(c, STOP, 0, stopCode(b));
      Atomics.notify(c, GEN);
    };
    let lastTick = -Infinity; // progress at once
    const timer = setInterval(() => {
      const now = Date.now();
      if (opt.signal?.aborted) setStop('interrupted');
      else if (opt.timeMs !== undefined && now - t0 >= opt.timeMs) setStop('time');
      // The process's resident set: every worker's heap and the shared stores included.
      else if (opt.maxMemory !== undefined && memoryInUse() > opt.maxMemory) setStop('memory');
      if (opt.progress && now - lastTick >= 250) {
        lastTick = now;
        opt.progress({ states: store.count, transitions: Atomics.load(c, TRANSITIONS), depth, ms: now - t0 });
      }
    }, 25);

    const onMessage = (m: PartMessage): void => {
      if (m.type === 'error') return end(m.id, new Error(m.error));
      try {
        compare(m.records);
        if (open.size === 0 && props.length > 0) setStop('done');
      } catch (e) {
        failed ??= e instanceof Error ? e : new Error(String(e));
        setStop('interrupted');
      }
      if (m.type === 'records') return;
      if (m.type === 'final') {
        finals[m.id] = m.r;
        return end(m.id, null);
      }
      levelMsgs.push(m);
      if (levelMsgs.length < workers || Atomics.load(c, STOP) !== 0) return;
      const msgs = levelMsgs.sort((a, b) => a.id - b.id);
      levelMsgs = [];
      level(msgs);
      levelStart = levelEnd;
      levelEnd = Math.min(store.count, store.capacity);
      depth++;
      if (!goOn()) {
        setStop(bound ?? 'done');
        return;
      }
      startLevel();
    };
    const startLevel = (): void => {
      let mask = 0;
      names.forEach((n, i) => {
        if (!open.has(n)) mask |= 1 << i;
      });
      Atomics.store(c, CLOSED, mask);
      Atomics.store(c, START, levelStart);
      Atomics.store(c, END, levelEnd);
      Atomics.store(c, DEPTH, depth);
      Atomics.store(c, NEXT, levelStart);
      // A shard keeps the states at its split depth whose number is k mod n: the levels before it
      // are expanded by one worker in order, so that every job numbers them alike.
      Atomics.store(c, SOLO, opt.shard && depth < opt.shard.depth ? 1 : 0);
      Atomics.add(c, GEN, 1);
      Atomics.notify(c, GEN);
    };
    const done = (): void => {
      clearInterval(timer);
      // Settled once every worker thread is gone: its heap is freed before the next search starts.
      const gone = Promise.allSettled(threads.map((t) => t.terminate()));
      if (failed) {
        const e = failed;
        void gone.then(() => reject(e));
        return;
      }
      const rs = finals.filter((r): r is ExhaustiveResult => r !== undefined);
      const stopped = STOPS[Atomics.load(c, STOP)]!;
      if (stopped !== 'done') bound = stopped;
      // Violations met in a level the search did not finish (a bound, or every property violated, ended it).
      level(rs);
      const policyError: ExhaustivePolicyError | undefined = rs.find((r) => r.policyError)?.policyError;
      const exercised = new Set(rs.flatMap((r) => r.exercised));
      const memos = rs.flatMap((r) => (r.memo ? [r.memo] : []));
      const result: ExhaustiveResult = {
        states: Math.min(store.count, store.capacity),
        transitions: rs.reduce((a, r) => a + r.transitions, 0),
        depth: complete ? depth - 1 : bound === 'depth' ? depth : Math.max(0, depth - 1),
        complete: complete && bound === null,
        bound,
        ms: Date.now() - t0,
        bytes: store.bytes + checked.bytes,
        alphabet: ops.length,
        found,
        reduction: sym ? sym.reduction(store, reductionMs(opt)) : 1,
        exercised: names.filter((n) => exercised.has(n)),
        ...(memos.length > 0
          ? { memo: { hits: memos.reduce((a, x) => a + x.hits, 0), misses: memos.reduce((a, x) => a + x.misses, 0), bytes: memos.reduce((a, x) => a + x.bytes, 0) } }
          : {}),
        ...(policyError ? { policyError } : {}),
      };
      void gone.then(() => resolve(result));
    };

    // Level 0 (the initial state), unless the search ends before it.
    if (!goOn()) setStop(bound ?? 'done');
    else startLevel();
    // Already past the memory ceiling (what an earlier search held may not be collected yet): starting
    // the workers would add their heaps to it. The search ends with the memory bound at once.
    if (opt.maxMemory !== undefined && memoryInUse() > opt.maxMemory) {
      setStop('memory');
      done();
      return;
    }
    const { progress: _p, signal: _s, guard: _g, onFound: _f, ...plain } = opt;
    for (let id = 0; id < workers; id++) {
      const t = spawn({ id, workers, buffers, checked: checkedBuffers, control, props: names, opt: plain });
      t.on('message', onMessage);
      t.once('error', (e) => end(id, e));
      t.once('exit', (code) => end(id, new Error(`exhaustive: worker ${id} exited (code ${code}) before its result`)));
      threads.push(t);
    }
  });
}
