/**
 * Transition caching for the exhaustive engine, from packed state to packed state (the idea of
 * LTSmin's read/write dependencies, learnt at run time, per path). For each op of the alphabet it
 * keeps a decision tree over key fields (exhaustive/track.ts):
 *
 * - an inner node is a field the reducer read (a range of key bits), with one child per value;
 * - a leaf is the op's effect on every state that reaches it: which bits of the input survive
 *   (`keep`), the bits it sets, the result (ok or errno) and the caller's flags.
 *
 * A hit walks the tree on the packed key and computes the successor as (key AND keep) OR set: no
 * decode, no object, no reducer call. A miss runs the reducer once on a tracked view of the state
 * and adds its path: the fields it read, in the order it first read them, with their values.
 *
 * Why it is exact: the reducer is deterministic (the policy guard checks sampled misses), so on two
 * states that agree on every field a run read, it reads the same fields in the same order, takes the
 * same path, creates the same objects with the same values and leaves the same input objects in
 * place (track.ts). The first field a run reads is the same for every state, the next one depends
 * only on the value of the first, and so on: hence a tree. A sampled miss is also run untracked, and
 * an op whose tracked and untracked runs ever differ, or whose paths ever contradict the tree, stops
 * being cached.
 */
import type { Op } from '../model/ops.ts';
import type { State } from '../model/state.ts';
import type { Result, Step } from '../model/step.ts';
import type { Codec } from './codec.ts';
import { MemoTrees } from './memo-tree.ts';
import { ReadTracker } from './track.ts';

export { MemoryRefused } from './memo-tree.ts';

/**
 * Steps one op on a state (the engine's reducer call, guarded or not), with up to 31 flag bits
 * computed from the same transition (the engine's step-property verdicts): they are cached too.
 */
export type StepFn = (s: State, op: Op) => FlaggedStep;
export interface FlaggedStep extends Step {
  readonly flags: number;
}

/**
 * Ops computed as two cached steps: `first(op)` (an op of its own, stepped by `firstStep`), then the
 * alphabet's op `second` on what that gives, when the first result is 'ok'. A synchronous host change
 * is its asynchronous form without the ghost marking, then a whole scan (model/step.ts
 * stepUnmarked): the scan's tree, which every state's own `scan` fills, then serves all six, where
 * each of them alone reads nearly the whole key and learns a path per state. Only for runs without
 * flags: the parts' flags are not the op's, and `onMiss` sees the second part run on intermediate
 * states.
 */
export interface Split {
  readonly first: (op: Op) => Op | null;
  readonly firstStep: StepFn;
  readonly second: Op;
}

/** The asynchronous form of a synchronous host change (see Split; model/step.ts stepUnmarked), else null. */
export const asyncHostChange = (op: Op): Op | null =>
  op.kind === 'host' && op.async !== true ? { ...op, async: true } : null;

export interface MemoStats {
  hits: number;
  misses: number;
  /** Ops no longer cached: a tracked run and an untracked run disagreed. */
  readonly uncached: number[];
}

export class TransitionMemo {
  readonly stats: MemoStats = { hits: 0, misses: 0, uncached: [] };
  /** The flags of the last `next`. */
  flags = 0;
  /**
   * Called after every miss with the transition as the reducer computed it (reads are not tracked);
   * not for first parts of split ops.
   */
  onMiss: ((s: State, op: Op, r: Step) => void) | null = null;
  private readonly codec: Codec;
  private readonly ops: readonly Op[];
  private readonly step: StepFn;
  private readonly verifyEvery: number;
  private readonly verifyStep: StepFn;
  private readonly W: number;
  private readonly plain: boolean[];
  /** Per op: lookups and misses since the last review. */
  private readonly opLookups: Int32Array;
  private readonly opMisses: Int32Array;
  private readonly results: Result[] = [];
  private readonly resultIx = new Map<Result, number>();
  private readonly tracker: ReadTracker;
  private readonly tmp: Uint32Array;
  /** The learnt and walk trees of every op, and their leaves (exhaustive/memo-tree.ts). */
  private readonly trees: MemoTrees;
  /** Per op: the op index of its first part (≥ ops given), or -1; and of its second part. */
  private readonly firstOf: Int32Array;
  private readonly thenOf: Int32Array;
  /** How many ops the caller gave; the first parts of split ops follow them in `ops`. */
  private readonly given: number;
  private readonly firstStep: StepFn | null;
  private readonly mid: Uint32Array;
  /** Caller state numbers for the intermediate states of split ops (never a stored state's). */
  private midId = -2;
  /**
   * The second part of split ops on the caller's state `thenId` (a stored state), when their first
   * part is the identity.
   */
  private thenId = -1;
  private thenCode = 0;
  private thenFlags = 0;
  private readonly thenOut: Uint32Array;
  /** The decoded state of the last miss (and its tracked view), by the caller's state number. */
  private curId = -1;
  private curState: State | null = null;
  private curView: State | null = null;

