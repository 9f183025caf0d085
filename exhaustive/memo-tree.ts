/**
 * The trees of the transition cache (exhaustive/memo.ts), per op of the alphabet:
 * - the learnt tree, which misses add their paths to: an inner node is a key field the reducer read,
 *   with one child per value; a leaf is the op's effect on every state that reaches it;
 * - the walk tree that hits follow, rebuilt from the learnt tree as paths come in: wider nodes
 *   (several fields each, most of them hashed: exhaustive/hashed-node.ts), so fewer loads per walk;
 * - the leaves, interned (far fewer distinct effects than paths: 1,045 for 57,878 paths on the Spin
 *   comparison's space), each one record of 2W+2 words: which bits of the input survive (`keep`),
 *   the bits it sets, the result code and the caller's flags.
 */
import { fieldOf, type Range } from './codec.ts';
import { HASHED, hashNode, multipliers } from './hashed-node.ts';
import { grown } from './store.ts';

/** The most key bits one node of a walk tree branches on (2^8 links, up to 2^10 slots when hashed). */
const MAX_NODE_BITS = 8;

/** Thrown when `allow` refused a growth step of the cache: the search ends with the memory bound. */
export class MemoryRefused extends Error {
  constructor() {
    super('transition cache: growth refused by the memory bound');
  }
}

export class MemoTrees {
  /** Asked before a growth step with the bytes it would allocate (as StateStore.allow); false: MemoryRefused. */
  allow: ((bytes: number) => boolean) | null = null;
  private readonly W: number;
  // The learnt trees, in one typed array: a node at p is its field (at·32 + n) at tree[p], then its
  // 2^n links. A link is 0 (nothing yet), a node's p (≥ 1), or -(leaf + 1).
  private readonly roots: Int32Array;
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
  /** Per op: lookups that fell back to its learnt tree since its walk tree was built. */
  private readonly fallbacks: Int32Array;
  /** Multipliers for hashed walk nodes (exhaustive/hashed-node.ts): deterministic. */
  private readonly rnd = multipliers();
  private leaf = new Int32Array(1024);
  /** Words per leaf record: 2W + 2. */
  private readonly R: number;
  private leaves = 0;
  private readonly leafIx = new Map<string, number>();

  /** Trees for `ops` ops over keys of W words. */
  constructor(W: number, ops: number) {
    this.W = W;
    this.R = 2 * W + 2;
    this.roots = new Int32Array(ops);
    this.walkRoots = new Int32Array(ops);
    this.walkSize = new Int32Array(ops);
    this.fallbacks = new Int32Array(ops);
  }

  /** Bytes held by the trees. */
  get bytes(): number {
    return this.tree.byteLength + this.walk.byteLength + this.leaf.byteLength;
  }

  /** The leaf op k's trees give the state at src[off..]: -(leaf + 1), or 0 if no path is learnt yet. */
  find(src: Uint32Array, off: number, k: number): number {
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
        // 9: HASHED, a literal (an imported binding is loaded each time).
        c = wt[c + 9 + (((x0 + x1) | 0) >>> (32 + m))]!;
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
    return c === 0 ? this.learnt(src, off, k) : c;
  }

  /** Leaf c's effect on the state at src[off..], written to out[0..W): its result code. */
  apply(c: number, src: Uint32Array, off: number, out: Uint32Array): number {
    const W = this.W;
    const leaf = this.leaf;
    const at = (-c - 1) * this.R;
    for (let w = 0; w < W; w++) out[w] = ((src[off + w]! & leaf[at + w]!) | leaf[at + W + w]!) >>> 0;
    return leaf[at + 2 * W]!;
  }

  /** Leaf c's flags. */
  flagsOf(c: number): number {
    return this.leaf[(-c - 1) * this.R + 2 * this.W + 1]!;
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

  /** Add a run's path to op k's tree; false if it contradicts the tree (a nondeterministic run). */
  insert(
    k: number,
    src: Uint32Array,
    off: number,
    seq: readonly Range[],
    keep: Uint32Array,
    set: Uint32Array,
    code: number,
    flags: number,
  ): boolean {
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
