/**
 * Symmetry reduction: adapters, domains, control domains, mdevs and VMs are interchangeable, so the
 * engine stores one representative per class. Names are normalised by creation order (the first mdev
 * created is m1, …; VMs likewise), which is exact because creation order is part of the state; ids
 * are canonicalised by trying every permutation of adapters, domains and control domains and keeping
 * the least packed key. While a bus scan is under way, only the permutations that keep the id order of
 * the devices the scan still has to add or remove are tried (`remaining`): scan_step handles them in id
 * order. Traces are still reported with the ids that actually ran: `replay` walks
 * the stored path again from the real initial state, choosing at each step an op whose successor has
 * the stored representative.
 *
 * This is sound only if the policy treats ids alike (step(g·s, g·op) = g·step(s, op)). Nothing checks
 * that on every transition: a stored path that cannot be replayed from the real initial state stops
 * `replay` with an error naming the policy as not symmetric, and `--symmetry off` searches without it.
 */
import { type Mask } from '../model/bits.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { Matrix, Mdev, QueueDev, State, Vm } from '../model/state.ts';
import { step } from '../model/step.ts';
import { mdevNames, vmNames } from './alphabet.ts';
import { type Codec, fieldOf, type Range } from './codec.ts';
import type { Stored } from './store.ts';

type Perm = readonly number[];

/** A permutation of the scope: ids map i → p[i]; names map via the records. */
export interface IdPerm {
  readonly pa: Perm;
  readonly pd: Perm;
  readonly pc: Perm;
}

function permutations(n: number): Perm[] {
  if (n === 0) return [[]];
  const out: Perm[] = [];
  for (const p of permutations(n - 1)) {
    for (let i = p.length; i >= 0; i--) out.push([...p.slice(0, i), n - 1, ...p.slice(i)]); // identity first
  }
  return out;
}

const isIdentity = (p: Perm): boolean => p.every((v, i) => v === i);

function permMask(m: Mask, p: Perm): Mask {
  let out = (m & ~((1 << p.length) - 1)) >>> 0; // ids beyond the scope stay where they are
  for (let i = 0; i < p.length; i++) if ((m >>> i) & 1) out |= 1 << p[i]!;
  return (out >>> 0) as Mask;
}
const permMatrix = (x: Matrix, g: IdPerm): Matrix => ({ apm: permMask(x.apm, g.pa), aqm: permMask(x.aqm, g.pd), adm: permMask(x.adm, g.pc) });

/** g·s for an id permutation, names unchanged. */
export function permuteIds(scope: Scope, s: State, g: IdPerm): State {
  const D = scope.domains;
  const N = scope.adapters * D;
  const fault = new Array<State['fault'][number]>(N);
  const dirty = new Array<string | null>(N);
  const queues = new Array<QueueDev | null>(N);
  for (let a = 0; a < scope.adapters; a++) {
    for (let d = 0; d < D; d++) {
      const from = a * D + d;
      const to = g.pa[a]! * D + g.pd[d]!;
      fault[to] = s.fault[from]!;
      dirty[to] = s.dirty[from]!;
      queues[to] = s.queues[from]!;
    }
  }
  const mdevs: Record<string, Mdev> = {};
  for (const name in s.mdevs) {
    const x = s.mdevs[name]!;
    const qtable = new Array<Mask>(x.qtable.length);
    for (let a = 0; a < x.qtable.length; a++) qtable[g.pa[a] ?? a] = permMask(x.qtable[a]!, g.pd);
    mdevs[name] = {
      ...x,
      matrix: permMatrix(x.matrix, g),
      shadow: x.shadow && permMatrix(x.shadow, g),
      qtable,
      pending: x.pending && permMatrix(x.pending, g),
    };
  }
  const vms: Record<string, Vm> = {};
  for (const name in s.vms) vms[name] = { ...s.vms[name]!, crycb: permMatrix(s.vms[name]!.crycb, g) };
  const b = s.bus;
  return {
    host: permMatrix(s.host, g),
    cardOff: permMask(s.cardOff, g.pa),
    fault,
    dirty,
    bus: {
      ...b,
      apmask: permMask(b.apmask, g.pa),
      aqmask: permMask(b.aqmask, g.pd),
      qci: permMatrix(b.qci, g),
      scan: b.scan && { qci: permMatrix(b.scan.qci, g), old: permMatrix(b.scan.old, g), changed: b.scan.changed },
    },
    queues,
    info: permMatrix(s.info, g),
    mdevs,
    vms,
  };
}

