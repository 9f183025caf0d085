/**
 * The frontier of a breadth-first search: the level being expanded (the states stored between two
 * levels' ends, numbered in insertion order) and the order in which its states are handed out. The
 * search core (exhaustive/core.ts) asks for a level, then for its states one by one. In one thread
 * the next level is the states stored since (`LocalFrontier`); in a parallel search the coordinator
 * hands it out in chunks (exhaustive/part.ts).
 */
import { type Codec, fieldOf } from './codec.ts';
import type { Bound, ExhaustiveOptions } from './options.ts';
import type { SearchStore } from './space.ts';

export abstract class Frontier {
  /** The depth of the level being expanded. */
  depth = 0;
  /** The last level entered that has states (the last complete one: stored before it was expanded). */
  last = { start: 0, end: 0, depth: 0 };
  protected start = 0;
  protected end = 0;
  private order: Int32Array | null = null;
  /** The next state of the chunk being handed out (an index into the level), and the chunk's end. */
  private j = 0;
  private chunkEnd = 0;
  protected readonly store: SearchStore;
  private readonly codec: Codec;
  private readonly ordered: boolean;
  private readonly shard: ExhaustiveOptions['shard'];
  /** Words per stored key (a product search's keys hold two states: the order looks at the first). */
  private readonly stride: number;

  constructor(
    store: SearchStore,
    codec: Codec,
    ordered: boolean,
    shard: ExhaustiveOptions['shard'],
    stride = codec.words,
  ) {
    this.store = store;
    this.codec = codec;
    this.ordered = ordered;
    this.shard = shard;
    this.stride = stride;
  }

  /** Move to the next level (the first one on the first call): false when there is none. */
  abstract advance(): boolean;

  /** The search ends early: a bound, or 'done' (nothing left to look for). */
  abstract stop(why: Bound | 'done'): void;

  /** The first state (index into the level) of the next chunk of the level, or -1; its length. */
  protected abstract claim(): number;
  protected abstract readonly chunk: number;

  /** The level [start, end) at `depth` is the one expanded now. */
  protected enter(start: number, end: number, depth: number): void {
    this.start = start;
    this.end = end;
    this.depth = depth;
    if (start < end) this.last = { start, end, depth };
    this.j = this.chunkEnd = start;
    this.order = this.ordered ? levelOrder(this.store, this.codec, start, end, this.stride) : null;
  }

  /** The next state of the level to expand (a shard's own only), or -1 when the level is done. */
  next(): number {
    const shard = this.shard;
    for (;;) {
      while (this.j < this.chunkEnd) {
        const j = this.j++;
        const i = this.order === null ? j : this.order[j - this.start]!;
        if (shard && this.depth === shard.depth && i % shard.n !== shard.k) continue;
        return i;
      }
      const a = this.claim();
      if (a < 0) return -1;
      this.j = a;
      this.chunkEnd = Math.min(a + this.chunk, this.end);
    }
  }
}

/** The frontier in one thread: each level is the states stored while the one before was expanded. */
export class LocalFrontier extends Frontier {
  protected readonly chunk = Infinity;
  private claimed = false;
  private first = true;

  advance(): boolean {
    if (this.first) {
      this.first = false;
      this.enter(0, 1, 0);
    } else this.enter(this.end, this.store.count, this.depth + 1);
    this.claimed = false;
    return this.start < this.end;
  }

  stop(): void {}

  protected claim(): number {
    if (this.claimed) return -1;
    this.claimed = true;
    return this.start;
  }
}

/**
 * The states [start, end) of a level in the order they are expanded (`ExhaustiveOptions.order`):
 * those with a guest first, then those with an mdev, then the rest, each group in state order. `W`: words
 * per stored key, the state the order looks at first.
 */
export function levelOrder(store: SearchStore, codec: Codec, start: number, end: number, W = codec.words): Int32Array {
  const L = codec.layout;
  const arena = store.arena;
  const rank = (n: number): number =>
    fieldOf(arena, n * W, L.vmOrder) !== 0 ? 0 : fieldOf(arena, n * W, L.mdevOrder) !== 0 ? 1 : 2;
  const counts = [0, 0, 0];
  for (let n = start; n < end; n++) counts[rank(n)]!++;
  const at = [0, counts[0]!, counts[0]! + counts[1]!];
  const out = new Int32Array(end - start);
  for (let n = start; n < end; n++) out[at[rank(n)]!++] = n;
  return out;
}
