/**
 * Symmetry reduction of a product search (exhaustive/product.ts): a pair of states (the state under
 * policy A, the state under policy B, reached by the same ops) is one class with every image of it under
 * one group element applied to both halves. Names are normalised jointly (A's mdevs and VMs in creation
 * order, then B's that A has not, then the VMs that are gone but still named, in name order),
 * and ids by trying every id permutation on the two packed keys one after the other, keeping the least
 * concatenation. While a scan is under way in either half, only the permutations that keep the order of
 * the devices each scan still has to add or remove are tried (exhaustive/key-canon.ts `remaining`): the
 * permutations that keep both orders make an equivalence on pairs, as those that keep one order do on
 * states (exhaustive/symmetry.ts). A pair in which a half enters a scan is stored as every id image of
 * it (`canonicalImages`), as the plain search stores a state entering a scan.
 */
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Codec } from './codec.ts';
import { type IdPerm, idPerms, isIdentityPerm, renameState, someNamedVm } from './group.ts';
import { applyProgram, keepLesserImage, compile, KeyCanon } from './key-canon.ts';

export class PairSymmetry {
  /** The id permutations, the identity first. */
  readonly perms: readonly IdPerm[];
  /** Words of a pair's key (two packed states). */
  readonly words: number;
  /** Per non-identity id permutation (KeyCanon's order): its program over a pair's key. */
  private readonly programs: readonly Int32Array[];
  /** The halves' own canonicalisers: their scans' remaining devices. */
  private readonly ka: KeyCanon;
  private readonly kb: KeyCanon;
  private readonly W1: number;
  private readonly tmp: Uint32Array;
  private readonly codecA: Codec;
  private readonly codecB: Codec;
  private readonly mdevs: readonly string[];
  private readonly vms: readonly string[];

  /** Two codecs of the same scope (each keeps its own reference state: exhaustive/codec.ts). */
  constructor(scope: Scope, codecA: Codec, codecB: Codec) {
    this.codecA = codecA;
    this.codecB = codecB;
    this.mdevs = mdevNames(scope);
    this.vms = vmNames(scope);
    const W1 = codecA.words;
    this.W1 = W1;
    this.words = 2 * W1;
    this.perms = idPerms(scope);
    this.ka = new KeyCanon(scope, codecA, this.perms);
    this.kb = new KeyCanon(scope, codecB, this.perms);
    const n = 32 * W1;
    this.programs = this.perms
      .filter((g) => !isIdentityPerm(g))
      .map((g) => {
        const src = codecA.bitPermutation(g.pa, g.pd, g.pc);
        const pair = new Int32Array(2 * n);
        for (let b = 0; b < n; b++) {
          pair[b] = src[b]!;
          pair[n + b] = src[b]! < 0 ? -1 : src[b]! + n;
        }
        return compile(pair, 2 * W1);
      });
    this.tmp = new Uint32Array(2 * W1);
  }

  /** The pair (a, b) with its mdevs and VMs renamed jointly (see the file's comment): one renaming for both. */
  names(a: State, b: State): [State, State] {
    if (this.namesNormal(a, b)) return [a, b];
    const { mdevs, vms } = this;
    const mn = new Map<string, string>();
    for (const name in a.mdevs) mn.set(name, mdevs[mn.size]!);
    for (const name in b.mdevs) if (!mn.has(name)) mn.set(name, mdevs[mn.size]!);
    const vn = new Map<string, string>();
    for (const name in a.vms) vn.set(name, vms[vn.size]!);
    for (const name in b.vms) if (!vn.has(name)) vn.set(name, vms[vn.size]!);
    const gone = new Set<string>();
    const add = (v: string): boolean => {
      if (!vn.has(v)) gone.add(v);
      return false;
    };
    someNamedVm(a, add);
    someNamedVm(b, add);
    for (const v of [...gone].sort()) vn.set(v, vms[vn.size]!);
    let same = true;
    for (const [k, v] of mn) if (k !== v) same = false;
    for (const [k, v] of vn) if (k !== v) same = false;
    if (same) return [a, b];
    return [renameState(a, mn, vn), renameState(b, mn, vn)];
  }

  /** The usual case, without maps: the joint renaming is the identity and no VM that is gone is named. */
  private namesNormal(a: State, b: State): boolean {
    const { mdevs, vms } = this;
    let j = 0;
    for (const name in a.mdevs) if (name !== mdevs[j++]) return false;
    for (const name in b.mdevs) if (a.mdevs[name] === undefined && name !== mdevs[j++]) return false;
    j = 0;
    for (const name in a.vms) if (name !== vms[j++]) return false;
    for (const name in b.vms) if (a.vms[name] === undefined && name !== vms[j++]) return false;
    const gone = (v: string) => a.vms[v] === undefined && b.vms[v] === undefined;
    return !someNamedVm(a, gone) && !someNamedVm(b, gone);
  }

  /** The two halves' keys, names normalised jointly, into out[at .. at+words). */
  private encode(a: State, b: State, out: Uint32Array, at: number): void {
    const [na, nb] = this.names(a, b);
    this.codecA.encode(na, out, at);
    this.codecB.encode(nb, out, at + this.W1);
  }

  /** The canonical key of the pair's class into out[0 .. words). */
  canonical(a: State, b: State, out: Uint32Array): void {
    this.encode(a, b, out, 0);
    this.leastImage(out.subarray(0, this.words));
  }

  /**
   * The canonical keys of every id image of the pair (one of whose halves enters a scan), the identity's
   * first, one after another `stride` words apart in out (words each): perms.length keys.
   */
  canonicalImages(a: State, b: State, out: Uint32Array, stride: number): number {
    const P = this.words;
    this.encode(a, b, out, 0);
    const base = this.tmp;
    base.set(out.subarray(0, P));
    for (let j = 0; j < this.programs.length; j++) applyProgram(this.programs[j]!, base, out, (j + 1) * stride, P);
    for (let j = 0; j <= this.programs.length; j++) this.leastImage(out.subarray(j * stride, j * stride + P));
    return this.programs.length + 1;
  }

  /** out := the least pair key over the id permutations that keep both scans' orders (see the file's comment). */
  leastImage(out: Uint32Array): void {
    const programs = this.programs;
    if (programs.length === 0) return;
    const P = this.words;
    const W1 = this.W1;
    const { ka, kb, tmp } = this;
    const ha = out.subarray(0, W1);
    const hb = out.subarray(W1, P);
    const scanA = ka.scanning(ha);
    const scanB = kb.scanning(hb);
    const leftA = scanA ? ka.remaining(ha) : 0;
    const leftB = scanB ? kb.remaining(hb) : 0;
    tmp.set(out);
    for (let j = 0; j < programs.length; j++) {
      if (leftA > 1 && !ka.keepsOrder(j)) continue;
      if (leftB > 1 && !kb.keepsOrder(j)) continue;
      keepLesserImage(programs[j]!, tmp, out, P);
    }
  }
}
