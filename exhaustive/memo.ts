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
import type { Codec, Range } from './codec.ts';
import { ReadTracker } from './track.ts';

/**
 * Steps one op on a state (the engine's reducer call, guarded or not), with up to 31 flag bits
 * computed from the same transition (the engine's step-property verdicts): they are cached too.
 */
export type StepFn = (s: State, op: Op) => FlaggedStep;
export interface FlaggedStep extends Step {
  readonly flags: number;
}

export interface MemoStats {
  hits: number;
  misses: number;
  /** Misses also run untracked and compared. */
  verified: number;
  /** Ops no longer cached: a tracked run and an untracked run disagreed. */
  readonly uncached: number[];
}

export class TransitionMemo {
  readonly stats: MemoStats = { hits: 0, misses: 0, verified: 0, uncached: [] };
  /** The flags of the last `next`. */
  flags = 0;
  /** Called after every miss with the transition as the reducer computed it (reads are not tracked). */
  onMiss: ((s: State, op: Op, r: Step) => void) | null = null;
  private readonly codec: Codec;
  private readonly ops: readonly Op[];
  private readonly step: StepFn;
  private readonly verifyEvery: number;
  private readonly verifyStep: StepFn;
  private readonly W: number;
  private readonly plain: boolean[];
  private readonly results: Result[] = [];
  private readonly resultIx = new Map<Result, number>();
  private readonly tracker: ReadTracker;
  private readonly tmp: Uint32Array;
  // The trees, in typed arrays. A link is 0 (nothing yet), node + 1, or -(leaf + 1).
  private readonly roots: Int32Array;
  private nodeAt = new Int32Array(1024);
  private nodeN = new Int32Array(1024);
  private nodeKids = new Int32Array(1024);
  private nodes = 0;
  private kids = new Int32Array(4096);
  private kidsUsed = 0;
  private keep: Uint32Array;
  private set: Uint32Array;
  private res = new Int32Array(1024);
  private leafFlags = new Int32Array(1024);
  private leaves = 0;
  /** The decoded state of the last miss (and its tracked view), by the caller's state number. */
  private curId = -1;
  private curState: State | null = null;
  private curView: State | null = null;

  /**
   * @param step the reducer call for misses (and for uncached ops)
   * @param verifyEvery run one miss in this many untracked too (through `verifyStep`), 0 never
   */
  constructor(codec: Codec, ops: readonly Op[], step: StepFn, verifyEvery = 16, verifyStep: StepFn = step) {
    this.codec = codec;
    this.ops = ops;
    this.step = step;
    this.verifyEvery = verifyEvery;
    this.verifyStep = verifyStep;
    this.W = codec.words;
    this.plain = ops.map(() => false);
    this.tracker = new ReadTracker(codec);
    this.tmp = new Uint32Array(this.W);
    this.roots = new Int32Array(ops.length);
    this.keep = new Uint32Array(1024 * this.W);
    this.set = new Uint32Array(1024 * this.W);
  }

  /** The result of a code `next` returned. */
  result(code: number): Result {
    return this.results[code]!;
  }

  /** Bytes held by the trees. */
  get bytes(): number {
    return this.nodeAt.byteLength * 3 + this.kids.byteLength + this.keep.byteLength * 2 + this.res.byteLength * 2;
  }

  /** Inner nodes and leaves of all trees. */
  get size(): { nodes: number; leaves: number } {
    return { nodes: this.nodes, leaves: this.leaves };
  }

