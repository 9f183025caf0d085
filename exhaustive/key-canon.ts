/**
 * Symmetry on packed keys (exhaustive/symmetry.ts): each id permutation as a program of shifts and
 * masks over a key's words, and the least image of a key under the permutations that apply to it.
 */
import type { Scope } from '../model/scope.ts';
import { type Codec, fieldOf, type Layout, type Range } from './codec.ts';
import { type IdPerm, isIdentityPerm } from './group.ts';

/**
 * A bit permutation (srcOf[b]: the key bit that lands on bit b, or -1) as a program: for each
 * destination word, its group count, then per group (source word, left shift, mask) with the bits
 * that move from the same source word by the same distance. An id permutation moves whole fields
 * together, so a word needs a handful of groups rather than 32 single-bit moves.
 */
export function compile(srcOf: Int32Array, W: number): Int32Array {
  const out: number[] = [];
  for (let w = 0; w < W; w++) {
    const groups = new Map<number, number>(); // (source word, shift) → mask
    for (let b = 0; b < 32; b++) {
      const src = srcOf[w * 32 + b]!;
      if (src < 0) continue;
      const k = (src >>> 5) * 64 + (b - (src & 31) + 32);
      groups.set(k, (groups.get(k) ?? 0) | (1 << b));
    }
    out.push(groups.size);
    for (const [k, mask] of groups) out.push(Math.floor(k / 64), (k % 64) - 32, mask);
  }
  return Int32Array.from(out);
}

/** The word of a key's image whose groups start at prog[p] (their count first, then 3 numbers per group). */
function programWord(prog: Int32Array, key: Uint32Array, p: number): number {
  const end = p + 1 + 3 * prog[p]!;
  let v = 0;
  for (let q = p + 1; q < end; q += 3) {
    const x = key[prog[q]!]!;
    const d = prog[q + 1]!;
    v |= (d >= 0 ? x << d : x >>> -d) & prog[q + 2]!;
  }
  return v >>> 0;
}

/** out[at..at+W) := the program's image of key[0..W). */
export function applyProgram(prog: Int32Array, key: Uint32Array, out: Uint32Array, at: number, W: number): void {
  for (let w = 0, p = 0; w < W; w++, p += 1 + 3 * prog[p]!) out[at + w] = programWord(prog, key, p);
}

/**
 * Replace `out` (W words) by the image of `key` under `prog` if that image is less: built word by word, giving up
 * as soon as it is greater than `out`.
 */
export function keepLesserImage(prog: Int32Array, key: Uint32Array, out: Uint32Array, W: number): void {
  let better = false;
  for (let w = 0, p = 0; w < W; w++, p += 1 + 3 * prog[p]!) {
    const v = programWord(prog, key, p);
    if (!better) {
      if (v > out[w]!) return;
      if (v < out[w]!) better = true;
    }
    if (better) out[w] = v;
  }
}

const field = (k: Uint32Array, r: Range): number => fieldOf(k, 0, r);

/** The non-identity id permutations of a scope as key programs, and what a key's canonical form needs. */
export class KeyCanon {
  /** Per non-identity id permutation (in `perms` order): its program. */
  readonly programs: readonly Int32Array[];
  /** Per program: the APQN index (a·D + d) each APQN index goes to. */
  private readonly apqnTo: readonly Int32Array[];
  /** The APQN indexes, in id order, that `remaining` found (the first `remN`). */
  private readonly rem: Int32Array;
  private remN = 0;
  private readonly tmp: Uint32Array;
  private readonly W: number;
  private readonly N: number;
  private readonly D: number;
  private readonly L: Layout;
  private readonly mdevs: number;
  private readonly vms: number;
  /** Bits of a name in the mdev and VM creation orders. */
  private readonly mb: number;
  private readonly vb: number;

