/**
 * The set of reached states shared by the worker threads of a parallel search (`--workers N`): the
 * layout of StateStore (store.ts) in SharedArrayBuffers, filled by every worker at once.
 *
 * - A slot is claimed by a compare-exchange of its last word from 0 to BUSY; the claimer writes the
 *   key and then publishes it by storing the last word (with its mark). A thread that meets BUSY
 *   waits for the key before comparing, so two threads never both add the same state.
 * - States are numbered by an atomic counter. Within a level the numbers follow no fixed order;
 *   the level's states are still the numbers between two barriers, so breadth-first order holds.
 * - The buffers are allocated once at their largest size: the arena is written in order and the
 *   table only up to its current size, so untouched pages cost nothing. The table doubles with every
 *   worker stopped at a barrier (`rehash`, by the last to arrive).
 */
import { hashKey, type Stored } from './store.ts';

/** Indices into a store's control words. */
const COUNT = 0;
const MASK = 1;
const LIMIT = 2;
const CONTROL_WORDS = 4;
/**
 * Indices into the grow barrier's words, shared by every store of a search (one barrier for all, so
 * that two workers never wait at the barriers of two different stores): 1 when some table passed its
 * load limit, the workers arrived, the barrier's generation.
 */
const GROW = 0;
const GROW_ARRIVED = 1;
const GROW_EPOCH = 2;

/** Load factor at which the table doubles (as in store.ts). */
const MAX_LOAD = 0.7;
/** This thread's cache of stored keys: 64 K entries (as in store.ts), indexed by the hash from bit 11 up. */
const RECENT_MASK = (1 << 16) - 1;
const RECENT_SHIFT = 11;

export interface SharedBuffers {
  readonly words: number;
  readonly bits: number;
  readonly capacity: number;
  readonly control: SharedArrayBuffer;
  /** The grow barrier (`growBarrier()`), shared with the search's other stores. */
  readonly barrier: SharedArrayBuffer;
  readonly arena: SharedArrayBuffer;
  readonly parent: SharedArrayBuffer;
  readonly via: SharedArrayBuffer;
  readonly hashes: SharedArrayBuffer;
  readonly table: SharedArrayBuffer;
}

/** The words of a grow barrier, for `sharedBuffers`. */
export const growBarrier = (): SharedArrayBuffer => new SharedArrayBuffer(16);

/** Buffers for up to `capacity` states of W words (`bits`: as for StateStore). */
export function sharedBuffers(
  words: number,
  bits: number,
  capacity: number,
  initialSlots = 1 << 16,
  barrier = growBarrier(),
): SharedBuffers {
  const stride = bits < 32 * words ? words : words + 1;
  let slots = 1;
  while (slots * MAX_LOAD < capacity + 1) slots *= 2;
  const control = new SharedArrayBuffer(CONTROL_WORDS * 4);
  const c = new Int32Array(control);
  const first = Math.min(slots, initialSlots);
  c[MASK] = first - 1;
  c[LIMIT] = Math.floor(first * MAX_LOAD);
  return {
    words,
    bits,
    capacity,
    control,
    barrier,
    arena: new SharedArrayBuffer(capacity * words * 4),
    parent: new SharedArrayBuffer(capacity * 4),
    via: new SharedArrayBuffer(capacity * 2),
    hashes: new SharedArrayBuffer(capacity * 4),
    table: new SharedArrayBuffer(slots * stride * 4),
  };
}

export class SharedStateStore implements Stored {
  readonly words: number;
  readonly capacity: number;
  readonly control: Int32Array;
  readonly barrier: Int32Array;
  readonly arena: Uint32Array;
  readonly parent: Int32Array;
  readonly via: Uint16Array;
  private readonly hashes: Uint32Array;
  private readonly table: Uint32Array;
  /** The table as int32: atomic operations stay on small integers (no uint32 boxing). */
  private readonly slots: Int32Array;
  private readonly stride: number;
  private readonly mark: number;
  /** The last word of a claimed slot whose key is being written. */
  private readonly busy: number;
  private readonly maxSlots: number;
  /** This thread's copy of the table's mask and limit (`refresh` after a rehash). */
  private mask = 0;
  private limit = 0;
  /** This thread's direct-mapped cache of keys known to be stored, W words + 1 each (as in store.ts). */
  private readonly recent: Uint32Array;

