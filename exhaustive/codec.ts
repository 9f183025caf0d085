/**
 * A packed, canonical encoding of a State as a few 32-bit words, for the exhaustive engine's state
 * set: two states encode to the same words iff they behave the same. Fields are bit-packed in a fixed
 * order sized by the scope (exhaustive/codec-layout.ts, from the state's schema); the creation order
 * of mdevs (the kernel's mdev list order, which decides who comes first in on_scan_complete) and of
 * VMs is part of the key.
 *
 * Limits (checked, an Error otherwise): mdev and VM names are the scope's (m1.., vm1..); masks
 * beyond the scope are all ones or all zeros (the alphabet never writes them); matrices stay in scope.
 */
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { bitPermutation, type Layout, layoutOf } from './codec-layout.ts';
import { KeyReader } from './codec-read.ts';
import { KeyWriter } from './codec-write.ts';

export { fieldOf, type Layout, type MatrixRanges, type Range } from './codec-layout.ts';

export interface Codec {
  readonly scope: Scope;
  /** Words per state. */
  readonly words: number;
  /** Bits actually used. */
  readonly bits: number;
  /** Write s into out[off .. off+words). */
  encode(s: State, out: Uint32Array, off: number): void;
  /**
   * Set the reference state (src[off..off+words) must be its key), or clear it with null: `encode`
   * then copies the sections of any state that shares those parts with it, by identity, from its key.
   * The engine sets the state it expands: most of a successor is its parent's.
   */
  reference(s: State | null, src?: Uint32Array, off?: number): void;
  /** The state stored at buf[off .. off+words). */
  decode(buf: Uint32Array, off: number): State;
  /**
   * For an id permutation (adapters pa, domains pd, control domains pc): srcOf[dst] = the bit of a
   * key that lands on bit dst of the permuted state's key (names unchanged), or -1 for padding.
   */
  bitPermutation(pa: readonly number[], pd: readonly number[], pc: readonly number[]): Int32Array;
  /** Where each leaf of a State lies in the key (exhaustive/memo.ts tracks reads with it). */
  readonly layout: Layout;
}

export function makeCodec(scope: Scope): Codec {
  const { layout, bits, roles } = layoutOf(scope);
  const words = Math.max(1, Math.ceil(bits / 32));
  const writer = new KeyWriter(scope, layout, bits, words);
  const reader = new KeyReader(scope, layout);
  return {
    scope,
    words,
    bits,
    encode: (s, out, off) => writer.encode(s, out, off),
    reference: (s, src, off) => writer.reference(s, src, off),
    decode: (buf, off) => reader.decode(buf, off),
    bitPermutation: (pa, pd, pc) => bitPermutation(roles, words, scope.domains, pa, pd, pc),
    layout,
  };
}
