/**
 * The set of reached states: packed states in one growing Uint32Array arena (state i at words
 * [i*W, (i+1)*W)), an open-addressing hash table (linear probing, load ≤ 1/2) whose slots hold the
 * state number and a copy of the key, so that a lookup touches one cache line, and per state its BFS
 * parent and the alphabet index of the op that reached it. States are numbered in insertion order,
 * which for a breadth-first search is also depth order.
 */
export class StateStore {
  readonly words: number;
  count = 0;
  arena: Uint32Array;
  parent: Int32Array;
  via: Uint16Array;
  private hashes: Uint32Array;
  /** Slots of W+1 words: state number + 1 (0 = empty), then the key. */
  private table: Uint32Array;
  private mask: number;

  constructor(words: number, capacity = 1 << 16) {
    this.words = words;
    this.arena = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.via = new Uint16Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.table = new Uint32Array(capacity * 2 * (words + 1));
    this.mask = capacity * 2 - 1;
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return this.arena.byteLength + this.parent.byteLength + this.via.byteLength + this.hashes.byteLength + this.table.byteLength;
  }

  /** Hash of words key[off .. off+W) (FNV-1a over words, then a murmur3 finaliser). */
  hash(key: Uint32Array, off: number): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < this.words; i++) h = Math.imul(h ^ key[off + i]!, 0x01000193);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  /**
   * Add key[off..] with its parent and op; the new state's number, or -(n+1) when it was already
   * there as state n.
   */
  add(key: Uint32Array, off: number, parent: number, via: number): number {
    return this.addHashed(key, off, this.hash(key, off), parent, via);
  }

  /** `add`, with the key's hash already computed (`hash`). */
  addHashed(key: Uint32Array, off: number, h: number, parent: number, via: number): number {
    const W = this.words;
    const S = W + 1;
    const table = this.table;
    let slot = h & this.mask;
    probe: for (; ; slot = (slot + 1) & this.mask) {
      const at = slot * S;
      const e = table[at]!;
      if (e === 0) break;
      for (let w = 0; w < W; w++) if (table[at + 1 + w] !== key[off + w]) continue probe;
      return -e;
    }
    const n = this.count;
    if (n === this.parent.length) {
      this.grow();
      return this.addHashed(key, off, h, parent, via);
    }
    this.arena.set(key.subarray(off, off + W), n * W);
    this.parent[n] = parent;
    this.via[n] = via;
    this.hashes[n] = h;
    this.place(slot, n);
    this.count = n + 1;
    return n;
  }

  private place(slot: number, n: number): void {
    const W = this.words;
    const at = slot * (W + 1);
    this.table[at] = n + 1;
    this.table.set(this.arena.subarray(n * W, n * W + W), at + 1);
  }

  private grow(): void {
    const cap = this.parent.length * 2;
    const W = this.words;
    const arena = new Uint32Array(cap * W);
    arena.set(this.arena);
    this.arena = arena;
    const parent = new Int32Array(cap);
    parent.set(this.parent);
    this.parent = parent;
    const via = new Uint16Array(cap);
    via.set(this.via);
    this.via = via;
    const hashes = new Uint32Array(cap);
    hashes.set(this.hashes);
    this.hashes = hashes;
    const S = W + 1;
    this.table = new Uint32Array(cap * 2 * S);
    this.mask = cap * 2 - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.hashes[i]! & this.mask;
      while (this.table[slot * S] !== 0) slot = (slot + 1) & this.mask;
      this.place(slot, i);
    }
  }

  /** Alphabet indices of the ops from the initial state to state n. */
  path(n: number): number[] {
    const out: number[] = [];
    for (let i = n; this.parent[i]! >= 0; i = this.parent[i]!) out.push(this.via[i]!);
    return out.reverse();
  }
}
