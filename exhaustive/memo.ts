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
import { type Codec, fieldOf, type Range } from './codec.ts';
import { grown } from './store.ts';
import { HASHED, hashNode, multipliers } from './hashed-node.ts';
import { ReadTracker } from './track.ts';

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
 * alphabet's op `then` on what that gives, when the first result is 'ok'. A synchronous host change
 * is its asynchronous form without the ghost marking, then a whole scan (model/step.ts
 * stepUnmarked): the scan's tree, which every state's own `scan` fills, then serves all six, where
 * each of them alone reads nearly the whole key and learns a path per state. Only for runs without
 * flags: the parts' flags are not the op's, and `onMiss` sees the second part run on intermediate
 * states.
 */
export interface Split {
  readonly first: (op: Op) => Op | null;
  readonly firstStep: StepFn;
  readonly then: Op;
}

export interface MemoStats {
  hits: number;
  misses: number;
  /** Ops no longer cached: a tracked run and an untracked run disagreed. */
  readonly uncached: number[];
}

/** The most key bits one node of a walk tree branches on (2^8 links, up to 2^10 slots when hashed). */
const MAX_NODE_BITS = 8;

/** Thrown by `next` when `allow` refused a growth step of the cache: the search ends with the memory bound. */
export class MemoryRefused extends Error {
  constructor() {
    super('transition cache: growth refused by the memory bound');
  }
}

export class TransitionMemo {
  readonly stats: MemoStats = { hits: 0, misses: 0, uncached: [] };
  /** Asked before a growth step with the bytes it would allocate (as StateStore.allow); false: MemoryRefused. */
  allow: ((bytes: number) => boolean) | null = null;
  /** The flags of the last `next`. */
  flags = 0;
  /** Called after every miss with the transition as the reducer computed it (reads are not tracked); not for first parts of split ops. */
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
  // The trees, in one typed array: a node at p is its field (at·32 + n) at tree[p], then its 2^n
  // links. A link is 0 (nothing yet), a node's p (≥ 1), or -(leaf + 1).
  private readonly roots: Int32Array;
  /** Per op: the op index of its first part (≥ ops given), or -1; and of its second part. */
  private readonly firstOf: Int32Array;
  private readonly thenOf: Int32Array;
  /** How many ops the caller gave; the first parts of split ops follow them in `ops`. */
  private readonly given: number;
  private readonly firstStep: StepFn | null;
  private readonly mid: Uint32Array;
  /** Caller state numbers for the intermediate states of split ops (never a stored state's). */
  private midId = -2;
  /** The second part of split ops on the caller's state `thenId` (a stored state), when their first part is the identity. */
  private thenId = -1;
  private thenCode = 0;
  private thenFlags = 0;
  private readonly thenOut: Uint32Array;
  private tree = new Int32Array(1 << 14);
  private used = 1;
  // The walk trees that hits follow (rebuild): a node at p is its field count m at walk[p], the m
  // fields, then 2^(their bits) links, the fields' values concatenated (first field highest); or a
  // hashed node (hashed-node.ts): -bits at walk[p], two words' masks, shifts and multipliers, 2^bits links.
  private walk = new Int32Array(1 << 14);
  private walkUsed = 1;
  private readonly walkRoots: Int32Array;
  /** Per op: words of its live walk tree (the rest of walkUsed is old versions). */
  private readonly walkSize: Int32Array;
  /** Per op: lookups that fell back to its tree since its walk tree was built. */
  private readonly fallbacks: Int32Array;
  /** Multipliers for hashed walk nodes (exhaustive/hashed-node.ts): deterministic. */
  private readonly rnd = multipliers();
  // The leaves, interned (far fewer distinct effects than paths: 1,045 for 57,878 paths on the Spin
  // comparison's space), each one record of 2W+2 words: keep, set, result code, flags.
  private leaf = new Int32Array(1024);
  /** Words per leaf record: 2W + 2. */
  private readonly R: number;
  private leaves = 0;
  private readonly leafIx = new Map<string, number>();
  /** The decoded state of the last miss (and its tracked view), by the caller's state number. */
  private curId = -1;
  private curState: State | null = null;
  private curView: State | null = null;

  /**
   * @param step the reducer call for misses (and for uncached ops)
   * @param verifyEvery run one miss in this many untracked too (through `verifyStep`), 0 never
   */
  constructor(codec: Codec, ops: readonly Op[], step: StepFn, verifyEvery = 16, verifyStep: StepFn = step, split?: Split) {
    this.codec = codec;
    this.given = ops.length;
    this.firstOf = new Int32Array(ops.length).fill(-1);
    this.thenOf = new Int32Array(ops.length).fill(-1);
    this.firstStep = split?.firstStep ?? null;
    const then = split ? ops.findIndex((o) => JSON.stringify(o) === JSON.stringify(split.then)) : -1;
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
    this.R = 2 * this.W + 2;
    this.plain = ops.map(() => false);
    this.opLookups = new Int32Array(ops.length);
    this.opMisses = new Int32Array(ops.length);
    this.tracker = new ReadTracker(codec);
    this.tmp = new Uint32Array(this.W);
    this.mid = new Uint32Array(this.W);
    this.thenOut = new Uint32Array(this.W);
    this.roots = new Int32Array(ops.length);
    this.walkRoots = new Int32Array(ops.length);
    this.walkSize = new Int32Array(ops.length);
    this.fallbacks = new Int32Array(ops.length);
  }