  /**
   * @param step the reducer call for misses (and for uncached ops)
   * @param verifyEvery run one miss in this many untracked too (through `verifyStep`), 0 never
   */
  constructor(
    codec: Codec,
    ops: readonly Op[],
    step: StepFn,
    verifyEvery = 16,
    verifyStep: StepFn = step,
    split?: Split,
  ) {
    this.codec = codec;
    this.given = ops.length;
    this.firstOf = new Int32Array(ops.length).fill(-1);
    this.thenOf = new Int32Array(ops.length).fill(-1);
    this.firstStep = split?.firstStep ?? null;
    const then = split ? ops.findIndex((o) => JSON.stringify(o) === JSON.stringify(split.second)) : -1;
    if (split && then >= 0) {
      const all = [...ops];
      ops.forEach((op, k) => {
        const f = split.first(op);
        if (f === null) return;
        this.firstOf[k] = all.length;
        this.thenOf[k] = then;
        all.push(f);
      });
      ops = all;
    }
    this.ops = ops;
    this.step = step;
    this.verifyEvery = verifyEvery;
    this.verifyStep = verifyStep;
    this.W = codec.words;
    this.plain = ops.map(() => false);
    this.opLookups = new Int32Array(ops.length);
    this.opMisses = new Int32Array(ops.length);
    this.tracker = new ReadTracker(codec);
    this.tmp = new Uint32Array(this.W);
    this.mid = new Uint32Array(this.W);
    this.thenOut = new Uint32Array(this.W);
    this.trees = new MemoTrees(this.W, ops.length);
  }

  /** Asked before a growth step with the bytes it would allocate (as StateStore.allow); false: MemoryRefused. */
  set allow(f: ((bytes: number) => boolean) | null) {
    this.trees.allow = f;
  }

  /** The result of a code `next` returned. */
  result(code: number): Result {
    return this.results[code]!;
  }

  /** Bytes held by the trees. */
  get bytes(): number {
    return this.trees.bytes;
  }

  /**
   * The successor of the state at src[off..off+W) (the caller's state number `id`) under op k,
   * written to out[0..W); returns its result code (see `result`) and sets `flags`. Throws what the
   * reducer throws.
   */
  next(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    if (k < this.given && this.firstOf[k]! >= 0) return this.split(src, off, id, k, out);
    const c = this.trees.find(src, off, k);
    if (c === 0 || this.plain[k]) return this.miss(src, off, id, k, out);
    this.stats.hits++;
    this.opLookups[k] = this.opLookups[k]! + 1;
    this.flags = this.trees.flagsOf(c);
    return this.trees.apply(c, src, off, out);
  }