  constructor(b: SharedBuffers) {
    this.words = b.words;
    this.capacity = b.capacity;
    const spare = b.bits < 32 * b.words;
    this.stride = spare ? b.words : b.words + 1;
    this.mark = spare ? 0x80000000 : 0;
    this.busy = spare ? 1 : 2;
    this.control = new Int32Array(b.control);
    this.barrier = new Int32Array(b.barrier);
    this.arena = new Uint32Array(b.arena);
    this.parent = new Int32Array(b.parent);
    this.via = new Uint16Array(b.via);
    this.hashes = new Uint32Array(b.hashes);
    this.table = new Uint32Array(b.table);
    this.slots = new Int32Array(b.table);
    this.maxSlots = this.table.length / this.stride;
    this.recent = new Uint32Array((RECENT_MASK + 1) * (this.words + 1));
    this.refresh();
  }

  get count(): number {
    return Atomics.load(this.control, COUNT);
  }

  /** Bytes in use: the arena's stored states and the table at its current size. */
  get bytes(): number {
    return this.count * (this.words * 4 + 10) + (this.mask + 1) * this.stride * 4;
  }

  refresh(): void {
    this.mask = Atomics.load(this.control, MASK);
    this.limit = Atomics.load(this.control, LIMIT);
  }

  /** Some worker saw a table pass its load limit: every worker must meet at the grow barrier. */
  get growing(): boolean {
    return Atomics.load(this.barrier, GROW) !== 0;
  }

  /** Whether the table can still double. */
  get canGrow(): boolean {
    return (this.mask + 1) * 2 <= this.maxSlots;
  }

  /** The hash StateStore uses (`hashKey`). */
  hash(key: Uint32Array, off: number): number {
    return hashKey(key, off, this.words);
  }

  add(key: Uint32Array, off: number, parent: number, via: number): number {
    return this.addHashed(key, off, this.hash(key, off), parent, via);
  }

  /**
   * Add key[off..]: the new state's number, -1 when it was already there, -2 when the arena is full
   * (the caller ends the search with the memory bound).
   */
  addHashed(key: Uint32Array, off: number, h: number, parent: number, via: number): number {
    const W = this.words;
    const n = this.addShared(key, off, h, parent, via);
    if (n === -2) return n;
    // This thread's cache of keys known to be stored (a key, once published, stays): see store.ts.
    const recent = this.recent;
    const r = ((h >>> RECENT_SHIFT) & RECENT_MASK) * (W + 1);
    for (let w = 0; w < W; w++) recent[r + w] = key[off + w]!;
    recent[r + W] = 1;
    return n;
  }

  /** `addHashed` past this thread's cache of stored keys. */
  private addShared(key: Uint32Array, off: number, h: number, parent: number, via: number): number {
    const W = this.words;
    const recent = this.recent;
    const r = ((h >>> RECENT_SHIFT) & RECENT_MASK) * (W + 1);
    cached: for (;;) {
      if (recent[r + W] !== 1) break;
      for (let w = 0; w < W; w++) if (recent[r + w] !== key[off + w]) break cached;
      return -1;
    }
    const S = this.stride;
    const L = S - 1;
    const last = S === W ? key[off + W - 1]! | this.mark : 1;
    const busy = this.busy;
    const table = this.table;
    const slots = this.slots;
    const mask = this.mask;
    let slot = h & mask;
    probe: for (; ; slot = (slot + 1) & mask) {
      const at = slot * S;
      let e = Atomics.load(slots, at + L);
      if (e === 0) {
        if (Atomics.compareExchange(slots, at + L, 0, busy) !== 0) {
          slot = (slot - 1) & mask; // taken meanwhile: look at the same slot again
          continue;
        }
        for (let w = 0; w < L; w++) table[at + w] = key[off + w]!;
        Atomics.store(slots, at + L, last);
        const n = Atomics.add(this.control, COUNT, 1);
        if (n >= this.capacity) return -2;
        const arena = this.arena;
        for (let w = 0; w < W; w++) arena[n * W + w] = key[off + w]!;
        this.parent[n] = parent;
        this.via[n] = via;
        this.hashes[n] = h;
        if (n + 1 >= this.limit) Atomics.store(this.barrier, GROW, 1);
        return n;
      }
      while (e === busy) e = Atomics.load(slots, at + L);
      if (S === W && e !== last) continue;
      for (let w = 0; w < L; w++) if (table[at + w] !== key[off + w]) continue probe;
      return -1;
    }
  }

