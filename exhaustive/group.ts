/**
 * The symmetry group's action on states and ops: id permutations (adapters, domains, control
 * domains) and renamings of mdevs and VMs (exhaustive/symmetry.ts reduces the search by it).
 */
import type { Mask } from '../model/bits.ts';
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import type { Matrix, Mdev, QueueDev, State, Vm } from '../model/state.ts';

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
const permMatrix = (x: Matrix, g: IdPerm): Matrix => ({
  apm: permMask(x.apm, g.pa),
  aqm: permMask(x.aqm, g.pd),
  adm: permMask(x.adm, g.pc),
});

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
    log: s.log,
  };
}

/**
 * s with mdevs and VMs renamed by creation order; VMs that are gone but still named (`someNamedVm`: a dirty mark,
 * an mdev's kvm) take the remaining names in their own name order (so that the result does not depend on id order).
 */
export function normaliseNames(
  scope: Scope,
  s: State,
  mdevs: readonly string[] = mdevNames(scope),
  vms: readonly string[] = vmNames(scope),
): State {
  if (namesNormal(s, mdevs, vms)) return s;
  const mn = new Map<string, string>();
  for (const name in s.mdevs) mn.set(name, mdevs[mn.size]!);
  const vn = new Map<string, string>();
  for (const name in s.vms) vn.set(name, vms[vn.size]!);
  if (vn.size < vms.length) {
    const gone = new Set<string>();
    someNamedVm(s, (v) => {
      if (!vn.has(v)) gone.add(v);
      return false;
    });
    for (const v of [...gone].sort()) vn.set(v, vms[vn.size]!);
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
  return !someNamedVm(s, (v) => s.vms[v] === undefined);
}

/**
 * Whether f holds for a VM name s mentions outside its VMs: a dirty mark, or an mdev's `kvm` (a policy may drop the
 * VM and keep the pointer). A VM that is gone but still named is renamed like the VMs, or two such states would merge.
 * f is called on each until it holds.
 */
export function someNamedVm(s: State, f: (v: string) => boolean): boolean {
  for (const v of s.dirty) if (v !== null && f(v)) return true;
  for (const name in s.mdevs) {
    const v = s.mdevs[name]!.kvm;
    if (v !== null && f(v)) return true;
  }
  return false;
}

/** s with mdev and VM names mapped (names not in the maps stay). */
export function renameState(s: State, mn: ReadonlyMap<string, string>, vn: ReadonlyMap<string, string>): State {
  const m = (x: string | null): string | null => (x === null ? null : (mn.get(x) ?? x));
  const v = (x: string | null): string | null => (x === null ? null : (vn.get(x) ?? x));
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
      // Relative writes ("+1", "-0,-1"), as the alphabet and the random engine write them; an absolute mask is
      // left as it is.
      const items = op.value.split(',').map((x) => /^([+-])(\d+)$/.exec(x));
      if (items.some((m) => m === null)) return op;
      const p = op.kind === 'apmask' ? g.pa : g.pd;
      const value = items.map((m) => `${m![1]}${p[Number(m![2])] ?? Number(m![2])}`).join(',');
      return { ...op, value };
    }
    case 'reprobe':
    case 'bind':
    case 'unbind':
    case 'fault':
    case 'driver_override':
    case 'reset_poll':
      return { ...op, apid: g.pa[op.apid] ?? op.apid, apqi: g.pd[op.apqi] ?? op.apqi };
    case 'ap_config': {
      const ids = (l: readonly number[], p: readonly number[]) => l.map((i) => p[i] ?? i).sort((a, b) => a - b);
      return { ...op, apm: ids(op.apm, g.pa), aqm: ids(op.aqm, g.pd), adm: ids(op.adm, g.pc) };
    }
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

export interface GroupElement {
  readonly g: IdPerm;
  readonly mn: ReadonlyMap<string, string>;
  readonly vn: ReadonlyMap<string, string>;
}

export const applyState = (scope: Scope, s: State, e: GroupElement): State =>
  renameState(permuteIds(scope, s, e.g), e.mn, e.vn);

/** e·op: ids permuted, mdev and VM names renamed. */
export function applyOp(op: Op, e: GroupElement): Op {
  const o = permuteOp(op, e.g);
  const m = (x: string): string => e.mn.get(x) ?? x;
  if (o.kind === 'start') return { ...o, mdev: m(o.mdev), vm: e.vn.get(o.vm) ?? o.vm };
  return 'mdev' in o ? { ...o, mdev: m(o.mdev) } : o;
}

/**
 * The most id permutations a symmetry reduction enumerates: 4×4×2 has 1,152 (set up in about 40 ms, 0.7 ms to
 * canonicalise a state); 5×5×1 has 14,400 (0.5 s, 15 ms) and 6×6×1 518,400 (33 s, 1.4 GB). Beyond it the searches
 * run without symmetry reduction, and the random engine's coverage key is the plain packed key.
 */
export const MAX_ID_PERMS = 1152;

const factorial = (n: number): number => (n <= 1 ? 1 : n * factorial(n - 1));

/** How many id permutations the scope has (a!·d!·c!). */
export const idPermCount = (scope: Scope): number =>
  factorial(scope.adapters) * factorial(scope.domains) * factorial(scope.control_domains);

/** The scope's id permutations are few enough to enumerate (MAX_ID_PERMS). */
export const symmetryFits = (scope: Scope): boolean => idPermCount(scope) <= MAX_ID_PERMS;

/** Every id permutation of the scope (adapters, then domains, then control domains), the identity first. */
export function idPerms(scope: Scope): IdPerm[] {
  const perms: IdPerm[] = [];
  for (const pa of permutations(scope.adapters)) {
    for (const pd of permutations(scope.domains)) {
      for (const pc of permutations(scope.control_domains)) perms.push({ pa, pd, pc });
    }
  }
  return perms;
}

/** g is the identity. */
export const isIdentityPerm = (g: IdPerm): boolean => isIdentity(g.pa) && isIdentity(g.pd) && isIdentity(g.pc);

/** Every renaming of the scope's mdevs and VMs (mdev name map, VM name map), the identity first. */
export function renamings(scope: Scope): [ReadonlyMap<string, string>, ReadonlyMap<string, string>][] {
  const mdevs = mdevNames(scope);
  const vms = vmNames(scope);
  const out: [ReadonlyMap<string, string>, ReadonlyMap<string, string>][] = [];
  for (const pm of permutations(scope.mdevs)) {
    for (const pv of permutations(scope.vms)) {
      out.push([new Map(mdevs.map((m, i) => [m, mdevs[pm[i]!]!])), new Map(vms.map((v, i) => [v, vms[pv[i]!]!]))]);
    }
  }
  return out;
}

/** Every element of the group: each id permutation with each renaming. */
export const groupElements = (scope: Scope, perms: readonly IdPerm[]): GroupElement[] =>
  perms.flatMap((g) => renamings(scope).map(([mn, vn]) => ({ g, mn, vn })));
