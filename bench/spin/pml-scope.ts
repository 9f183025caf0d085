/**
 * What every part of the Promela generator shares: the generator's options, the scope's sizes, and the
 * layout of the per-APQN arrays.
 */
import type { Scope } from '../../model/scope.ts';

export interface GenOptions {
  /** Pack scalars as `unsigned x : w` bit-fields (smaller state vector) instead of bytes. */
  readonly bitfields?: boolean;
  /**
   * Scratch variables: 'reset' (default) keeps them in the state vector and zeroes them at the end of
   * every d_step, so they never tell states apart; 'hidden' leaves them out of the vector (DFS only:
   * pan refuses -DBFS with hidden variables).
   */
  readonly scratch?: 'reset' | 'hidden';
  /** Debugging: printf the op index and the whole state after every d_step (pan prints it with -DPRINTF). */
  readonly dump?: boolean;
}

/** The scope's sizes, as the generated model's `#define`s name them. */
export interface PmlScope {
  readonly scope: Scope;
  /** adapters, domains, control domains, mdevs, VMs, APQNs (A × D). */
  readonly A: number;
  readonly D: number;
  readonly C: number;
  readonly M: number;
  readonly V: number;
  readonly N: number;
  /** Every APQN of the scope, in (adapter, domain) order. */
  readonly all: readonly (readonly [number, number])[];
  /** The index of APQN (a, d) in the per-APQN arrays (`fault`, `dirty`, `qdrv`, `qreset`): a × D + d. */
  readonly qi: (a: number, d: number) => number;
}

/** The scopes the generated model supports: bit masks of at most 8 bits, slot numbers below NOSLOT. */
export function pmlScope(scope: Scope): PmlScope {
  const { adapters: A, domains: D, control_domains: C, mdevs: M, vms: V } = scope;
  if (A > 8 || D > 8 || C > 8 || M > 8 || V > 8) throw new Error('gen-pml: scopes up to 8 of each');
  const all: [number, number][] = [];
  for (let a = 0; a < A; a++) for (let d = 0; d < D; d++) all.push([a, d]);
  return { scope, A, D, C, M, V, N: A * D, all, qi: (a, d) => a * D + d };
}

/** A mask with the low n bits set. */
export const full = (n: number): number => (1 << n) - 1;

/** `m3` → 3, `vm2` → 2 (0 stands for null in the Promela state). */
export const nameIndex = (prefix: string, name: string): number => {
  const m = new RegExp(`^${prefix}(\\d+)$`).exec(name);
  if (!m) throw new Error(`gen-pml: unsupported name ${name}`);
  return Number(m[1]);
};