/**
 * s with mdevs and VMs renamed by creation order; VMs that are gone but still mark a queue dirty take
 * the remaining names in their own name order (so that the result does not depend on id order).
 */
export function normaliseNames(scope: Scope, s: State, mdevs = mdevNames(scope), vms = vmNames(scope)): State {
  if (namesNormal(s, mdevs, vms)) return s;
  const mn = new Map<string, string>();
  for (const name in s.mdevs) mn.set(name, mdevs[mn.size]!);
  const vn = new Map<string, string>();
  for (const name in s.vms) vn.set(name, vms[vn.size]!);
  if (vn.size < vms.length) {
    const gone = [...new Set(s.dirty.filter((v): v is string => v !== null && !vn.has(v)))].sort();
    for (const v of gone) vn.set(v, vms[vn.size]!);
  }
  let same = true;
  for (const [k, v] of mn) if (k !== v) same = false;
  for (const [k, v] of vn) if (k !== v) same = false;
  if (same) return s;
  return renameState(s, mn, vn);
}

/** The usual case, without building maps: names already in creation order, and no VM that is gone marks a queue. */
function namesNormal(s: State, mdevs: readonly string[], vms: readonly string[]): boolean {
  let j = 0;
  for (const name in s.mdevs) if (name !== mdevs[j++]) return false;
  j = 0;
  for (const name in s.vms) if (name !== vms[j++]) return false;
  for (const v of s.dirty) if (v !== null && s.vms[v] === undefined) return false;
  return true;
}

/** s with mdev and VM names mapped (names not in the maps stay). */
export function renameState(s: State, mn: ReadonlyMap<string, string>, vn: ReadonlyMap<string, string>): State {
  const m = (x: string | null): string | null => (x === null ? null : mn.get(x) ?? x);
  const v = (x: string | null): string | null => (x === null ? null : vn.get(x) ?? x);
  const mdevs: Record<string, Mdev> = {};
  for (const name in s.mdevs) {
    const x = s.mdevs[name]!;
    mdevs[m(name)!] = { ...x, kvm: v(x.kvm) };
  }
  const vmsOut: Record<string, Vm> = {};
  for (const name in s.vms) vmsOut[v(name)!] = { ...s.vms[name]!, hook: m(s.vms[name]!.hook) };
  return {
    ...s,
    dirty: s.dirty.map(v),
    queues: s.queues.map((q) => (q === null || q.link === null ? q : { ...q, link: m(q.link) })),
    // Keys are inserted in the original creation order, which the new names keep.
    mdevs,
    vms: vmsOut,
  };
}

/** The op g·op (ids permuted; names are left alone). */
export function permuteOp(op: Op, g: IdPerm): Op {
  switch (op.kind) {
    case 'apmask':
    case 'aqmask': {
      const m = /^([+-])(\d+)$/.exec(op.value);
      if (!m) return op;
      const p = op.kind === 'apmask' ? g.pa : g.pd;
      return { ...op, value: `${m[1]}${p[Number(m[2])] ?? Number(m[2])}` };
    }
    case 'reprobe':
    case 'bind':
    case 'unbind':
    case 'fault':
      return { ...op, apid: g.pa[op.apid] ?? op.apid, apqi: g.pd[op.apqi] ?? op.apqi };
    case 'card_config':
      return { ...op, apid: g.pa[op.apid] ?? op.apid };
    case 'host': {
      const p = op.resource === 'adapter' ? g.pa : op.resource === 'domain' ? g.pd : g.pc;
      return { ...op, id: p[op.id] ?? op.id };
    }
    case 'assign_adapter':
    case 'unassign_adapter':
      return { ...op, id: g.pa[op.id] ?? op.id };
    case 'assign_domain':
    case 'unassign_domain':
      return { ...op, id: g.pd[op.id] ?? op.id };
    case 'assign_control_domain':
    case 'unassign_control_domain':
      return { ...op, id: g.pc[op.id] ?? op.id };
    default:
      return op;
  }
}

