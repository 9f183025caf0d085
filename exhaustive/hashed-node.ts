/**
 * Hashed nodes of the transition cache's walk trees (exhaustive/memo.ts). A walk node branches on
 * the concatenated values of a few key fields. Extracting them one by one costs a dozen operations
 * per field; a hashed node instead masks its fields' bits out of (at most) two key words, shifts
 * them down to bit 0 and multiplies:
 * slot = (imul((word0 & m0) >> s0, k0) + imul((word1 & m1) >> s1, k1)) >>> (32 - bits). The
 * multipliers are drawn until the slot is one-to-one on the 2^bits values the fields can take, so
 * the node is exact: the masked words are a function of the fields' values alone, and distinct
 * values land in distinct slots. The link table may be up to 2^SPARE times the plain node's (the
 * unused slots are never reached).
 */

export interface HashedNode {
  /** Slot bits: the link table has 2^bits slots (the fields' total width, or up to SPARE more). */
  readonly bits: number;
  /** Key word, mask, shift and multiplier of each of the two words (the second unused: mask 0). */
  readonly w0: number;
  readonly m0: number;
  readonly s0: number;
  readonly k0: number;
  readonly w1: number;
  readonly m1: number;
  readonly s1: number;
  readonly k1: number;
  /** The slot of each value, indexed by the fields' values concatenated (first field highest). */
  readonly slot: Int32Array;
}

/** Words in front of a hashed node's link table: -bits, w0, m0, s0, k0, w1, m1, s1, k1. */
export const HASHED = 9;

/** Multipliers tried per table size before giving up (a plain node is built then). */
const TRIES = 64;
/** Table sizes tried: from the fields' width to SPARE bits more. */
const SPARE = 2;

/** A deterministic xorshift32 generator of multipliers (the same trees on every run). */
export function multipliers(seed = 0x9e3779b9): () => number {
  let x = seed | 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x;
  };
}

/**
 * A hashed node for `fields` (each at·32 + n, as in the walk trees), or null when they span more than
 * two key words, have no bits (x >>> 32 is x >>> 0 in JavaScript) or no multipliers were found.
 */
export function hashNode(fields: readonly number[], rnd: () => number): HashedNode | null {
  const words: number[] = [];
  let bits = 0;
  for (const f of fields) {
    const at = f >>> 5;
    const n = f & 31;
    bits += n;
    for (const w of [at >>> 5, (at + n - 1) >>> 5]) if (!words.includes(w)) words.push(w);
  }
  if (words.length > 2 || bits === 0 || bits > 16) return null;
  const w0 = words[0]!;
  const two = words.length === 2;
  const w1 = two ? words[1]! : w0;
  // The two masked words for each value of the fields.
  const N = 1 << bits;
  const x0 = new Int32Array(N);
  const x1 = new Int32Array(N);
  let m0 = 0;
  let m1 = 0;
  for (let j = 0; j < N; j++) {
    let shift = bits;
    for (const f of fields) {
      const at = f >>> 5;
      const n = f & 31;
      shift -= n;
      const v = (j >>> shift) & ((1 << n) - 1);
      for (let t = 0; t < n; t++) {
        const bit = 1 << ((at + t) & 31);
        const one = (v >>> t) & 1 ? bit : 0;
        if ((at + t) >>> 5 === w0) {
          x0[j] = x0[j]! | one;
          m0 |= bit;
        } else {
          x1[j] = x1[j]! | one;
          m1 |= bit;
        }
      }
    }
  }
  // Shift each word's bits down to bit 0: a product only carries bits upwards, to the slot bits.
  const s0 = 31 - Math.clz32(m0 & -m0);
  const s1 = m1 === 0 ? 0 : 31 - Math.clz32(m1 & -m1);
  for (let j = 0; j < N; j++) {
    x0[j] = x0[j]! >> s0;
    x1[j] = x1[j]! >> s1;
  }
  const slot = new Int32Array(N);
  for (let tb = bits; tb <= bits + SPARE && tb <= 16; tb++) {
    const used = new Uint8Array(1 << tb);
    for (let t = 0; t < TRIES; t++) {
      const k0 = rnd();
      const k1 = two ? rnd() : 0;
      used.fill(0);
      let ok = true;
      for (let j = 0; j < N && ok; j++) {
        const x = ((Math.imul(x0[j]!, k0) + Math.imul(x1[j]!, k1)) | 0) >>> (32 - tb);
        ok = used[x] === 0;
        used[x] = 1;
        slot[j] = x;
      }
      if (ok) return { bits: tb, w0, m0, s0, k0, w1, m1, s1, k1, slot };
    }
  }
  return null;
}