  constructor(scope: Scope, codec: Codec, perms: readonly IdPerm[]) {
    const W = codec.words;
    const D = scope.domains;
    const N = scope.adapters * D;
    const others = perms.filter((g) => !isIdentityPerm(g));
    this.programs = others.map((g) => compile(codec.bitPermutation(g.pa, g.pd, g.pc), W));
    const to = (g: IdPerm) => Int32Array.from({ length: N }, (_, i) => g.pa[Math.floor(i / D)]! * D + g.pd[i % D]!);
    this.apqnTo = others.map(to);
    this.rem = new Int32Array(N);
    this.tmp = new Uint32Array(W);
    this.W = W;
    this.N = N;
    this.D = D;
    this.L = codec.layout;
    this.mdevs = scope.mdevs;
    this.vms = scope.vms;
    this.mb = scope.mdevs > 0 ? this.L.mdevOrder.n / scope.mdevs : 0;
    this.vb = scope.vms > 0 ? this.L.vmOrder.n / scope.vms : 0;
  }

  /** Key k's scan flag: a scan is under way. */
  scanning(k: Uint32Array): boolean {
    return field(k, this.L.scanFlag) === 1;
  }

  /**
   * The devices a scan under way (key k) still has to add or remove, in the order scan_step takes
   * them (model/bus.ts firstDeviceChange: a queue device exists where the scan's QCI has none, or the
   * reverse). Only scan steps add or remove queue devices, and the scan's QCI is fixed when it starts,
   * so the list only loses its head until the scan completes. An id permutation g that keeps the
   * list's order makes g·s step as g of s steps, through the scan's end: g·s and s are one class.
   * Returns how many there are.
   */
  remaining(k: Uint32Array): number {
    const L = this.L;
    const D = this.D;
    const qa = field(k, L.scan.qci.apm);
    const qd = field(k, L.scan.qci.aqm);
    let n = 0;
    for (let i = 0; i < this.N; i++) {
      const exists = field(k, L.queues[i]!.driver) !== 0;
      const wanted = ((qa >>> Math.floor(i / D)) & 1) === 1 && ((qd >>> (i % D)) & 1) === 1;
      if (exists !== wanted) this.rem[n++] = i;
    }
    this.remN = n;
    return n;
  }

  /** Program j keeps the order of the devices `remaining` found last. */
  keepsOrder(j: number): boolean {
    const to = this.apqnTo[j]!;
    const rem = this.rem;
    for (let x = 1; x < this.remN; x++) if (to[rem[x - 1]!]! > to[rem[x]!]!) return false;
    return true;
  }

  /**
   * Key k's names are in creation order (slot j holds name j+1), and no dirty mark or mdev's kvm is of a VM that is
   * gone (exhaustive/group.ts someNamedVm).
   */
  namesInOrder(k: Uint32Array): boolean {
    const L = this.L;
    const mb = this.mb;
    const vb = this.vb;
    const M = this.mdevs;
    const V = this.vms;
    const order = field(k, L.mdevOrder);
    for (let j = 0; j < M; j++) {
      const v = (order >>> (j * mb)) & ((1 << mb) - 1);
      if (v !== 0 && v !== j + 1) return false;
    }
    const vorder = field(k, L.vmOrder);
    let vmsUp = 0;
    for (let j = 0; j < V; j++) {
      const v = (vorder >>> (j * vb)) & ((1 << vb) - 1);
      if (v !== 0 && v !== j + 1) return false;
      if (v !== 0) vmsUp = j + 1;
    }
    for (const r of L.dirty) if (field(k, r) > vmsUp) return false;
    for (const m of L.mdevs) if (field(k, m.kvm) > vmsUp) return false;
    return true;
  }

  /**
   * out := the least key over the id permutations of out (with a scan under way, those that keep the
   * order of the devices it has left: `remaining`).
   */
  leastImage(out: Uint32Array): void {
    const programs = this.programs;
    if (programs.length === 0) return;
    const W = this.W;
    const tmp = this.tmp;
    const scanning = this.scanning(out);
    const left = scanning ? this.remaining(out) : 0;
    tmp.set(out);
    for (let j = 0; j < programs.length; j++) {
      if (scanning && left > 1 && !this.keepsOrder(j)) continue;
      keepLesserImage(programs[j]!, tmp, out, W);
    }
  }
}