  /** The result of a code `next` returned. */
  result(code: number): Result {
    return this.results[code]!;
  }

  /** Bytes held by the trees. */
  get bytes(): number {
    return this.tree.byteLength + this.walk.byteLength + this.leaf.byteLength;
  }

  /**
   * The successor of the state at src[off..off+W) (the caller's state number `id`) under op k,
   * written to out[0..W); returns its result code (see `result`) and sets `flags`. Throws what the
   * reducer throws.
   */
  next(src: Uint32Array, off: number, id: number, k: number, out: Uint32Array): number {
    if (k < this.given && this.firstOf[k]! >= 0) return this.split(src, off, id, k, out);
    // The walk tree first: several fields per node, their values concatenated into the link index.
    let c = this.walkRoots[k]!;
    const wt = this.walk;
    while (c > 0) {
      const m = wt[c]!;
      if (m < 0) {
        // A hashed node (hashNode): its fields' bits masked out of two words, one multiply-add.
        // Int32 throughout (>> and | 0, not >>> or a plain sum): a uint32 or a sum past 2^31 is a double.
        const x0 = Math.imul((src[off + wt[c + 1]!]! & wt[c + 2]!) >> wt[c + 3]!, wt[c + 4]!);
        const x1 = Math.imul((src[off + wt[c + 5]!]! & wt[c + 6]!) >> wt[c + 7]!, wt[c + 8]!);
        c = wt[c + 9 + (((x0 + x1) | 0) >>> (32 + m))]!; // 9: HASHED, a literal (an imported binding is loaded each time)
        continue;
      }
      // fieldOf(src, off, field) for each field of node c, inlined: this loop is the engine's hot path.
      const end = c + 1 + m;
      let v = 0;
      for (let q = c + 1; q < end; q++) {
        const f = wt[q]!;
        const at = f >>> 5;
        const n = f & 31;
        const w = off + (at >>> 5);
        const b = at & 31;
        let x = src[w]! >>> b;
        if (b + n > 32) x |= src[w + 1]! << (32 - b);
        v = (v << n) | (x & ((1 << n) - 1));
      }
      c = wt[end + v]!;
    }
    if (c === 0) c = this.learnt(src, off, k);
    if (c === 0 || this.plain[k]) return this.miss(src, off, id, k, out);
    this.stats.hits++;
    this.opLookups[k] = this.opLookups[k]! + 1;
    const W = this.W;
    const leaf = this.leaf;
    const at = (-c - 1) * this.R;
    for (let w = 0; w < W; w++) out[w] = ((src[off + w]! & leaf[at + w]!) | leaf[at + W + w]!) >>> 0;
    this.flags = leaf[at + 2 * W + 1]!;
    return leaf[at + 2 * W]!;
  }

  /** The link op k's tree (the one misses add to) gives the state: 0 if no path is learnt yet. */
  private learnt(src: Uint32Array, off: number, k: number): number {
    let c = this.roots[k]!;
    while (c > 0) {
      const f = this.tree[c]!;
      c = this.tree[c + 1 + fieldOf(src, off, { at: f >>> 5, n: f & 31 })]!;
    }
    // Paths learnt since op k's walk tree was built: rebuild it once they are worth it (amortised:
    // a number of fallbacks proportional to its size).
    this.fallbacks[k] = this.fallbacks[k]! + 1;
    if (this.fallbacks[k]! >= Math.max(32, this.walkSize[k]! >>> 3)) this.rebuild(k);
    return c;
  }

  /**
   * Build op k's walk tree from its tree: a node takes in the fields of its inner children while they
   * all read the same field and the node stays within MAX_NODE_BITS (a leaf or an empty link is
   * repeated over the merged field's values). Fewer, wider nodes: fewer dependent loads per walk.
   * A node whose fields lie in at most two key words is hashed (hashed-node.ts): one multiply-add
   * however many fields it has. On the Spin comparison's space a state's walks visit 110 nodes, 99%
   * of them hashed, and the search takes about 6% less time than with per-field nodes of 6 bits.
   */
  private rebuild(k: number): void {
    this.fallbacks[k] = 0;
    this.walkRoots[k] = 0; // its old version is garbage now
    this.walkSize[k] = 0;
    let live = 0;
    for (const n of this.walkSize) live += n;
    if (this.walkUsed > 2 * live + (1 << 16)) this.compact();
    this.place(k);
  }

