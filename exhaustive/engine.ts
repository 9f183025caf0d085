/**
 * The exhaustive engine: breadth-first search of every state reachable from the initial state with
 * the scope's whole alphabet, deduplicated by the packed state (optionally its symmetry-canonical
 * representative). Every state invariant is checked on every reached state and every step property
 * on every transition; breadth-first order makes the first violation of each property a shortest one.
 *
 * History properties, exhaustively (README, "Exhaustive engine"):
 * - order-independence is a functional dependency: every reached state is settled (scan finished,
 *   re-probes done), and any two settled states with the same configuration must give every mdev's
 *   guest the same APQNs and control domains. The two traces reported are shortest traces to each.
 * - recovery: from every reached state with a guest attached, every disturbance of the random engine
 *   (every target) is applied and undone; the guest must get back what it rightly had.
 */
import v8 from 'node:v8';
import { yieldTurn } from '../properties/abort.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { asFault } from '../properties/policy-error.ts';
import type { PolicyGuard } from '../properties/policy-guard.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { initialState, type State } from '../model/state.ts';
import { asyncHostChange, hostChangeIsScan, step, stepUnmarked, type Step } from '../model/step.ts';
import { firstStepViolation, type Violation } from '../properties/case.ts';
import { quiescent } from '../properties/quiescence.ts';
import type { Property, StateInvariant, StepProperty } from '../properties/types.ts';
import { alphabet } from './alphabet.ts';
import { fieldOf, makeCodec } from './codec.ts';
import { historySearch, type HistoryRecord } from './history.ts';
import { type FlaggedStep, MemoryRefused, type Split, TransitionMemo } from './memo.ts';
import type { SharedStateStore } from './shared-store.ts';
import { StateStore } from './store.ts';
import { makeSymmetry, type Symmetry } from './symmetry.ts';
import { witness } from './witness.ts';

export type Bound = 'depth' | 'states' | 'memory' | 'time' | 'interrupted' | 'policy-error';

export interface ExhaustiveOptions {
  /** Explore states up to this many ops from the initial state (default: no limit). */
  readonly depth?: number;
  /** Stop when this many distinct states are stored. */
  readonly maxStates?: number;
  /** Stop when the process's heap or arena use would pass this many bytes. */
  readonly maxMemory?: number;
  readonly timeMs?: number;
  /** Symmetry reduction over interchangeable adapters, domains, mdevs and VMs. */
  readonly symmetry?: boolean;
  /** Only expand, at depth `shard.depth`, the states whose number ≡ k (mod n). */
  readonly shard?: { readonly k: number; readonly n: number; readonly depth: number };
  /** Called a few times a second (never on the hot path). */
  readonly progress?: (p: Progress) => void;
  /** Polled between states: set `aborted` to end the run cleanly. */
  readonly signal?: { readonly aborted: boolean };
  /** Each violation as soon as it is found (before the search ends), once per property. */
  readonly onFound?: (f: ExhaustiveFound) => void;
  readonly initial?: State;
  /** The policy's guard (properties/policy-guard.ts): one expanded state in 128 is stepped thoroughly. */
  readonly guard?: PolicyGuard;
  /**
   * Transition caching (exhaustive/memo.ts): successors computed from packed keys with the effects
   * learnt per op; the reducer runs only on a cache miss. Default: on when no property is checked
   * (a pure exploration, 4-5× faster), off otherwise: a tracked run costs about four plain steps, and
   * with every property checked the misses and the per-state checks outweigh the hits (bench figures
   * in the README).
   */
  readonly memo?: boolean;
  /**
   * The order in which the states of a level are expanded. 'guests-first' (the default when a
   * property is checked): the states with a guest, then those with an mdev, then the rest; nearly
   * every property is about what mdevs and guests hold, and at the default scope 95% of the states
   * within 6 ops have no guest. 'plain': state number order. Every state of a level is expanded
   * before the next level either way, so counterexamples are as short, and the counts of states,
   * transitions and depths are the same; which of several equally short counterexamples is reported,
   * and how soon, differ.
   */
  readonly order?: 'guests-first' | 'plain';
  /**
   * Written as the search goes: [0] the state being expanded, [1] the op (alphabet index) being
   * stepped from it, [2] its depth. The policy sandbox (bin/sandbox.ts) reads it when a policy hangs.
   */
  readonly where?: Int32Array;
  /** Before expanding state `state`, give its trace and end the search (the sandbox rebuilding a trace). */
  readonly traceTo?: { readonly state: number; readonly give: (ops: Op[]) => void };
}

