/**
 * A cursor over a packed key: bits written and read from a bit position, in a word buffer, without
 * allocation (exhaustive/codec.ts). Keys are little-endian bit strings: bit b of a key is bit
 * b & 31 of its word b >>> 5.
 */
export class KeyBits {
  /** The buffer, the word offset of the key in it, and the bit position from the key's start. */
  buf: Uint32Array = new Uint32Array(0);
  base = 0;
  pos = 0;

  /** Point at the key at buf[base..], bit 0. */
  point(buf: Uint32Array, base: number): void {
    this.buf = buf;
    this.base = base;
    this.pos = 0;
  }

  /** Write the n low bits of v (the bits there must be 0) and move on. */
  put(v: number, n: number): void {
    if (n === 0) return;
    const buf = this.buf;
    const pos = this.pos;
    const w = this.base + (pos >>> 5);
    const b = pos & 31;
    buf[w] = (buf[w]! | (v << b)) >>> 0;
    if (b + n > 32) buf[w + 1] = (buf[w + 1]! | (v >>> (32 - b))) >>> 0;
    this.pos = pos + n;
  }

  /** Read n bits and move on. */
  get(n: number): number {
    if (n === 0) return 0;
    const buf = this.buf;
    const pos = this.pos;
    const w = this.base + (pos >>> 5);
    const b = pos & 31;
    let v = buf[w]! >>> b;
    if (b + n > 32) v |= buf[w + 1]! << (32 - b);
    this.pos = pos + n;
    return n === 32 ? v >>> 0 : (v & ((1 << n) - 1)) >>> 0;
  }

  /** Bits [at, end) of the key set to 0, the cursor at `at`. */
  clear(at: number, end: number): void {
    this.pos = at;
    let n = end - at;
    while (n > 0) {
      const w = this.base + (at >>> 5);
      const b = at & 31;
      const k = Math.min(n, 32 - b);
      this.buf[w] = (this.buf[w]! & ~(k === 32 ? -1 : ((1 << k) - 1) << b)) >>> 0;
      at += k;
      n -= k;
    }
  }
}