  /** A split op: its first part, then (when that is 'ok') its second part on the state it gives. */
  private split(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    const mid = this.mid;
    const W = this.W;
    const c = this.next(src, off, id, this.firstOf[k]!, mid);
    if (this.results[c] !== 'ok') {
      for (let w = 0; w < W; w++) out[w] = src[off + w]!;
      return c;
    }
    let same = true;
    for (let w = 0; w < W && same; w++) same = mid[w] === src[off + w];
    if (!same) return this.next(mid, 0, this.midId--, this.thenOf[k]!, out);
    // The first part changed nothing (the resource was already in or out): the second part on this
    // very state, which all such split ops of the state share (two of its six host changes, on
    // average, on the Spin comparison's space). Remembered only once computed (the reducer may throw).
    if (this.thenId !== id || id < 0) {
      this.thenId = -1;
      this.thenCode = this.next(src, off, id, this.thenOf[k]!, this.thenOut);
      this.thenFlags = this.flags;
      this.thenId = id;
    }
    for (let w = 0; w < W; w++) out[w] = this.thenOut[w]!;
    this.flags = this.thenFlags;
    return this.thenCode;
  }

  /** The state at src[off..] (the caller's state number `id`), decoded once per state. */
  decoded(src: Uint32Array, off: number, id: number): State {
    if (id !== this.curId || this.curState === null) {
      this.curId = id;
      this.curState = this.codec.decode(src, off);
      this.curView = null;
    }
    return this.curState;
  }

  private code(r: Result): number {
    let c = this.resultIx.get(r);
    if (c === undefined) {
      c = this.results.length;
      this.results.push(r);
      this.resultIx.set(r, c);
    }
    return c;
  }

  /** The reducer call for op k, or its verifying call (the first part of a split op has its own). */
  private stepFor(k: number, verify = false): StepFn {
    return k >= this.given ? this.firstStep! : verify ? this.verifyStep : this.step;
  }

  private plainStep(s: State, k: number, out: Uint32Array): number {
    const r = this.stepFor(k)(s, this.ops[k]!);
    this.codec.encode(r.state, out, 0);
    this.flags = r.flags;
    if (k < this.given) this.onMiss?.(s, this.ops[k]!, r);
    return this.code(r.result);
  }

  private miss(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    const W = this.W;
    this.stats.misses++;
    const s = this.decoded(src, off, id);
    if (this.plain[k]) return this.plainStep(s, k, out);
    // A tracked run costs about four plain ones: an op that keeps missing (a whole bus scan reads
    // nearly everything) is reviewed every 512 misses and stepped plainly if most lookups missed.
    this.opLookups[k] = this.opLookups[k]! + 1;
    this.opMisses[k] = this.opMisses[k]! + 1;
    if (this.opMisses[k]! >= 512) {
      if (this.opMisses[k]! * 2 > this.opLookups[k]!) {
        this.plain[k] = true;
        return this.plainStep(s, k, out);
      }
      this.opMisses[k] = 0;
      this.opLookups[k] = 0;
    }
    const tr = this.tracker;
    const view = (this.curView ??= tr.view(s));
    tr.reset();
    tr.on = true;
    let r: FlaggedStep;
    try {
      r = this.stepFor(k)(view, this.ops[k]!);
    } finally {
      tr.on = false;
    }
    tr.written(r.state, view);
    this.codec.encode(r.state, out, 0);
    if (k < this.given) this.onMiss?.(view, this.ops[k]!, r);
    const code = this.code(r.result);
    this.flags = r.flags;
    if (this.verifyEvery > 0 && this.stats.misses % this.verifyEvery === 0) {
      const p = this.stepFor(k, true)(s, this.ops[k]!);
      this.codec.encode(p.state, this.tmp, 0);
      let same = p.result === r.result && p.flags === r.flags;
      for (let w = 0; w < W && same; w++) same = this.tmp[w] === out[w];
      if (!same) return this.uncache(k, p, out);
    }
    const set = this.tmp;
    for (let w = 0; w < W; w++) set[w] = (out[w]! & ~tr.keep[w]!) >>> 0;
    if (!this.trees.insert(k, src, off, tr.seq, tr.keep, set, code, r.flags)) return this.uncache(k, r, out);
    return code;
  }

  /** Proxies changed what the code did (identity tests on state objects, say): step op k plainly. */
  private uncache(k: number, p: FlaggedStep, out: Uint32Array): number {
    this.plain[k] = true;
    this.stats.uncached.push(k);
    this.codec.encode(p.state, out, 0);
    this.flags = p.flags;
    return this.code(p.result);
  }
}