export interface Symmetry {
  /** The id permutations tried per state, the identity first. */
  readonly perms: readonly IdPerm[];
  /** Write the canonical key of s into out[0..W). */
  canonical(s: State, out: Uint32Array): void;
  /**
   * Make key[0..W) canonical in place: on the key alone when its mdev and VM names are already
   * in creation order (the usual case), through a decode otherwise.
   */
  canonicalKey(key: Uint32Array): void;
  /** The ops, with the ids that actually ran, from s0 to stored state n. */
  replay(cfg: Config, s0: State, store: Stored, ops: readonly Op[], n: number): Op[];
  /**
   * Average class size over a sample of the stored states (up to 2,000, spread over the store, taken
   * within `ms` milliseconds: one class costs milliseconds at a large scope): the reduction factor.
   */
  reduction(store: Stored, ms?: number): number;
  /**
   * The canonical keys of every id image of s, a state entering a scan (every image is reachable,
   * and while the scan runs only the permutations that keep its order join images in one class),
   * one after another in out: perms.length keys of W words, duplicates included. On the packed key:
   * one encoding, its bit permutations, each made canonical.
   */
  canonicalImages(s: State, out: Uint32Array): number;
  /** canonicalImages computed image by image (its reference in the tests). */
  canonicalImagesEach(s: State, out: Uint32Array): number;
  /** Every element of the group (id permutation, mdev renaming, VM renaming). */
  readonly elements: readonly GroupElement[];
}

export interface GroupElement {
  readonly g: IdPerm;
  readonly mn: ReadonlyMap<string, string>;
  readonly vn: ReadonlyMap<string, string>;
}

export const applyState = (scope: Scope, s: State, e: GroupElement): State => renameState(permuteIds(scope, s, e.g), e.mn, e.vn);

/** e·op: ids permuted, mdev and VM names renamed. */
export function applyOp(op: Op, e: GroupElement): Op {
  const o = permuteOp(op, e.g);
  const m = (x: string): string => e.mn.get(x) ?? x;
  if (o.kind === 'start') return { ...o, mdev: m(o.mdev), vm: e.vn.get(o.vm) ?? o.vm };
  return 'mdev' in o ? { ...o, mdev: m(o.mdev) } : o;
}

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

