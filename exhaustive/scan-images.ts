/**
 * The canonical keys of every id image of a state entering a scan (exhaustive/symmetry.ts
 * `canonicalImages`): one encoding, its bit permutations, and one pass over the group per class of
 * images instead of one per image.
 */
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Codec } from './codec.ts';
import { normaliseNames } from './group.ts';
import { applyProgram, type KeyCanon } from './key-canon.ts';

export class ScanImages {
  private readonly scope: Scope;
  private readonly codec: Codec;
  private readonly canon: KeyCanon;
  private readonly mdevs: readonly string[];
  private readonly vms: readonly string[];
  private readonly W: number;
  // The working space: the raw images, a hash table over them, per image its class.
  private readonly raw: Uint32Array;
  private readonly tableSize: number;
  private readonly table: Int32Array;
  private readonly rep: Int32Array;
  private readonly least: Int32Array;
  private readonly order: number[] = [];
  private readonly img: Uint32Array;

  constructor(scope: Scope, codec: Codec, canon: KeyCanon) {
    this.scope = scope;
    this.codec = codec;
    this.canon = canon;
    this.mdevs = mdevNames(scope);
    this.vms = vmNames(scope);
    const W = codec.words;
    const P = canon.programs.length + 1;
    this.W = W;
    this.raw = new Uint32Array(P * W);
    let tableSize = 1;
    while (tableSize < 2 * P) tableSize *= 2;
    this.tableSize = tableSize;
    this.table = new Int32Array(tableSize);
    this.rep = new Int32Array(P);
    this.least = new Int32Array(P);
    this.img = new Uint32Array(W);
  }

  /** The id images of s (name-normalised) into out, the identity's first: perms.length keys. */
  rawImages(s: State, out: Uint32Array): number {
    const W = this.W;
    const programs = this.canon.programs;
    this.codec.encode(normaliseNames(this.scope, s, this.mdevs, this.vms), out, 0);
    const base = out.subarray(0, W);
    for (let j = 0; j < programs.length; j++) applyProgram(programs[j]!, base, out, (j + 1) * W, W);
    return programs.length + 1;
  }

  /** Each image made canonical on its own (`leastImage`): what canonicalImages computes, for tests. */
  each(s: State, out: Uint32Array): number {
    const W = this.W;
    const m = this.rawImages(s, out);
    for (let j = m - 1; j >= 0; j--) this.canon.leastImage(out.subarray(j * W, j * W + W));
    return m;
  }

  /**
   * The same keys as making each image canonical on its own (`each`), at the cost of one pass over
   * the group per class instead of one per image: the images are visited from the least up, and an
   * image not yet placed is the least of its class, whose other members are its images under the
   * permutations `leastImage` would try on it (those that keep the order of the devices the scan has
   * left: they make an equivalence, so every member's least image is that one). An image missing from
   * the table (which would mean the programs are not closed under composition) is made canonical on
   * its own.
   */
  canonical(s: State, out: Uint32Array): number {
    const m = this.rawImages(s, this.raw);
    this.distinct(m);
    this.classes();
    const { W, raw, rep, least } = this;
    for (let j = 0; j < m; j++) {
      const r = rep[j]!;
      if (least[r]! >= 0 && least[r] !== r) {
        out.set(raw.subarray(least[r]! * W, least[r]! * W + W), j * W);
        continue;
      }
      out.set(raw.subarray(r * W, r * W + W), j * W);
      if (least[r] !== r) this.canon.leastImage(out.subarray(j * W, j * W + W));
    }
    return m;
  }

  /** The m raw images hashed: rep[j] the first image equal to image j, `order` the distinct ones, least first. */
  private distinct(m: number): void {
    const { W, raw, table, rep, least, order } = this;
    table.fill(0);
    order.length = 0;
    for (let j = 0; j < m; j++) {
      least[j] = -1;
      const dup = this.find(raw, j * W);
      rep[j] = dup < 0 ? j : dup;
      if (dup >= 0) continue;
      let slot = this.hashOf(raw, j * W);
      while (table[slot] !== 0) slot = (slot + 1) & (this.tableSize - 1);
      table[slot] = j + 1;
      order.push(j);
    }
    order.sort((a, b) => this.compareRaw(a, b));
  }

  /** least[y] := the least image of y's class, for every image y reached from a least one. */
  private classes(): void {
    const { W, raw, least, img, canon } = this;
    const programs = canon.programs;
    for (const x of this.order) {
      if (least[x]! >= 0) continue;
      least[x] = x;
      const k = raw.subarray(x * W, x * W + W);
      const scanning = canon.scanning(k);
      const left = scanning ? canon.remaining(k) : 0;
      for (let j = 0; j < programs.length; j++) {
        if (scanning && left > 1 && !canon.keepsOrder(j)) continue;
        applyProgram(programs[j]!, k, img, 0, W);
        const y = this.find(img, 0);
        if (y >= 0 && least[y]! < 0) least[y] = x;
      }
    }
  }

  private hashOf(k: Uint32Array, at: number): number {
    let h = 0x811c9dc5;
    for (let w = 0; w < this.W; w++) h = Math.imul(h ^ k[at + w]!, 0x01000193);
    return (h ^ (h >>> 15)) & (this.tableSize - 1);
  }

  /** The raw image equal to k[at..at+W), or -1. */
  private find(k: Uint32Array, at: number): number {
    const { W, raw, table } = this;
    for (let slot = this.hashOf(k, at); ; slot = (slot + 1) & (this.tableSize - 1)) {
      const j = table[slot]! - 1;
      if (j < 0) return -1;
      let same = true;
      for (let w = 0; w < W; w++) {
        if (raw[j * W + w] !== k[at + w]) {
          same = false;
          break;
        }
      }
      if (same) return j;
    }
  }

  private compareRaw(a: number, b: number): number {
    const { W, raw } = this;
    for (let w = 0; w < W; w++) {
      const x = raw[a * W + w]!;
      const y = raw[b * W + w]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }
}