  /** a twice as long, if `allow` agrees. */
  private grown<T extends Int32Array>(a: T): T {
    if (this.allow !== null && !this.allow(2 * a.byteLength)) throw new MemoryRefused();
    return grown(a);
  }

  /** Every walk tree built again into a fresh array (old versions of rebuilt trees are dropped). */
  private compact(): void {
    if (this.allow !== null && !this.allow(this.walk.byteLength)) throw new MemoryRefused();
    this.walk = new Int32Array(this.walk.length);
    this.walkUsed = 1;
    for (let j = 0; j < this.walkRoots.length; j++) if (this.walkRoots[j] !== 0) this.place(j);
  }

  /** Build op j's walk tree at the end of the walk array. */
  private place(j: number): void {
    const start = this.walkUsed;
    this.walkRoots[j] = this.build(this.roots[j]!);
    this.walkSize[j] = this.walkUsed - start;
  }

  private build(c: number): number {
    if (c <= 0) return c;
    const tree = this.tree;
    const fields = [tree[c]!];
    let bits = tree[c]! & 31;
    let links: number[] = [];
    for (let j = 0; j < 1 << bits; j++) links.push(tree[c + 1 + j]!);
    for (;;) {
      let g = -1;
      let same = true;
      for (const l of links) {
        if (l <= 0) continue;
        if (g < 0) g = tree[l]!;
        else if (tree[l] !== g) same = false;
      }
      if (g < 0 || !same || bits + (g & 31) > MAX_NODE_BITS) break;
      const n = g & 31;
      const wider: number[] = [];
      for (const l of links) for (let j = 0; j < 1 << n; j++) wider.push(l > 0 ? tree[l + 1 + j]! : l);
      fields.push(g);
      bits += n;
      links = wider;
    }
    const h = hashNode(fields, this.rnd);
    if (h !== null) {
      const size = HASHED + (1 << h.bits);
      while (this.walkUsed + size > this.walk.length) this.walk = this.grown(this.walk);
      const p = this.walkUsed;
      this.walkUsed += size;
      this.walk.set([-h.bits, h.w0, h.m0, h.s0, h.k0, h.w1, h.m1, h.s1, h.k1], p);
      for (let j = 0; j < links.length; j++) {
        const l = this.build(links[j]!);
        this.walk[p + HASHED + h.slot[j]!] = l;
      }
      return p;
    }
    const size = 1 + fields.length + links.length;
    while (this.walkUsed + size > this.walk.length) this.walk = this.grown(this.walk);
    const p = this.walkUsed;
    this.walkUsed += size;
    this.walk[p] = fields.length;
    for (let j = 0; j < fields.length; j++) this.walk[p + 1 + j] = fields[j]!;
    const base = p + 1 + fields.length;
    for (let j = 0; j < links.length; j++) {
      const l = this.build(links[j]!);
      this.walk[base + j] = l;
    }
    return p;
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
    // The link being followed: roots[k] (slot -1), or tree[slot].
    let slot = -1;
    const link = (): number => (slot < 0 ? this.roots[k]! : this.tree[slot]!);
    const setLink = (c: number): void => {
      if (slot < 0) this.roots[k] = c;
      else this.tree[slot] = c;
    };
    for (const r of seq) {
      if (r.n > 16) return false; // a field too wide to branch on: not cached
      let c = link();
      if (c === 0) {
        c = this.newNode(r.at, r.n);
        setLink(c);
      }
      if (c < 0 || this.tree[c] !== r.at * 32 + r.n) return false;
      slot = c + 1 + fieldOf(src, off, r);
    }
    const c = link();
    if (c > 0) return false;
    if (c < 0) return true; // the same path, already learnt
    setLink(-(this.newLeaf(keep, set, code, flags) + 1));
    return true;
  }

  private newNode(at: number, n: number): number {
    const size = 1 + (1 << n);
    while (this.used + size > this.tree.length) this.tree = this.grown(this.tree);
    const p = this.used;
    this.used += size;
    this.tree[p] = at * 32 + n;
    return p;
  }

  /** The leaf for an effect: an existing one if the same effect was seen before. */
  private newLeaf(keep: Uint32Array, set: Uint32Array, code: number, flags: number): number {
    const W = this.W;
    const id = `${keep.subarray(0, W).join(',')}/${set.subarray(0, W).join(',')}/${code}/${flags}`;
    const known = this.leafIx.get(id);
    if (known !== undefined) return known;
    while ((this.leaves + 1) * this.R > this.leaf.length) this.leaf = this.grown(this.leaf);
    const e = this.leaves++;
    const at = e * this.R;
    for (let w = 0; w < W; w++) {
      this.leaf[at + w] = keep[w]! | 0;
      this.leaf[at + W + w] = set[w]! | 0;
    }
    this.leaf[at + 2 * W] = code;
    this.leaf[at + 2 * W + 1] = flags;
    this.leafIx.set(id, e);
    return e;
  }
}