/**
 * One worker's part in a parallel search (exhaustive/parallel.ts): the shared store, the work of a
 * level in chunks, and the barrier between levels; the coordinator checks order independence.
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
  endLevel(found: readonly ExhaustiveFound[]): { start: number; end: number; depth: number; closed: readonly string[] } | null;
}

/** A misbehaving policy, with the shortest trace that shows it (breadth-first: the first one met). */
export interface ExhaustivePolicyError {
  readonly kind: string;
  readonly callback: string;
  readonly message: string;
  readonly ops: readonly Op[];
  readonly at: number;
}

export interface Progress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly ms: number;
}

export interface ExhaustiveFound extends Violation {
  /** Length of the (first) trace; states stored and ms since the start when found. */
  readonly depth: number;
  readonly afterStates: number;
  readonly foundMs: number;
}

export interface ExhaustiveResult {
  readonly states: number;
  readonly transitions: number;
  /** Every state at this distance or less was expanded (or is a leaf of the depth bound). */
  readonly depth: number;
  /** No state left to expand: the whole reachable state space (within the depth bound) was seen. */
  readonly complete: boolean;
  readonly bound: Bound | null;
  readonly ms: number;
  readonly bytes: number;
  readonly alphabet: number;
  readonly found: ExhaustiveFound[];
  /** States per symmetry class, estimated on the stored states (1 without symmetry). */
  readonly reduction: number;
  /** The properties some transition exercised (properties/exercised.ts); the others are vacuous. */
  readonly exercised: string[];
  /** Transition cache figures, when it was on. */
  readonly memo?: { readonly hits: number; readonly misses: number; readonly bytes: number };
  readonly policyError?: ExhaustivePolicyError;
}

/** The search, run to its end in this turn of the event loop (tests, bench, worker threads). */
export function exploreExhaustive(cfg: Config, props: readonly Property[], opt: ExhaustiveOptions = {}): ExhaustiveResult {
  const g = search(cfg, props, opt);
  for (let r = g.next(); ; r = g.next()) if (r.done) return r.value;
}

/** The search, letting the event loop turn every 20 ms so that signal handlers can set `opt.signal`. */
export async function exploreExhaustiveAsync(cfg: Config, props: readonly Property[], opt: ExhaustiveOptions = {}): Promise<ExhaustiveResult> {
  const g = search(cfg, props, opt);
  for (let r = g.next(); ; r = g.next()) {
    if (r.done) return r.value;
    await yieldTurn();
  }
}

/** One worker's search in a parallel search (run by bin/exhaustive-worker.ts). */
export function exploreExhaustivePart(cfg: Config, props: readonly Property[], opt: ExhaustiveOptions, par: ParallelPart): ExhaustiveResult {
  const g = search(cfg, props, opt, par);
  for (let r = g.next(); ; r = g.next()) if (r.done) return r.value;
}

