/**
 * The set of reached states: packed states in one growing Uint32Array arena (state i at words
 * [i*W, (i+1)*W)), an open-addressing hash table (linear probing) of state numbers, and per state its
 * BFS parent and the alphabet index of the op that reached it. States are numbered in insertion
 * order, which for a breadth-first search is also depth order.
 *
 * Memory per state: the key (W words), the parent (4 bytes), the op (1 byte while the alphabet has
 * at most 256 ops, then 2) and the table's share: one 32-bit slot per state at a load of 3/8 to 3/4.
 * The arrays grow by a quarter, the table doubles. A slot holds the state's number + 1 in its low bits
 * (as many as the table's size needs) and the same high bits of the key's hash above them, so that
 * a probe reads the arena only when those bits agree: nearly only for the key itself.
 *
 * A lookup of a key already stored (most of them: a state is reached many times) would read two
 * random places, the slot and the arena. In front of the table sits a small direct-mapped cache of
 * the keys last looked up, all of them stored: most repeats are near in time (siblings, cousins), and
 * seven lookups in ten end there on the Spin comparison's space. A lookup that finds its key does
 * not learn the state's number: no caller needs it.
 */
/** What traces and reports read of a store of reached states (StateStore, SharedStateStore). */
export interface Stored {
  readonly words: number;
  readonly count: number;
  readonly arena: Uint32Array;
  readonly parent: Int32Array;
  readonly via: Uint8Array | Uint16Array;
  readonly bytes: number;
  /** Alphabet indices of the ops from the initial state to state n. */
  path(n: number): number[];
}

export class StateStore implements Stored {
  readonly words: number;
  count = 0;
  arena: Uint32Array;
  parent: Int32Array;
  via: Uint8Array | Uint16Array;
  /** Slots: 0 when free, else the hash's bits above `mask` or-ed with the state's number + 1. */
  private table: Uint32Array;
  private mask: number;
  /** Grow the table past this many states. */
  private limit: number;
  /** Keys known to be stored, W words + 1 each: the key, then 1 when the entry is set. */
  private recent: Uint32Array;
  private recentMask: number;
  /**
   * Asked before a growth step with the bytes it would allocate: false refuses it, and `add` then
   * returns -2 (the search ends with the memory bound rather than pass its ceiling while growing).
   */
  allow: ((bytes: number) => boolean) | null = null;

  /** `_bits`: how many low bits of the W words an encoding uses (every key is stored whole). */
  constructor(words: number, _bits = 32 * words, capacity = 1 << 16) {
    this.words = words;
    this.arena = new Uint32Array(capacity * words);
    this.parent = new Int32Array(capacity);
    this.via = new Uint8Array(capacity);
    let slots = 2;
    while (slots < capacity) slots *= 2;
    this.table = new Uint32Array(slots);
    this.mask = slots - 1;
    this.limit = Math.floor(slots * MAX_LOAD);
    this.recent = new Uint32Array(0);
    this.recentMask = 0;
    this.sizeRecent();
  }