  /**
   * Double the table if it passed its load limit (while no other thread uses it), placing every state
   * again. False when `allow` refuses the bytes the doubled table touches (the table is left as it is).
   */
  rehash(allow: (bytes: number) => boolean = () => true): boolean {
    const n = Math.min(this.count, this.capacity);
    if (n + 1 < Atomics.load(this.control, LIMIT)) return true;
    let slots = Atomics.load(this.control, MASK) + 1;
    // Past the largest table the load limit only rises: the arena's capacity bounds the states.
    if (slots * 2 > this.maxSlots) {
      Atomics.store(this.control, LIMIT, this.capacity + 1);
      return true;
    }
    if (!allow(slots * this.stride * 4)) return false; // the doubled table's new half
    slots *= 2;
    const S = this.stride;
    const W = this.words;
    const L = S - 1;
    const table = this.table;
    table.fill(0, 0, slots * S);
    const mask = slots - 1;
    for (let i = 0; i < n; i++) {
      let slot = this.hashes[i]! & mask;
      while (table[slot * S + L] !== 0) slot = (slot + 1) & mask;
      const at = slot * S;
      for (let w = 0; w < W; w++) table[at + w] = this.arena[i * W + w]!;
      if (S === W) table[at + W - 1] = (table[at + W - 1]! | this.mark) >>> 0;
      else table[at + W] = 1;
    }
    Atomics.store(this.control, MASK, mask);
    Atomics.store(this.control, LIMIT, Math.floor(slots * MAX_LOAD));
    return true;
  }

  path(n: number): number[] {
    const out: number[] = [];
    for (let i = n; this.parent[i]! >= 0; i = this.parent[i]!) out.push(this.via[i]!);
    return out.reverse();
  }
}

/**
 * Meet every other worker (`workers` in all) at the grow barrier of `stores` (which share it); the
 * last to arrive doubles every table that passed its limit while the others wait. Returns once the
 * tables are ready, or when the search is stopped (a worker that ended its search never arrives):
 * false when `allow` refused a doubling, to the worker that was refused (it ends the search with the
 * memory bound; the others see the stop).
 */
export function joinGrow(
  stores: readonly SharedStateStore[],
  workers: number,
  stopped: () => boolean,
  allow?: (bytes: number) => boolean,
): boolean {
  const c = stores[0]!.barrier;
  const epoch = Atomics.load(c, GROW_EPOCH);
  let ok = true;
  if (Atomics.add(c, GROW_ARRIVED, 1) === workers - 1) {
    for (const s of stores) if (ok) ok = s.rehash(allow);
    Atomics.store(c, GROW_ARRIVED, 0);
    Atomics.store(c, GROW, 0);
    Atomics.add(c, GROW_EPOCH, 1);
    Atomics.notify(c, GROW_EPOCH);
  } else {
    while (Atomics.load(c, GROW_EPOCH) === epoch && !stopped()) Atomics.wait(c, GROW_EPOCH, epoch, 50);
  }
  for (const s of stores) s.refresh();
  return ok;
}
