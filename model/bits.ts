/**
 * Sets of adapter / domain ids as branded uint32 bitmasks, bit i = id i (LSB0).
 * Every bit operation of the model lives here; this is also the only code that knows the
 * kernel's MSB0 hex rendering (set_bit_inv / test_bit_inv, spec §2).
 */
export type Mask = number & { readonly __mask: unique symbol };

/** Largest id the model can represent (the kernel allows 0..255; scopes stay small). */
export const MAX_ID = 31;

export const EMPTY = 0 as Mask;
export const has = (m: Mask, id: number): boolean => ((m >>> id) & 1) === 1;
export const add = (m: Mask, id: number): Mask => ((m | (1 << id)) >>> 0) as Mask;
export const del = (m: Mask, id: number): Mask => ((m & ~(1 << id)) >>> 0) as Mask;
export const and = (a: Mask, b: Mask): Mask => ((a & b) >>> 0) as Mask;
export const or = (a: Mask, b: Mask): Mask => ((a | b) >>> 0) as Mask;
export const minus = (a: Mask, b: Mask): Mask => ((a & ~b) >>> 0) as Mask;
export const intersects = (a: Mask, b: Mask): boolean => (a & b) !== 0;
export const isEmpty = (m: Mask): boolean => m === 0;
export const subset = (a: Mask, b: Mask): boolean => (a & ~b) === 0;
/** ids 0..n-1 (n ≤ 32). */
export const range = (n: number): Mask => ((n >= 32 ? 0xffffffff : (1 << n) - 1) >>> 0) as Mask;
export const of = (...ids: readonly number[]): Mask => ids.reduce<Mask>((m, id) => add(m, id), EMPTY);
export const count = (m: Mask): number => {
  let v = m >>> 0;
  let n = 0;
  while (v !== 0) {
    v &= v - 1;
    n++;
  }
  return n;
};

/** Ids in ascending order. */
export function ids(m: Mask): number[] {
  const out: number[] = [];
  let v = m >>> 0;
  while (v !== 0) {
    const low = v & -v;
    out.push(31 - Math.clz32(low));
    v = (v ^ low) >>> 0;
  }
  return out;
}

/** Lowest id in the mask, or -1. */
export const lowest = (m: Mask): number => (m === 0 ? -1 : 31 - Math.clz32((m & -m) >>> 0));

/**
 * The kernel's rendering of a 256-bit mask: `0x` + 64 lower-case hex digits, MSB0 (bit 0 is the
 * leftmost bit). Bits 32..255 lie outside the model and are all set or all clear (`high`).
 */
export function toKernelHex(m: Mask, high = false): string {
  let first = '';
  for (let nibble = 0; nibble < 8; nibble++) {
    let v = 0;
    for (let b = 0; b < 4; b++) if (has(m, nibble * 4 + b)) v |= 8 >> b;
    first += v.toString(16);
  }
  return '0x' + first + (high ? 'f' : '0').repeat(56);
}