export function makeSymmetry(scope: Scope, codec: Codec): Symmetry {
  const perms: IdPerm[] = [];
  for (const pa of permutations(scope.adapters)) {
    for (const pd of permutations(scope.domains)) {
      for (const pc of permutations(scope.control_domains)) perms.push({ pa, pd, pc });
    }
  }
  const mdevs = mdevNames(scope);
  const vms = vmNames(scope);
  const W = codec.words;
  const tmp = new Uint32Array(W);

  // For each non-identity id permutation, the permuted key as shifts and masks of the key's words
  // (exhaustive/symmetry.ts `compile`): a few groups per word instead of one test per bit.
  const others = perms.filter((g) => !(isIdentity(g.pa) && isIdentity(g.pd) && isIdentity(g.pc)));
  const programs = others.map((g) => compile(codec.bitPermutation(g.pa, g.pd, g.pc), W));
  const D = scope.domains;
  const N = scope.adapters * D;
  /** Per program: the APQN index (a·D + d) each APQN index goes to. */
  const apqnTo = others.map((g) => Int32Array.from({ length: N }, (_, i) => g.pa[Math.floor(i / D)]! * D + g.pd[i % D]!));

  function canonical(s: State, out: Uint32Array): void {
    codec.encode(normaliseNames(scope, s, mdevs, vms), out, 0);
    leastImage(out);
  }

  const L = codec.layout;
  const field = (k: Uint32Array, r: Range): number => fieldOf(k, 0, r);
  /** The APQN indexes, in id order, of `remaining` (its first `rem.n` entries). */
  const rem = Object.assign(new Int32Array(N), { n: 0 });
  /**
   * The devices a scan under way (key k) still has to add or remove, in the order scan_step takes
   * them (model/bus.ts firstDeviceChange: a queue device exists where the scan's QCI has none, or the
   * reverse). Only scan steps add or remove queue devices, and the scan's QCI is fixed when it starts,
   * so the list only loses its head until the scan completes. An id permutation g that keeps the
   * list's order makes g·s step as g of s steps, through the scan's end: g·s and s are one class.
   */
  function remaining(k: Uint32Array): void {
    const qa = field(k, L.scan.qci.apm);
    const qd = field(k, L.scan.qci.aqm);
    rem.n = 0;
    for (let i = 0; i < N; i++) {
      const exists = field(k, L.queues[i]!.driver) !== 0;
      const wanted = ((qa >>> Math.floor(i / D)) & 1) === 1 && ((qd >>> i % D) & 1) === 1;
      if (exists !== wanted) rem[rem.n++] = i;
    }
  }
  /** Program j keeps the order of the devices in `rem`. */
  function keepsOrder(j: number): boolean {
    const to = apqnTo[j]!;
    for (let x = 1; x < rem.n; x++) if (to[rem[x - 1]!]! > to[rem[x]!]!) return false;
    return true;
  }
  const mb = scope.mdevs > 0 ? L.mdevOrder.n / scope.mdevs : 0;
  const vb = scope.vms > 0 ? L.vmOrder.n / scope.vms : 0;
  /** Names in creation order (slot j holds name j+1), and no dirty mark of a VM that is gone. */
  function namesInOrder(k: Uint32Array): boolean {
    const order = field(k, L.mdevOrder);
    for (let j = 0; j < scope.mdevs; j++) {
      const v = (order >>> (j * mb)) & ((1 << mb) - 1);
      if (v !== 0 && v !== j + 1) return false;
    }
    const vorder = field(k, L.vmOrder);
    let vmsUp = 0;
    for (let j = 0; j < scope.vms; j++) {
      const v = (vorder >>> (j * vb)) & ((1 << vb) - 1);
      if (v !== 0 && v !== j + 1) return false;
      if (v !== 0) vmsUp = j + 1;
    }
    for (const r of L.dirty) if (field(k, r) > vmsUp) return false;
    return true;
  }

  function canonicalKey(k: Uint32Array): void {
    if (!namesInOrder(k)) {
      canonical(codec.decode(k, 0), k);
      return;
    }
    leastImage(k);
  }

  /**
   * out := the least key over the id permutations of out (with a scan under way, those that keep the
   * order of the devices it has left: `remaining`).
   */
  function leastImage(out: Uint32Array): void {
    if (programs.length === 0) return;
    const scanning = field(out, L.scanFlag) === 1;
    if (scanning) remaining(out);
    tmp.set(out);
    for (let j = 0; j < programs.length; j++) {
      if (scanning && rem.n > 1 && !keepsOrder(j)) continue;
      const prog = programs[j]!;
      // Build the permuted key word by word; give up as soon as it is greater than the best so far.
      let better = false;
      let p = 0;
      for (let w = 0; w < W; w++) {
        const groups = prog[p++]!;
        let v = 0;
        for (let j = 0; j < groups; j++, p += 3) {
          const x = tmp[prog[p]!]!;
          const d = prog[p + 1]!;
          v |= (d >= 0 ? x << d : x >>> -d) & prog[p + 2]!;
        }
        v >>>= 0;
        if (!better) {
          if (v > out[w]!) break;
          if (v < out[w]!) better = true;
        }
        if (better) out[w] = v;
      }
    }
  }

  const key = new Uint32Array(W);
  function replay(cfg: Config, s0: State, store: Stored, ops: readonly Op[], n: number): Op[] {
    const chain: number[] = [];
    for (let i = n; i > 0; i = store.parent[i]!) chain.push(i);
    chain.reverse();
    // Real states whose class is the stored one, step by step (all the symmetric images the path
    // allows, so that a scan entered from any of them can be matched exactly).
    type Cand = { s: State; op: Op | null; from: Cand | null };
    let cands: Cand[] = [{ s: s0, op: null, from: null }];
    const raw = new Uint32Array(W);
    for (const target of chain) {
      const want = store.arena.subarray(target * W, target * W + W);
      const next: Cand[] = [];
      const seen = new Set<string>();
      for (const c of cands) {
        for (const op of ops) {
          const r = step(cfg, c.s, op);
          if (r.state === c.s) continue;
          canonical(r.state, key);
          if (!key.every((w, i) => w === want[i])) continue;
          codec.encode(r.state, raw, 0);
          const k = raw.join(',') + JSON.stringify(Object.keys(r.state.mdevs)) + JSON.stringify(Object.keys(r.state.vms));
          if (seen.has(k)) continue;
          seen.add(k);
          next.push({ s: r.state, op, from: c });
        }
        if (next.length >= 256) break;
      }
      if (next.length === 0) throw new Error('symmetry: a stored path cannot be replayed from the initial state (the policy is not symmetric)');
      cands = next;
    }
    const out: Op[] = [];
    for (let c: Cand | null = cands[0]!; c !== null && c.op !== null; c = c.from) out.push(c.op);
    return out.reverse();
  }

  const elements: GroupElement[] = [];
  for (const g of perms) {
    for (const pm of permutations(scope.mdevs)) {
      for (const pv of permutations(scope.vms)) {
        elements.push({ g, mn: new Map(mdevs.map((m, i) => [m, mdevs[pm[i]!]!])), vn: new Map(vms.map((v, i) => [v, vms[pv[i]!]!])) });
      }
    }
  }

  function reduction(store: Stored, ms = 200): number {
    const sample = Math.min(store.count, 2000);
    if (sample === 0) return 1;
    const stride = Math.max(1, Math.floor(store.count / sample));
    // Coarse to fine (every 64th sample point, then the 32nd … then every one), so that a sample cut
    // short by the time limit is still spread over the whole store.
    const end = Date.now() + ms;
    let total = 0;
    let k = 0;
    for (let step = 64; step >= 1 && (k === 0 || Date.now() < end); step >>= 1) {
      for (let x = 0; x < sample; x += step) {
        if (step < 64 && x % (2 * step) === 0) continue; // taken at the coarser step
        if (k > 0 && Date.now() >= end) break;
        total += classSize(codec.decode(store.arena, x * stride * W));
        k++;
      }
    }
    return total / k;
  }

  /**
   * Distinct states in the class of s: every group element (while a scan is under way, those whose id
   * permutation keeps the order of the devices it has left).
   */
  function classSize(s: State): number {
    const seen = new Set<string>();
    codec.encode(s, tmp, 0);
    const scanning = s.bus.scan !== null;
    if (scanning) remaining(tmp);
    // An id permutation's image of the key is its bit program's (`compile`): one encoding per
    // renaming of mdevs and VMs, then the programs on the packed key.
    for (const [mn, vn] of renamings) {
      codec.encode(renameState(s, mn, vn), named, 0);
      seen.add(named.join(','));
      for (let j = 0; j < programs.length; j++) {
        if (scanning && !keepsOrder(j)) continue;
        applyProgram(programs[j]!, named, img, 0);
        seen.add(img.join(','));
      }
    }
    return seen.size;
  }
  const named = new Uint32Array(W);
  const renamings: [ReadonlyMap<string, string>, ReadonlyMap<string, string>][] = [];
  for (const pm of permutations(scope.mdevs)) {
    for (const pv of permutations(scope.vms)) {
      renamings.push([new Map(mdevs.map((m, i) => [m, mdevs[pm[i]!]!])), new Map(vms.map((v, i) => [v, vms[pv[i]!]!]))]);
    }
  }

  /** The id images of s (name-normalised) into out, the identity's first: perms.length keys. */
  function rawImages(s: State, out: Uint32Array): number {
    codec.encode(normaliseNames(scope, s, mdevs, vms), out, 0);
    const base = out.subarray(0, W);
    for (let j = 0; j < programs.length; j++) applyProgram(programs[j]!, base, out, (j + 1) * W);
    return programs.length + 1;
  }

  /** out[at..at+W) := the program's image of key[0..W). */
  function applyProgram(prog: Int32Array, key: Uint32Array, out: Uint32Array, at: number): void {
    let p = 0;
    for (let w = 0; w < W; w++) {
      const groups = prog[p++]!;
      let v = 0;
      for (let g = 0; g < groups; g++, p += 3) {
        const x = key[prog[p]!]!;
        const d = prog[p + 1]!;
        v |= (d >= 0 ? x << d : x >>> -d) & prog[p + 2]!;
      }
      out[at + w] = v >>> 0;
    }
  }

  /** Each image made canonical on its own (`leastImage`): what canonicalImages computes, for tests. */
  function canonicalImagesEach(s: State, out: Uint32Array): number {
    const m = rawImages(s, out);
    for (let j = m - 1; j >= 0; j--) leastImage(out.subarray(j * W, j * W + W));
    return m;
  }

  // canonicalImages' working space: the raw images, a hash table over them, per image its class.
  const P = programs.length + 1;
  const raw = new Uint32Array(P * W);
  let tableSize = 1;
  while (tableSize < 2 * P) tableSize *= 2;
  const table = new Int32Array(tableSize);
  const rep = new Int32Array(P);
  const least = new Int32Array(P);
  const order: number[] = [];
  const img = new Uint32Array(W);
  const hashOf = (k: Uint32Array, at: number): number => {
    let h = 0x811c9dc5;
    for (let w = 0; w < W; w++) h = Math.imul(h ^ k[at + w]!, 0x01000193);
    return (h ^ (h >>> 15)) & (tableSize - 1);
  };
  const sameKey = (a: Uint32Array, at: number, b: Uint32Array, bt: number): boolean => {
    for (let w = 0; w < W; w++) if (a[at + w] !== b[bt + w]) return false;
    return true;
  };
  /** The raw image equal to k[at..at+W), or -1. */
  const find = (k: Uint32Array, at: number): number => {
    for (let slot = hashOf(k, at); ; slot = (slot + 1) & (tableSize - 1)) {
      const j = table[slot]! - 1;
      if (j < 0) return -1;
      if (sameKey(raw, j * W, k, at)) return j;
    }
  };
  const compareRaw = (a: number, b: number): number => {
    for (let w = 0; w < W; w++) {
      const x = raw[a * W + w]!;
      const y = raw[b * W + w]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  };

  /**
   * The same keys as making each image canonical on its own (canonicalImagesEach), at the cost of one
   * pass over the group per class instead of one per image: the images are visited from the least up,
   * and an image not yet placed is the least of its class, whose other members are its images under
   * the permutations `leastImage` would try on it (those that keep the order of the devices the scan
   * has left: they make an equivalence, so every member's least image is that one). An image
   * missing from the table (which would mean the programs are not closed under composition) is made
   * canonical on its own.
   */
  function canonicalImages(s: State, out: Uint32Array): number {
    const m = rawImages(s, raw);
    table.fill(0);
    order.length = 0;
    for (let j = 0; j < m; j++) {
      least[j] = -1;
      const dup = find(raw, j * W);
      rep[j] = dup < 0 ? j : dup;
      if (dup >= 0) continue;
      let slot = hashOf(raw, j * W);
      while (table[slot] !== 0) slot = (slot + 1) & (tableSize - 1);
      table[slot] = j + 1;
      order.push(j);
    }
    order.sort(compareRaw);
    for (const x of order) {
      if (least[x]! >= 0) continue;
      least[x] = x;
      const k = raw.subarray(x * W, x * W + W);
      const scanning = field(k, L.scanFlag) === 1;
      if (scanning) remaining(k);
      for (let j = 0; j < programs.length; j++) {
        if (scanning && rem.n > 1 && !keepsOrder(j)) continue;
        applyProgram(programs[j]!, k, img, 0);
        const y = find(img, 0);
        if (y >= 0 && least[y]! < 0) least[y] = x;
      }
    }
    for (let j = 0; j < m; j++) {
      const r = rep[j]!;
      if (least[r]! >= 0 && least[r] !== r) {
        out.set(raw.subarray(least[r]! * W, least[r]! * W + W), j * W);
        continue;
      }
      out.set(raw.subarray(r * W, r * W + W), j * W);
      if (least[r] !== r) leastImage(out.subarray(j * W, j * W + W));
    }
    return m;
  }

  return { perms, canonical, canonicalKey, replay, reduction, canonicalImages, canonicalImagesEach, elements };
}
