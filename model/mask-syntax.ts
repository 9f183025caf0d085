import { add, del, MAX_ID, type Mask } from './bits.ts';

/** A bus mask as the model keeps it: ids 0..31, and bits 32..255 as one uniform flag (printing only). */
export interface BusMask {
  readonly mask: Mask;
  readonly high: boolean;
}

const AP_BITS = 256;

/** simple_strtoul(str, &end, 0): base from the prefix (0x → 16, 0 → 8, else 10). Returns [value, end]. */
function strtoul0(str: string, i: number): [number, number] {
  let base = 10;
  if (str[i] === '0' && (str[i + 1] === 'x' || str[i + 1] === 'X') && /[0-9a-fA-F]/.test(str[i + 2] ?? '')) {
    base = 16;
    i += 2;
  } else if (str[i] === '0') base = 8;
  let v = 0;
  for (; i < str.length; i++) {
    const dg = parseInt(str[i]!, 16);
    if (Number.isNaN(dg) || dg >= base) break;
    v = Math.min(v * base + dg, 2 ** 40);
  }
  return [v, i];
}

/** hex2bitmap(): absolute syntax, MSB0, left-aligned, at most 64 hex digits, one optional newline. */
function hex2bitmap(str: string): BusMask | 'EINVAL' {
  let i = 0;
  if (str[0] === '0' && str[1] === 'x') i++;
  if (str[i] === 'x') i++;
  let mask = 0 as Mask;
  let highOnes = 0;
  let bit = 0;
  for (; i < str.length && /[0-9a-fA-F]/.test(str[i]!) && bit < AP_BITS; i++, bit += 4) {
    const b = parseInt(str[i]!, 16);
    for (let n = 0; n < 4; n++) {
      if ((b & (8 >> n)) === 0) continue;
      if (bit + n <= MAX_ID) mask = add(mask, bit + n);
      else highOnes++;
    }
  }
  if (str[i] === '\n') i++;
  if (i < str.length) return 'EINVAL';
  return { mask, high: highOnes === AP_BITS - (MAX_ID + 1) };
}

/** modify_bitmap(): relative syntax, comma-separated `+N`, `-N`, `+A-B`, `-A-B`, applied in order. */
function modifyBitmap(str: string, cur: BusMask): BusMask | 'EINVAL' {
  let { mask, high } = cur;
  let i = 0;
  while (i < str.length) {
    const sign = str[i++];
    if (sign !== '+' && sign !== '-') return 'EINVAL';
    let [a, np] = strtoul0(str, i);
    if (np === i || a >= AP_BITS) return 'EINVAL';
    i = np;
    let z = a;
    if (str[i] === '-') {
      [z, np] = strtoul0(str, ++i);
      if (np === i || a > z || z >= AP_BITS) return 'EINVAL';
      i = np;
    }
    for (let id = a; id <= Math.min(z, MAX_ID); id++) mask = sign === '+' ? add(mask, id) : del(mask, id);
    // Bits 32..255 are outside the model: only a term covering all of them changes the flag.
    if (a <= MAX_ID + 1 && z === AP_BITS - 1) high = sign === '+';
    while (str[i] === ',' || str[i] === '\n') i++;
  }
  return { mask, high };
}

/**
 * ap_parse_mask_str(): a write to /sys/bus/ap/apmask or aqmask (spec §4.2). Relative when it starts
 * with + or -, absolute otherwise. EINVAL for anything the kernel refuses.
 */
export function parseMaskWrite(value: string, cur: BusMask): BusMask | 'EINVAL' {
  return value.startsWith('+') || value.startsWith('-') ? modifyBitmap(value, cur) : hex2bitmap(value);
}
