/**
 * The set of reached states: packed states in one growing Uint32Array arena (state i at words
 * [i*W, (i+1)*W)), an open-addressing hash table (linear probing) of the keys themselves, and per
 * state its BFS parent and the alphabet index of the op that reached it. States are numbered in
 * insertion order, which for a breadth-first search is also depth order.
 *
 * The table is the hot spot of a search (one random access per successor), so it is kept small
 * enough to stay in the last-level cache as long as possible: a slot is the key alone, marked as
 * taken by a bit of the last word the encoding never uses (or, when the encoding fills every bit, by
 * one extra word), and it is filled up to MAX_LOAD before it doubles. A lookup that finds its key
 * does not learn the state's number: no caller needs it.
 */
/** What traces and reports read of a store of reached states (StateStore, SharedStateStore). */
export interface Stored {
  readonly words: number;
  readonly count: number;
  readonly arena: Uint32Array;
  readonly parent: Int32Array;
  readonly via: Uint16Array;
  readonly bytes: number;
  /** Alphabet indices of the ops from the initial state to state n. */
  path(n: number): number[];
}

export class StateStore implements Stored {
  readonly words: number;
  count = 0;
  arena: Uint32Array;
  parent: Int32Array;
  via: Uint16Array;
  private hashes: Uint32Array;
  /** Slots of `stride` words: the key, its last word or-ed with MARK, or then a word 1. */
  private table: Uint32Array;
  private mask: number;
  private readonly stride: number;
  /** Or-ed into the last key word of a taken slot (0 when a marker word follows the key). */
  private readonly mark: number;
  /** Grow the table past this many states. */
  private limit: number;
  /**
   * Asked before a growth step with the bytes it would allocate: false refuses it, and `add` then
   * returns -2 (the search ends with the memory bound rather than pass its ceiling while growing).
   */
  allow: ((bytes: number) => boolean) | null = null;

  /** `bits`: how many low bits of the W words an encoding uses (default all). */
  constructor(words: number, bits = 32 * words, capacity = 1 << 16) {
    this.words = words;
    const spare = bits < 32 * words;
    this.stride = spare ? words : words + 1;
    this.mark = spare ? 0x80000000 : 0;
    this.arena = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.via = new Uint16Array(capacity);
    this.hashes = new Uint32Array(capacity);
    this.table = new Uint32Array(capacity * this.stride);
    this.mask = capacity - 1;
    this.limit = Math.floor(capacity * MAX_LOAD);
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return (
      this.arena.byteLength +
      this.parent.byteLength +
      this.via.byteLength +
      this.hashes.byteLength +
      this.table.byteLength
    );
  }

  /** Hash of words key[off .. off+W) (`hashKey`). */
  hash(key: Uint32Array, off: number): number {
    return hashKey(key, off, this.words);
  }

  /**
   * Add key[off..] with its parent and op; the new state's number, -1 when it was already there, or -2
   * when storing it would need a growth step that `allow` refused (nothing is changed then).
   */
  add(key: Uint32Array, off: number, parent: number, via: number): number {
    return this.addHashed(key, off, this.hash(key, off), parent, via);
  }

  /** `add`, with the key's hash already computed (`hash`). */
  addHashed(key: Uint32Array, off: number, h: number, parent: number, via: number): number {
    const W = this.words;
    const S = this.stride;
    const L = S - 1;
    const last = (key[off + W - 1]! | this.mark) >>> 0;
    const table = this.table;
    let slot = h & this.mask;
    probe: for (; ; slot = (slot + 1) & this.mask) {
      const at = slot * S;
      const e = table[at + L]!;
      if (e === 0) break;
      if (S === W && e !== last) continue;
      for (let w = 0; w < L; w++) if (table[at + w] !== key[off + w]) continue probe;
      return -1;
    }
    const n = this.count;
    if (this.allow !== null) {
      // The old arrays live until the new ones are filled: a step needs the new sizes on top.
      const arrays = this.arena.byteLength + this.parent.byteLength + this.via.byteLength + this.hashes.byteLength;
      if (n === this.parent.length && !this.allow(2 * arrays)) return -2;
      if (n >= this.limit && !this.allow(2 * this.table.byteLength)) return -2;
    }
    if (n === this.parent.length) this.growArena();
    const arena = this.arena;
    for (let w = 0; w < W; w++) arena[n * W + w] = key[off + w]!;
    this.parent[n] = parent;
    this.via[n] = via;
    this.hashes[n] = h;
    this.count = n + 1;
    if (n >= this.limit) this.growTable();
    else this.place(slot, n);
    return n;
  }

  private place(slot: number, n: number): void {
    const W = this.words;
    const at = slot * this.stride;
    const table = this.table;
    const arena = this.arena;
    for (let w = 0; w < W; w++) table[at + w] = arena[n * W + w]!;
    if (this.stride === W) this.table[at + W - 1] = (this.table[at + W - 1]! | this.mark) >>> 0;
    else this.table[at + W] = 1;
  }

  private growArena(): void {
    this.arena = grown(this.arena);
    this.parent = grown(this.parent);
    this.via = grown(this.via);
    this.hashes = grown(this.hashes);
  }

  /** Double the table and place every state again (the newest included). */
  private growTable(): void {
    const slots = (this.mask + 1) * 2;
    const S = this.stride;
    const L = S - 1;
    this.table = new Uint32Array(slots * S);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
    for (let i = 0; i < this.count; i++) {
      let slot = this.hashes[i]! & this.mask;
      while (this.table[slot * S + L] !== 0) slot = (slot + 1) & this.mask;
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

/** Hash of the W words key[off .. off+W): FNV-1a over words, then a murmur3 finaliser. */
export function hashKey(key: Uint32Array, off: number, W: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < W; i++) h = Math.imul(h ^ key[off + i]!, 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Load factor at which the table doubles. */
const MAX_LOAD = 0.7;

/** A copy of a twice as long (the first half a's contents). */
export function grown<T extends Uint16Array | Int32Array | Uint32Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}