  /**
   * The successor of the state at src[off..off+W) (the caller's state number `id`) under op k,
   * written to out[0..W); returns its result code (see `result`) and sets `flags`. Throws what the
   * reducer throws.
   */
  next(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    let c = this.roots[k]!;
    const nodeAt = this.nodeAt;
    const nodeN = this.nodeN;
    const nodeKids = this.nodeKids;
    const kids = this.kids;
    while (c > 0) {
      const nd = c - 1;
      const at = nodeAt[nd]!;
      const n = nodeN[nd]!;
      const w = off + (at >>> 5);
      const b = at & 31;
      let v = src[w]! >>> b;
      if (b + n > 32) v |= src[w + 1]! << (32 - b);
      c = kids[nodeKids[nd]! + (v & ((1 << n) - 1))]!;
    }
    if (c === 0 || this.plain[k]) return this.miss(src, off, id, k, out);
    this.stats.hits++;
    const e = -c - 1;
    const W = this.W;
    const keep = this.keep;
    const set = this.set;
    const at = e * W;
    for (let w = 0; w < W; w++) out[w] = ((src[off + w]! & keep[at + w]!) | set[at + w]!) >>> 0;
    this.flags = this.leafFlags[e]!;
    return this.res[e]!;
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

  private plainStep(s: State, k: number, out: Uint32Array): number {
    const r = this.step(s, this.ops[k]!);
    this.codec.encode(r.state, out, 0);
    this.flags = r.flags;
    this.onMiss?.(s, this.ops[k]!, r);
    return this.code(r.result);
  }

  private miss(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    const W = this.W;
    this.stats.misses++;
    const s = this.decoded(src, off, id);
    if (this.plain[k]) return this.plainStep(s, k, out);
    const tr = this.tracker;
    const view = (this.curView ??= tr.view(s));
    tr.reset();
    tr.on = true;
    let r: FlaggedStep;
    try {
      r = this.step(view, this.ops[k]!);
    } finally {
      tr.on = false;
    }
    tr.written(r.state, view);
    this.codec.encode(r.state, out, 0);
    this.onMiss?.(view, this.ops[k]!, r);
    const code = this.code(r.result);
    this.flags = r.flags;
    if (this.verifyEvery > 0 && this.stats.misses % this.verifyEvery === 0) {
      this.stats.verified++;
      const p = this.verifyStep(s, this.ops[k]!);
      this.codec.encode(p.state, this.tmp, 0);
      let same = p.result === r.result && p.flags === r.flags;
      for (let w = 0; w < W && same; w++) same = this.tmp[w] === out[w];
      if (!same) return this.uncache(k, p, out);
    }
    const set = this.tmp;
    for (let w = 0; w < W; w++) set[w] = (out[w]! & ~tr.keep[w]!) >>> 0;
    if (!this.insert(k, src, off, tr.seq, tr.keep, set, code, r.flags)) return this.uncache(k, r, out);
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

  /** Add a run's path to op k's tree; false if it contradicts the tree (a nondeterministic run). */
  private insert(k: number, src: Uint32Array, off: number, seq: readonly Range[], keep: Uint32Array, set: Uint32Array, code: number, flags: number): boolean {
    // The link being followed: roots[k], or kids[slot].
    let inRoots = true;
    let slot = k;
    for (const r of seq) {
      if (r.n > 16) return false; // a field too wide to branch on: not cached
      let c = inRoots ? this.roots[slot]! : this.kids[slot]!;
      if (c === 0) {
        c = this.newNode(r.at, r.n) + 1;
        if (inRoots) this.roots[slot] = c;
        else this.kids[slot] = c;
      }
      if (c < 0) return false;
      const nd = c - 1;
      if (this.nodeAt[nd] !== r.at || this.nodeN[nd] !== r.n) return false;
      inRoots = false;
      slot = this.nodeKids[nd]! + extract(src, off, r.at, r.n);
    }
    const c = inRoots ? this.roots[slot]! : this.kids[slot]!;
    if (c > 0) return false;
    if (c < 0) return true; // the same path, already learnt
    const e = this.newLeaf(keep, set, code, flags);
    if (inRoots) this.roots[slot] = -(e + 1);
    else this.kids[slot] = -(e + 1);
    return true;
  }

  private newNode(at: number, n: number): number {
    if (this.nodes === this.nodeAt.length) {
      this.nodeAt = grown(this.nodeAt);
      this.nodeN = grown(this.nodeN);
      this.nodeKids = grown(this.nodeKids);
    }
    const width = 1 << n;
    while (this.kidsUsed + width > this.kids.length) this.kids = grown(this.kids);
    const nd = this.nodes++;
    this.nodeAt[nd] = at;
    this.nodeN[nd] = n;
    this.nodeKids[nd] = this.kidsUsed;
    this.kidsUsed += width;
    return nd;
  }

  private newLeaf(keep: Uint32Array, set: Uint32Array, code: number, flags: number): number {
    const W = this.W;
    if (this.leaves === this.res.length) {
      this.res = grown(this.res);
      this.leafFlags = grown(this.leafFlags);
      this.keep = grown(this.keep);
      this.set = grown(this.set);
    }
    const e = this.leaves++;
    this.keep.set(keep.subarray(0, W), e * W);
    this.set.set(set.subarray(0, W), e * W);
    this.res[e] = code;
    this.leafFlags[e] = flags;
    return e;
  }
}

function grown<T extends Int32Array | Uint32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** Bits [at, at+n) of the key at src[off..] (n ≤ 16). */
function extract(src: Uint32Array, off: number, at: number, n: number): number {
  const w = off + (at >>> 5);
  const b = at & 31;
  let v = src[w]! >>> b;
  if (b + n > 32) v |= src[w + 1]! << (32 - b);
  return v & ((1 << n) - 1);
}