function* search(cfg: Config, props: readonly Property[], opt: ExhaustiveOptions, par?: ParallelPart): Generator<void, ExhaustiveResult> {
  const t0 = Date.now();
  const scope = cfg.scope;
  const ops = alphabet(scope);
  const codec = makeCodec(scope);
  const W = codec.words;
  const store = par ? par.store : new StateStore(W, codec.bits);
  const sym: Symmetry | null = opt.symmetry ? makeSymmetry(scope, codec) : null;
  const key = new Uint32Array(W);
  const s0 = opt.initial ?? initialState(scope);
  const maxDepth = opt.depth ?? Infinity;
  const maxStates = opt.maxStates ?? Infinity;
  const maxMemory = opt.maxMemory ?? Infinity;

  const open = new Set(props.map((p) => p.name));
  /** Why the search ended early (set by the checks below, a full store, or a policy error). */
  let bound: Bound | null = null;
  let levelStart = 0;
  let levelEnd = 1;
  let depth = 0; // depth of the states being expanded
  // The bounds are checked every few ms, between states and between the successors of one state:
  // time, signal, memory (the process's resident set, every 25 ms) and progress in one thread;
  // in a parallel search, the coordinator's stop and the table's growth barrier (ParallelPart.poll).
  const checkEvery = par ? 2 : 20;
  let nextCheck = 0;
  let lastTick = -Infinity; // the first check shows progress at once
  let lastMemory = -Infinity;
  const due = (): boolean => Date.now() >= nextCheck || (par !== undefined && par.store.growing);
  /** The bound reached, if any (`due` says when to ask; single-thread callers let the event loop turn first). */
  function checkBounds(): Bound | null {
    const now = Date.now();
    nextCheck = now + checkEvery;
    if (par) return par.poll(transitions);
    if (opt.signal?.aborted) return 'interrupted';
    if (opt.timeMs !== undefined && now - t0 >= opt.timeMs) return 'time';
    // process.memoryUsage.rss() costs microseconds: every 25 ms is often enough.
    if (now - lastMemory >= 25) {
      lastMemory = now;
      if (memoryInUse() > maxMemory) return 'memory';
    }
    if (opt.progress && now - lastTick >= 250) {
      lastTick = now;
      opt.progress({ states: store.count, transitions, depth, ms: now - t0 });
    }
    return null;
  }

  const stateProps = props.filter((p): p is StateInvariant => p.kind === 'state');
  const stepProps = props.filter((p): p is StepProperty => p.kind === 'step');
  const found: ExhaustiveFound[] = [];
  let transitions = 0;
  const tracker = exerciseTracker(cfg, props);
  let tracking = props.length > 0;
  // The transition cache: step properties' verdicts are cached as flag bits (31 at most).
  const memo = (opt.memo ?? props.length === 0) && stepProps.length <= 31 ? makeMemo() : null;
  /** The successor before canonicalisation (kept for exercise tracking). */
  const uncanon = new Uint32Array(W);
  const scanning = (k: Uint32Array, off: number): boolean => fieldOf(k, off, codec.layout.scanFlag) === 1;
  const ordered = (opt.order ?? (props.length > 0 ? 'guests-first' : 'plain')) === 'guests-first';
  function makeMemo(): TransitionMemo {
    const flagged = (c: Config) => (s: State, op: Op): FlaggedStep => {
      const r = step(c, s, op);
      let flags = 0;
      for (let j = 0; j < stepProps.length; j++) if (stepProps[j]!.check(cfg, s, op, r) !== null) flags |= 1 << j;
      return { state: r.state, result: r.result, flags };
    };
    const guard = opt.guard;
    const guarded = guard ? flagged({ scope, policy: guard.policy }) : null;
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
    const split: Split | undefined =
      props.length === 0 ? { first: asyncHostChange, firstStep: (s, op) => ({ ...stepUnmarked(cfg, s, op), flags: 0 }), then: { kind: 'scan' } } : undefined;
    const m = new TransitionMemo(codec, ops, flagged(cfg), 16, verify, split);
    m.onMiss = (s, op, r) => {
      if (!tracking) return;
      tracker.observe(s, op, r);
      tracking = tracker.exercised.size < props.length;
    };
    return m;
  }

  const canonInto = (s: State, out: Uint32Array): void => {
    if (sym) sym.canonical(s, out);
    else codec.encode(s, out, 0);
  };
  const canon = (s: State): void => canonInto(s, key);
  /** The canonical keys of a scan's entry images (Symmetry.canonicalImages). */
  const imageKeys = new Uint32Array(W * (sym ? sym.perms.length : 1));
  /** The classes of settled states whose history properties were checked. */
  const checked = par ? par.checked : new StateStore(W, codec.bits);
  // A growth step that would take the process past the ceiling is refused: the memory bound.
  if (maxMemory !== Infinity) {
    const allow = (bytes: number): boolean => memoryInUse() + bytes <= maxMemory;
    for (const x of [store, checked]) if (x instanceof StateStore) x.allow = allow;
    if (memo !== null) memo.allow = allow;
  }
  const { trace } = witness(cfg, s0, store, ops, sym);
  const report = (v: Violation, depth: number): void => {
    open.delete(v.property);
    const f = { ...v, depth, afterStates: store.count, foundMs: Date.now() - t0 };
    found.push(f);
    opt.onFound?.(f);
  };
  const record = par ? (r: HistoryRecord): void => par.record(r) : null;
  const history = historySearch({ cfg, s0, props, open, sym, codec, store, checked, trace, report, record });
  /** Re-run the reconstructed trace: the violation as the random engine would report it. */
  const confirm = (p: Property, path: Op[], extra: Op | null): void => {
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
    if (v === null) throw new Error(`exhaustive: ${p.name}: the reconstructed trace does not reproduce the violation`);
    report(v, all.length);
  };
  const onNewState = (n: number, s: State, depth: number): void => {
    let q: boolean | null = null;
    for (const p of stateProps) {
      if (!open.has(p.name)) continue;
      if (p.quiescentOnly && (q ??= quiescent(cfg, s)) === false) continue;
      if (p.check(cfg, s) !== null) confirm(p, trace(n), null);
    }
    // The history properties: each new class of settled states (exhaustive/history.ts).
    if (history?.state(n, s, depth, q) === 'memory') bound = 'memory';
  };

  /**
   * A new state n, reached from state i by op k (the successor `real`, t its stored representative).
   * Exercise tracking on the memo path sees the transitions that reached a new state, so every
   * reachable state as an after-state, and every transition the reducer ran (the memo's misses).
   */
  function newState(n: number, i: number, k: number, code: number, t: State, real: State): void {
    if (tracking) {
      tracker.observe(memo!.decoded(store.arena, i * W, i), ops[k]!, { state: real, result: memo!.result(code) });
      tracking = tracker.exercised.size < props.length;
    }
    onNewState(n, t, depth + 1);
  }

  /** A policy that threw on op from state i: named through the guard (stepped again) unless it already was. */
  function stepError(i: number, op: Op, e: unknown, s: State, again: boolean): ExhaustivePolicyError {
    let err = e;
    const guard = opt.guard;
    if (guard && again) {
      // The raw policy threw: step once more through the guard, which names the callback.
      try {
        guard.thorough = true;
        step({ scope, policy: guard.policy }, s, op);
      } catch (e2) {
        err = e2;
      } finally {
        guard.thorough = false;
      }
    }
    const path = [...trace(i), op];
    const f = asFault(cfg.policy.name, err);
    return { kind: f.kind, callback: f.callback, message: f.message, ops: path, at: path.length - 1 };
  }

  // A parallel search's coordinator stores the initial state; one worker checks it.
  if (!par) {
    canon(s0);
    store.add(key, 0, -1, 0);
  }
  if (!par || par.id === 0) onNewState(0, s0, 0);
  if (!par) {
    yield;
    bound ??= checkBounds();
  }
  if (tracking) tracker.observeState(s0);

  const where = opt.where;
  let policyError: ExhaustivePolicyError | undefined;

  /**
   * The states [start, end) of a level in the order they are expanded (`ExhaustiveOptions.order`):
   * those with a guest first, then those with an mdev, then the rest, each group in state order.
   */
  function levelOrder(start: number, end: number): Int32Array {
    const L = codec.layout;
    const arena = store.arena;
    const rank = (n: number): number => (fieldOf(arena, n * W, L.vmOrder) !== 0 ? 0 : fieldOf(arena, n * W, L.mdevOrder) !== 0 ? 1 : 2);
    const counts = [0, 0, 0];
    for (let n = start; n < end; n++) counts[rank(n)]!++;
    const at = [0, counts[0]!, counts[0]! + counts[1]!];
    const out = new Int32Array(end - start);
    for (let n = start; n < end; n++) out[at[rank(n)]!++] = n;
    return out;
  }

  /**
   * Store the id images of `entered`, state i's successor by op k, which enters a scan: every id image
   * of it is reachable (from the images of i's state), and while the scan runs only the permutations
   * that keep its order join images in one class. `onNew` checks each new state. They can be a
   * thousand states and seconds at a large scope: the bounds are checked between them. True if some
   * class was new.
   */
  function* storeImages(i: number, k: number, entered: State, onNew: (n: number) => void): Generator<void, boolean> {
    let fresh = false;
    const m = sym!.canonicalImages(entered, imageKeys);
    for (let j = 0; j < m; j++) {
      if (due()) {
        yield;
        if ((bound = checkBounds()) !== null) break;
      }
      const n = store.add(imageKeys, j * W, i, k);
      if (n === -2) {
        bound = 'memory';
        break;
      }
      if (n < 0) continue;
      fresh = true;
      onNew(n);
      if (bound !== null) break;
    }
    return fresh;
  }

  /** Store r.state, state i's successor by op k (checking what is new): true if some class was new. */
  function storeSuccessor(i: number, k: number, r: Step): boolean {
    canon(r.state);
    if (sameAsParent(store.arena, i * W, key, W)) return false; // a new object, the same state
    const n = store.add(key, 0, i, k);
    if (n === -2) bound = 'memory';
    if (n < 0) return false;
    onNewState(n, r.state, depth + 1);
    return true;
  }

  /**
   * Expand state i (of the level at `depth`): true when the search must end (`bound` is set). One
   * state can take seconds at a large scope (every id image of each successor that enters a scan),
   * so the bounds are checked between its successors too, and the event loop turns there.
   */
  function* expand(i: number): Generator<void, boolean> {
    if (where !== undefined) {
      where[0] = i;
      where[2] = depth;
    }
    if (opt.traceTo?.state === i) {
      opt.traceTo.give(trace(i));
      bound = 'interrupted';
      return true;
    }
    if (memo !== null) {
      for (let k = 0; k < ops.length; k++) {
        if (due()) {
          yield;
          if ((bound = checkBounds()) !== null) return true;
        }
        if (where !== undefined) where[1] = k;
        let code: number;
        try {
          code = memo.next(store.arena, i * W, i, k, key);
        } catch (e) {
          if (e instanceof MemoryRefused) {
            bound = 'memory';
            return true;
          }
          policyError = stepError(i, ops[k]!, e, codec.decode(store.arena, i * W), true);
          bound = 'policy-error';
          return true;
        }
        transitions++;
        const flags = memo.flags;
        if (flags !== 0) {
          for (let j = 0; j < stepProps.length; j++) {
            if ((flags >>> j) & 1 && open.has(stepProps[j]!.name)) confirm(stepProps[j]!, trace(i), ops[k]!);
          }
        }
        if (sym !== null) {
          if (!scanning(store.arena, i * W) && scanning(key, 0)) {
            const entered = codec.decode(key, 0);
            const onNew = (n: number): void => newState(n, i, k, code, codec.decode(store.arena, n * W), entered);
            yield* storeImages(i, k, entered, onNew);
            if (bound !== null) return true;
            if (store.count >= maxStates) {
              bound = 'states';
              return true;
            }
            continue;
          }
          if (tracking) uncanon.set(key);
          sym.canonicalKey(key);
        }
        if (sameAsParent(store.arena, i * W, key, W)) continue;
        const n = store.add(key, 0, i, k);
        if (n === -2) {
          bound = 'memory';
          return true;
        }
        if (n < 0) continue;
        if (props.length > 0) {
          const t = codec.decode(store.arena, n * W);
          newState(n, i, k, code, t, tracking && sym ? codec.decode(uncanon, 0) : t);
          if (bound !== null) return true;
        }
        if (store.count >= maxStates) {
          bound = 'states';
          return true;
        }
      }
      return false;
    }
    const s = codec.decode(store.arena, i * W);
    // Successors share most of their parts with s: their keys start from s's (codec.ts `reference`).
    codec.reference(s, store.arena, i * W);
    let active = stepProps.filter((p) => open.has(p.name));
    const guard = opt.guard;
    const thorough = guard !== undefined && (i & 127) === 0;
    if (guard) guard.thorough = thorough;
    const stepCfg = thorough ? { scope, policy: guard!.policy } : cfg;
    // The host changes that leave the host configuration as it is are all the state's `scan`
    // (model/step.ts hostChangeIsScan): stepped once, its successor stored once.
    let scan: Step | null = null;
    let scanStored = false;
    for (let k = 0; k < ops.length; k++) {
      if (due()) {
        yield;
        if ((bound = checkBounds()) !== null) return true;
      }
      if (where !== undefined) where[1] = k;
      const op = ops[k]!;
      let r: Step;
      try {
        if (hostChangeIsScan(stepCfg, s, op) || op.kind === 'scan') r = scan ??= step(stepCfg, s, SCAN);
        else r = step(stepCfg, s, op);
      } catch (e) {
        policyError = stepError(i, op, e, s, !thorough);
        bound = 'policy-error';
        return true;
      }
      transitions++;
      for (const p of active) {
        if (p.check(cfg, s, op, r) !== null) {
          confirm(p, trace(i), op);
          active = active.filter((x) => x !== p);
        }
      }
      let fresh = false;
      if (r.state !== s && !(r === scan && scanStored)) {
        if (sym !== null && s.bus.scan === null && r.state.bus.scan !== null) {
          fresh = yield* storeImages(i, k, r.state, (n) => onNewState(n, codec.decode(store.arena, n * W), depth + 1));
        } else fresh = storeSuccessor(i, k, r);
      }
      if (bound !== null) return true;
      if (r === scan) scanStored = true;
      if (tracking) {
        // Exercise predicates on the after-state alone need each stored class once: when it is new.
        tracker.observe(s, op, r, !fresh);
        tracking = tracker.exercised.size < props.length;
      }
      if (fresh && store.count >= maxStates) {
        bound = 'states';
        return true;
      }
    }
    return false;
  }

  // A worker of a parallel search: chunks of each level until the coordinator ends the search.
  // The coordinator stops before a level when the depth bound is reached or every property failed.
  if (par) {
    const shard = opt.shard;
    let sent = 0; // violations already sent to the coordinator
    levels: for (;;) {
      // Every worker computes the same order of the level from the shared store.
      const order = ordered ? levelOrder(levelStart, levelEnd) : null;
      for (let a = par.claim(); a >= 0; a = par.claim()) {
        const b = Math.min(a + par.chunk, levelEnd);
        for (let j = a; j < b; j++) {
          const i = order === null ? j : order[j - levelStart]!;
          if (due() && (bound = checkBounds()) !== null) break levels;
          if (shard && depth === shard.depth && i % shard.n !== shard.k) continue;
          if (yield* expand(i)) {
            par.stop(bound!);
            break levels;
          }
          if (open.size === 0 && props.length > 0) {
            par.stop('done');
            break levels;
          }
          // The count is shared: the other workers' adds can reach the bound while this state added none.
          if (store.count >= maxStates) {
            bound = 'states';
            par.stop(bound);
            break levels;
          }
        }
      }
      const next = par.endLevel(found.slice(sent));
      sent = found.length;
      if (next === null) break;
      for (const p of next.closed) open.delete(p);
      levelStart = next.start;
      levelEnd = next.end;
      depth = next.depth;
    }
  }
  outer: while (!par && bound === null && levelStart < levelEnd && (open.size > 0 || props.length === 0)) {
    if (depth >= maxDepth) {
      bound = 'depth';
      break;
    }
    const order = ordered ? levelOrder(levelStart, levelEnd) : null;
    for (let j = levelStart; j < levelEnd; j++) {
      const i = order === null ? j : order[j - levelStart]!;
      if (opt.shard && depth === opt.shard.depth && i % opt.shard.n !== opt.shard.k) continue;
      if (due()) {
        yield;
        if ((bound = checkBounds()) !== null) break outer;
      }
      if (yield* expand(i)) break outer;
      // Every property violated: the rest of the level cannot give a shorter counterexample.
      if (open.size === 0 && props.length > 0) break outer;
    }
    levelStart = levelEnd;
    levelEnd = store.count;
    depth++;
  }
  const complete = bound === null && levelStart >= levelEnd;
  return {
    states: store.count,
    transitions,
    depth: complete ? depth - 1 : bound === 'depth' ? depth : Math.max(0, depth - 1),
    complete,
    bound,
    ms: Date.now() - t0,
    bytes: store.bytes,
    alphabet: ops.length,
    found,
    reduction: sym && !par ? sym.reduction(store, reductionMs(opt)) : 1,
    exercised: [...tracker.exercised],
    ...(memo ? { memo: { hits: memo.stats.hits, misses: memo.stats.misses, bytes: memo.bytes } } : {}),
    ...(policyError ? { policyError } : {}),
  };
}

const SCAN: Op = { kind: 'scan' };

function sameAsParent(arena: Uint32Array, at: number, key: Uint32Array, W: number): boolean {
  for (let w = 0; w < W; w++) if (arena[at + w] !== key[w]) return false;
  return true;
}

/** Time for the reduction estimate, within a time bound: a small part of it. */
export const reductionMs = (opt: ExhaustiveOptions): number =>
  opt.timeMs === undefined ? 200 : Math.min(200, Math.max(20, opt.timeMs / 100));

/**
 * Bytes the process holds: its resident set (every thread's heap, the typed arrays of the stores and
 * the transition cache, code), or Infinity when this thread's JS heap nears its own ceiling.
 */
export function memoryInUse(): number {
  if (v8.getHeapStatistics().used_heap_size > 0.85 * HEAP_LIMIT) return Infinity;
  return process.memoryUsage.rss();
}
export const HEAP_LIMIT = v8.getHeapStatistics().heap_size_limit;