  /** Bytes held by the typed arrays. */
  get bytes(): number {
    return (
      this.arena.byteLength +
      this.parent.byteLength +
      this.via.byteLength +
      this.table.byteLength +
      this.recent.byteLength
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
    return this.addHashed(key, off, hashKey(key, off, this.words), parent, via);
  }

  /** `add`, with the key's hash already computed (`hash`). */
  addHashed(key: Uint32Array, off: number, h: number, parent: number, via: number): number {
    const W = this.words;
    const recent = this.recent;
    const r = ((h >>> RECENT_SHIFT) & this.recentMask) * (W + 1);
    // The comparisons are written out (not a function): this is the search's hottest loop.
    cached: for (;;) {
      if (recent[r + W] !== 1) break;
      for (let w = 0; w < W; w++) if (recent[r + w] !== key[off + w]) break cached;
      return -1;
    }
    const mask = this.mask;
    const high = h & ~mask;
    const table = this.table;
    const arena = this.arena;
    let slot = h & mask;
    probe: for (; ; slot = (slot + 1) & mask) {
      const e = table[slot]!;
      if (e === 0) break;
      if ((e & ~mask) !== high) continue;
      const at = ((e & mask) - 1) * W;
      for (let w = 0; w < W; w++) if (arena[at + w] !== key[off + w]) continue probe;
      this.remember(r, key, off);
      return -1;
    }
    const n = this.count;
    if (this.allow !== null) {
      // The old arrays live until the new ones are filled: a step needs the new sizes on top.
      const arrays = this.arena.byteLength + this.parent.byteLength + this.via.byteLength;
      if (n === this.parent.length && !this.allow(arrays + Math.ceil(arrays / 4))) return -2;
      if (n >= this.limit && !this.allow(2 * this.table.byteLength + this.recent.byteLength)) return -2;
    }
    if (n === this.parent.length) this.growArena();
    const to = this.arena;
    for (let w = 0; w < W; w++) to[n * W + w] = key[off + w]!;
    this.parent[n] = parent;
    if (via > 255 && this.via instanceof Uint8Array) this.via = Uint16Array.from(this.via);
    this.via[n] = via;
    this.count = n + 1;
    if (n >= this.limit) this.growTable();
    else table[slot] = (high | (n + 1)) >>> 0;
    this.remember(((h >>> RECENT_SHIFT) & this.recentMask) * (W + 1), key, off);
    return n;
  }

  /** Note key[off..] (stored) in the recent entry at r. */
  private remember(r: number, key: Uint32Array, off: number): void {
    const W = this.words;
    const recent = this.recent;
    for (let w = 0; w < W; w++) recent[r + w] = key[off + w]!;
    recent[r + W] = 1;
  }

  /** The recent-keys cache at its size for the table's (at most RECENT entries), empty. */
  private sizeRecent(): void {
    const entries = Math.min(RECENT, this.mask + 1);
    if (entries === this.recentMask + 1 && this.recent.length > 0) return;
    this.recent = new Uint32Array(entries * (this.words + 1));
    this.recentMask = entries - 1;
  }

  private growArena(): void {
    const n = this.parent.length;
    const cap = n + Math.max(1, n >>> 2);
    this.arena = resized(this.arena, cap * this.words);
    this.parent = resized(this.parent, cap);
    this.via = resized(this.via, cap);
  }

  /** Double the table and place every state again (the newest included), hashing each key anew. */
  private growTable(): void {
    const slots = (this.mask + 1) * 2;
    const W = this.words;
    const table = new Uint32Array(slots);
    const mask = slots - 1;
    const arena = this.arena;
    for (let i = 0; i < this.count; i++) {
      const h = hashKey(arena, i * W, W);
      let slot = h & mask;
      while (table[slot] !== 0) slot = (slot + 1) & mask;
      table[slot] = ((h & ~mask) | (i + 1)) >>> 0;
    }
    this.table = table;
    this.mask = mask;
    this.limit = Math.floor(slots * MAX_LOAD);
    this.sizeRecent();
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
const MAX_LOAD = 0.75;
/** Entries of the recent-keys cache (at most): 64 K, 768 KB for 2-word keys, within a core's L2. */
const RECENT = 1 << 16;
/** The cache's index: the hash's bits from here up (the table's come from the low bits). */
const RECENT_SHIFT = 11;

/** A copy of a grown to n entries (a's contents first). */
function resized<T extends Uint8Array | Uint16Array | Int32Array | Uint32Array>(a: T, n: number): T {
  const b = new (a.constructor as new (n: number) => T)(n);
  b.set(a);
  return b;
}

/** A copy of a twice as long (the first half a's contents). */
export function grown<T extends Uint16Array | Int32Array | Uint32Array>(a: T): T {
  return resized(a, a.length * 2);
}
