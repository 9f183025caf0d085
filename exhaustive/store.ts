/**
 * The set of reached states: packed states in one growing Uint32Array arena (state i at words
 * [i*W, (i+1)*W)), an open-addressing hash table of state numbers (linear probing, load ≤ 1/2),
 * and per state its BFS parent and the alphabet index of the op that reached it. States are numbered
 * in insertion order, which for a breadth-first search is also depth order.
 */
export class StateStore {
  readonly words: number;
  count = 0;
  arena: Uint32Array;
  parent: Int32Array;
  via: Uint16Array;
  private hashes: Uint32Array;
  private table: Int32Array; // state number + 1; 0 = empty
  private mask: number;

  constructor(words: number, capacity = 1 << 16) {
    this.words = words;
    this.arena = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.via = new Uint16Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.table = new Int32Array(capacity * 2);
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
    const h = this.hash(key, off);
    const W = this.words;
    let slot = h & this.mask;
    for (; ; slot = (slot + 1) & this.mask) {
      const e = this.table[slot]!;
      if (e === 0) break;
      const i = e - 1;
      if (this.hashes[i] === h && this.same(i * W, key, off)) return -(i + 1);
    }
    const n = this.count;
    if (n === this.parent.length) {
      this.grow();
      return this.add(key, off, parent, via);
    }
    this.arena.set(key.subarray(off, off + W), n * W);
    this.parent[n] = parent;
    this.via[n] = via;
    this.hashes[n] = h;
    this.table[slot] = n + 1;
    this.count = n + 1;
    return n;
  }

  private same(at: number, key: Uint32Array, off: number): boolean {
    const a = this.arena;
    for (let i = 0; i < this.words; i++) if (a[at + i] !== key[off + i]) return false;
    return true;
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
    this.table = new Int32Array(cap * 2);
    this.mask = cap * 2 - 1;
    for (let i = 0; i < this.count; i++) {
      let slot = this.hashes[i]! & this.mask;
      while (this.table[slot] !== 0) slot = (slot + 1) & this.mask;
      this.table[slot] = i + 1;
    }
  }

  /** Alphabet indices of the ops from the initial state to state n. */
  path(n: number): number[] {
    const out: number[] = [];
    for (let i = n; this.parent[i]! >= 0; i = this.parent[i]!) out.push(this.via[i]!);
    return out.reverse();
  }
}
