/**
 * A packed, canonical encoding of a State as a few 32-bit words, for the exhaustive engine's state
 * set: two states encode to the same words iff they behave the same. Fields are bit-packed in a fixed
 * order sized by the scope; the creation order of mdevs (the kernel's mdev list order, which decides
 * who comes first in on_scan_complete) and of VMs is part of the key.
 *
 * Limits (checked, an Error otherwise): mdev and VM names are the scope's (m1.., vm1..); masks
 * beyond the scope are all ones or all zeros (the alphabet never writes them); matrices stay in scope.
 */
import { type Mask, range } from '../model/bits.ts';
import type { Scope } from '../model/scope.ts';
import type { Driver, Fault, Matrix, Mdev, QueueDev, ResetStatus, State, Vm } from '../model/state.ts';
import { mdevNames, vmNames } from './alphabet.ts';

const FAULTS: readonly Fault[] = ['none', 'checkstop', 'reset_fails'];
const RESETS: readonly ResetStatus[] = ['normal', 'deconfigured', 'checkstopped', 'failed'];
const bitsFor = (n: number): number => (n <= 1 ? 0 : 32 - Math.clz32(n - 1));

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

/** Bits [at, at+n) of a key. */
export interface Range {
  readonly at: number;
  readonly n: number;
}
export interface MatrixRanges {
  readonly apm: Range;
  readonly aqm: Range;
  readonly adm: Range;
}
/**
 * The key's fields in encode order. A queue's `driver` range also says whether the queue exists
 * (0 = no device); `shadow`, `pending` and `scan` have a flag bit saying whether they are null; the
 * mdev and VM order ranges also say which exist; a bus mask's range includes its beyond-scope bit.
 */
export interface Layout {
  readonly host: MatrixRanges;
  readonly cardOff: Range;
  readonly fault: readonly Range[];
  readonly dirty: readonly Range[];
  readonly apmask: Range;
  readonly aqmask: Range;
  readonly apmaskHigh: Range;
  readonly aqmaskHigh: Range;
  readonly qci: MatrixRanges;
  readonly scanFlag: Range;
  readonly scan: { readonly qci: MatrixRanges; readonly old: MatrixRanges; readonly changed: Range };
  readonly queues: readonly { readonly driver: Range; readonly link: Range; readonly reset: Range }[];
  readonly info: MatrixRanges;
  readonly mdevOrder: Range;
  readonly mdevs: readonly {
    readonly matrix: MatrixRanges;
    readonly shadowFlag: Range;
    readonly shadow: MatrixRanges;
    readonly qtable: readonly Range[];
    readonly kvm: Range;
    readonly pendingFlag: Range;
    readonly pending: MatrixRanges;
    readonly removing: Range;
  }[];
  readonly vmOrder: Range;
  readonly vms: readonly { readonly crycb: MatrixRanges; readonly hook: Range }[];
}

/** Field r of the key at key[off..] (r.n ≤ 32). */
export function fieldOf(key: Uint32Array, off: number, r: Range): number {
  const w = off + (r.at >>> 5);
  const b = r.at & 31;
  let v = key[w]! >>> b;
  if (b + r.n > 32) v |= key[w + 1]! << (32 - b);
  return r.n >= 32 ? v >>> 0 : (v & ((1 << r.n) - 1)) >>> 0;
}

/** The layout encode() writes, field by field (a test checks it against encode). */
function layoutOf(A: number, D: number, C: number, M: number, V: number, mb: number, vb: number): Layout {
  let at = 0;
  const r = (n: number): Range => {
    const x = { at, n };
    at += n;
    return x;
  };
  const mx = (): MatrixRanges => ({ apm: r(A), aqm: r(D), adm: r(C) });
  const N = A * D;
  const each = <T>(k: number, f: () => T): T[] => Array.from({ length: k }, f);
  const host = mx();
  const cardOff = r(A);
  const fault = each(N, () => r(2));
  const dirty = each(N, () => r(vb));
  const apmask = r(A + 1);
  const aqmask = r(D + 1);
  const apmaskHigh = r(1);
  const aqmaskHigh = r(1);
  const qci = mx();
  const scanFlag = r(1);
  const scan = { qci: mx(), old: mx(), changed: r(1) };
  const queues = each(N, () => ({ driver: r(2), link: r(mb), reset: r(2) }));
  const info = mx();
  const mdevOrder = r(M * mb);
  const mdevs = each(M, () => ({
    matrix: mx(),
    shadowFlag: r(1),
    shadow: mx(),
    qtable: each(A, () => r(D)),
    kvm: r(vb),
    pendingFlag: r(1),
    pending: mx(),
    removing: r(1),
  }));
  const vmOrder = r(V * vb);
  const vms = each(V, () => ({ crycb: mx(), hook: r(mb) }));
  return { host, cardOff, fault, dirty, apmask, aqmask, apmaskHigh, aqmaskHigh, qci, scanFlag, scan, queues, info, mdevOrder, mdevs, vmOrder, vms };
}

export function makeCodec(scope: Scope): Codec {
  const A = scope.adapters;
  const D = scope.domains;
  const C = scope.control_domains;
  const N = A * D;
  const M = scope.mdevs;
  const V = scope.vms;
  const mb = bitsFor(M + 1); // 0 = none, i+1 = m(i+1)
  const vb = bitsFor(V + 1);
  const mdevs = mdevNames(scope);
  const vms = vmNames(scope);
  const mdevIx = new Map(mdevs.map((m, i) => [m, i + 1]));
  const vmIx = new Map(vms.map((v, i) => [v, i + 1]));
  const MB = A + D + C; // one matrix
  const bits =
    MB + A + 2 * N + vb * N + // host, cardOff, fault, dirty
    (A + 1) + (D + 1) + 2 + MB + (1 + 2 * MB + 1) + // masks (+rest), high flags, qci, scan
    N * (2 + mb + 2) + MB + // queues, info
    M * mb + M * (MB + 1 + MB + N + vb + 1 + MB + 1) + // mdev order; matrix, shadow, qtable, kvm, pending, removing
    V * vb + V * (MB + mb); // vm order; crycb, hook
  const words = Math.max(1, Math.ceil(bits / 32));
  const fullA = range(A);
  const fullD = range(D);
  const fullC = range(C);
  const dnames: readonly (string | null)[] = [null, ...vms];

  // --- bit writer / reader over a word buffer (module-level cursor: no allocation) ---
  let buf: Uint32Array = new Uint32Array(0);
  let pos = 0; // bit position from the start of the state
  let base = 0; // word offset of the state
  const put = (v: number, n: number): void => {
    if (n === 0) return;
    const w = base + (pos >>> 5);
    const b = pos & 31;
    buf[w] = (buf[w]! | (v << b)) >>> 0;
    if (b + n > 32) buf[w + 1] = (buf[w + 1]! | (v >>> (32 - b))) >>> 0;
    pos += n;
  };
  const get = (n: number): number => {
    if (n === 0) return 0;
    const w = base + (pos >>> 5);
    const b = pos & 31;
    let v = buf[w]! >>> b;
    if (b + n > 32) v |= buf[w + 1]! << (32 - b);
    pos += n;
    return n === 32 ? v >>> 0 : (v & ((1 << n) - 1)) >>> 0;
  };
  const inScope = (m: Mask, full: Mask, what: string): number => {
    if ((m & ~full) !== 0) throw new Error(`codec: ${what} ${m.toString(16)} has ids outside the scope`);
    return m;
  };
  const putMatrix = (x: Matrix): void => {
    put(inScope(x.apm, fullA, 'apm'), A);
    put(inScope(x.aqm, fullD, 'aqm'), D);
    put(inScope(x.adm, fullC, 'adm'), C);
  };
  const getMatrix = (): Matrix => ({ apm: get(A) as Mask, aqm: get(D) as Mask, adm: get(C) as Mask });
  const putBusMask = (m: Mask, full: Mask, n: number): void => {
    const rest = (m & ~full) >>> 0;
    if (rest !== 0 && rest !== ((~full) >>> 0)) throw new Error('codec: a bus mask beyond the scope is neither all ones nor all zeros');
    put(m & full, n);
    put(rest === 0 ? 0 : 1, 1);
  };
  const getBusMask = (full: Mask, n: number): Mask => {
    const v = get(n);
    return (get(1) === 1 ? (v | ~full) >>> 0 : v) as Mask;
  };
  const nameIx = (map: Map<string, number>, name: string | null): number => {
    if (name === null) return 0;
    const i = map.get(name);
    if (i === undefined) throw new Error(`codec: name ${name} is outside the scope`);
    return i;
  };

  // The key's sections, each a function of one part of the state alone, written from the cursor.
  const encHost = (s: State): void => putMatrix(s.host);
  const encCardOff = (s: State): void => put(inScope(s.cardOff, fullA, 'cardOff'), A);
  const encFault = (s: State): void => {
    for (let i = 0; i < N; i++) put(FAULTS.indexOf(s.fault[i]!), 2);
  };
  const encDirty = (s: State): void => {
    for (let i = 0; i < N; i++) put(nameIx(vmIx, s.dirty[i] ?? null), vb);
  };
  const encBus = (s: State): void => {
    const bus = s.bus;
    putBusMask(bus.apmask, fullA, A);
    putBusMask(bus.aqmask, fullD, D);
    put(bus.apmaskHigh ? 1 : 0, 1);
    put(bus.aqmaskHigh ? 1 : 0, 1);
    putMatrix(bus.qci);
    if (bus.scan === null) {
      put(0, 1);
      pos += 2 * MB + 1;
    } else {
      put(1, 1);
      putMatrix(bus.scan.qci);
      putMatrix(bus.scan.old);
      put(bus.scan.changed ? 1 : 0, 1);
    }
  };
  const encQueue = (q: QueueDev | null): void => {
    if (q === null) {
      pos += 2 + mb + 2;
      return;
    }
    put(q.driver === null ? 1 : q.driver === 'cex4queue' ? 2 : 3, 2);
    put(nameIx(mdevIx, q.link), mb);
    put(RESETS.indexOf(q.reset), 2);
  };
  const encInfo = (s: State): void => putMatrix(s.info);
  const encMdevs = (s: State): void => {
    let k = 0;
    for (const name in s.mdevs) {
      put(nameIx(mdevIx, name), mb);
      k++;
    }
    pos += (M - k) * mb;
    for (const name of mdevs) {
      const x = s.mdevs[name];
      if (x === undefined) {
        pos += MB + 1 + MB + N + vb + 1 + MB + 1;
        continue;
      }
      putMatrix(x.matrix);
      if (x.shadow === null) {
        put(0, 1);
        pos += MB;
      } else {
        put(1, 1);
        putMatrix(x.shadow);
      }
      for (let a = 0; a < A; a++) put(inScope(x.qtable[a]!, fullD, 'qtable'), D);
      put(nameIx(vmIx, x.kvm), vb);
      if (x.pending === null) {
        put(0, 1);
        pos += MB;
      } else {
        put(1, 1);
        putMatrix(x.pending);
      }
      put(x.removing ? 1 : 0, 1);
    }
  };
  const encVms = (s: State): void => {
    let k = 0;
    for (const name in s.vms) {
      put(nameIx(vmIx, name), vb);
      k++;
    }
    pos += (V - k) * vb;
    for (const name of vms) {
      const v = s.vms[name];
      if (v === undefined) {
        pos += MB + mb;
        continue;
      }
      putMatrix(v.crycb);
      put(nameIx(mdevIx, v.hook), mb);
    }
  };

  // Section starts, in encode order (the layout is checked against encode below).
  const QB = 2 + mb + 2; // bits per queue
  const atCardOff = MB;
  const atFault = atCardOff + A;
  const atDirty = atFault + 2 * N;
  const atBus = atDirty + vb * N;
  const atQueues = atBus + (A + 1) + (D + 1) + 2 + MB + (1 + 2 * MB + 1);
  const atInfo = atQueues + N * QB;
  const atMdevs = atInfo + MB;
  const atVms = atMdevs + M * mb + M * (MB + 1 + MB + N + vb + 1 + MB + 1);

  /** Bits [at, at+n) of the key at buf[base..] set to 0. */
  const clear = (at: number, n: number): void => {
    while (n > 0) {
      const w = base + (at >>> 5);
      const b = at & 31;
      const k = Math.min(n, 32 - b);
      buf[w] = (buf[w]! & ~(k === 32 ? -1 : ((1 << k) - 1) << b)) >>> 0;
      at += k;
      n -= k;
    }
  };
  /** Section [at, end) of the key emptied, the cursor at its start. */
  const redo = (at: number, end: number): void => {
    clear(at, end - at);
    pos = at;
  };

  // The reference: a state and its key. A state that shares parts with it (by identity: states are
  // never mutated, and a step returns the parts it did not change) takes those sections of the key
  // from the reference's key instead of encoding them again.
  let ref: State | null = null;
  const refKey = new Uint32Array(words);

  function reference(s: State | null, src?: Uint32Array, off = 0): void {
    ref = s;
    if (s !== null) refKey.set(src!.subarray(off, off + words));
  }

  function encode(s: State, out: Uint32Array, off: number): void {
    buf = out;
    base = off;
    pos = 0;
    const r = ref;
    if (r === s) {
      for (let w = 0; w < words; w++) out[off + w] = refKey[w]!;
      return;
    }
    if (r === null) {
      out.fill(0, off, off + words);
      encHost(s);
      encCardOff(s);
      encFault(s);
      encDirty(s);
      encBus(s);
      for (let i = 0; i < N; i++) encQueue(s.queues[i]!);
      encInfo(s);
      encMdevs(s);
      encVms(s);
      return;
    }
    for (let w = 0; w < words; w++) out[off + w] = refKey[w]!;
    if (s.host !== r.host) {
      redo(0, atCardOff);
      encHost(s);
    }
    if (s.cardOff !== r.cardOff) {
      redo(atCardOff, atFault);
      encCardOff(s);
    }
    if (s.fault !== r.fault) {
      redo(atFault, atDirty);
      encFault(s);
    }
    if (s.dirty !== r.dirty) {
      redo(atDirty, atBus);
      encDirty(s);
    }
    if (s.bus !== r.bus) {
      redo(atBus, atQueues);
      encBus(s);
    }
    if (s.queues !== r.queues) {
      for (let i = 0; i < N; i++) {
        const q = s.queues[i]!;
        if (q === r.queues[i]) continue;
        redo(atQueues + i * QB, atQueues + (i + 1) * QB);
        encQueue(q);
      }
    }
    if (s.info !== r.info) {
      redo(atInfo, atMdevs);
      encInfo(s);
    }
    if (s.mdevs !== r.mdevs) {
      redo(atMdevs, atVms);
      encMdevs(s);
    }
    if (s.vms !== r.vms) {
      redo(atVms, bits);
      encVms(s);
    }
  }

  function decode(src: Uint32Array, off: number): State {
    buf = src;
    base = off;
    pos = 0;
    const host = getMatrix();
    const cardOff = get(A) as Mask;
    const fault: Fault[] = new Array<Fault>(N);
    for (let i = 0; i < N; i++) fault[i] = FAULTS[get(2)]!;
    const dirty: (string | null)[] = new Array<string | null>(N);
    for (let i = 0; i < N; i++) dirty[i] = dnames[get(vb)]!;
    const apmask = getBusMask(fullA, A);
    const aqmask = getBusMask(fullD, D);
    const apmaskHigh = get(1) === 1;
    const aqmaskHigh = get(1) === 1;
    const qci = getMatrix();
    let scan: State['bus']['scan'] = null;
    if (get(1) === 1) scan = { qci: getMatrix(), old: getMatrix(), changed: get(1) === 1 };
    else pos += 2 * MB + 1;
    const queues: (QueueDev | null)[] = new Array<QueueDev | null>(N);
    for (let i = 0; i < N; i++) {
      const d = get(2);
      if (d === 0) {
        queues[i] = null;
        pos += mb + 2;
        continue;
      }
      const driver: Driver | null = d === 1 ? null : d === 2 ? 'cex4queue' : 'vfio_ap';
      const l = get(mb);
      queues[i] = { driver, link: l === 0 ? null : mdevs[l - 1]!, reset: RESETS[get(2)]! };
    }
    const info = getMatrix();
    const order: number[] = [];
    for (let i = 0; i < M; i++) {
      const m = get(mb);
      if (m !== 0) order.push(m - 1);
    }
    const byIx: (Mdev | undefined)[] = new Array<Mdev | undefined>(M);
    for (let i = 0; i < M; i++) {
      if (!order.includes(i)) {
        pos += MB + 1 + MB + N + vb + 1 + MB + 1;
        continue;
      }
      const matrix = getMatrix();
      let shadow: Matrix | null = null;
      if (get(1) === 1) shadow = getMatrix();
      else pos += MB;
      const qtable: Mask[] = new Array<Mask>(A);
      for (let a = 0; a < A; a++) qtable[a] = get(D) as Mask;
      const kv = get(vb);
      let pending: Matrix | null = null;
      if (get(1) === 1) pending = getMatrix();
      else pos += MB;
      byIx[i] = { matrix, shadow, qtable, kvm: kv === 0 ? null : vms[kv - 1]!, pending, removing: get(1) === 1 };
    }
    const mdevRec: Record<string, Mdev> = {};
    for (const i of order) mdevRec[mdevs[i]!] = byIx[i]!;
    const vorder: number[] = [];
    for (let i = 0; i < V; i++) {
      const v = get(vb);
      if (v !== 0) vorder.push(v - 1);
    }
    const vmByIx: (Vm | undefined)[] = new Array<Vm | undefined>(V);
    for (let i = 0; i < V; i++) {
      if (!vorder.includes(i)) {
        pos += MB + mb;
        continue;
      }
      const crycb = getMatrix();
      const h = get(mb);
      vmByIx[i] = { crycb, hook: h === 0 ? null : mdevs[h - 1]! };
    }
    const vmRec: Record<string, Vm> = {};
    for (const i of vorder) vmRec[vms[i]!] = vmByIx[i]!;
    return {
      host,
      cardOff,
      fault,
      dirty,
      bus: { apmask, aqmask, apmaskHigh, aqmaskHigh, qci, scan },
      queues,
      info,
      mdevs: mdevRec,
      vms: vmRec,
    };
  }

  const layout = layoutOf(A, D, C, M, V, mb, vb);
  const last = layout.vms.length > 0 ? layout.vms[V - 1]!.hook : layout.vmOrder;
  if (last.at + last.n !== bits) throw new Error(`codec: layout ends at bit ${last.at + last.n}, encode at ${bits}`);

  // Which id each bit belongs to, from the layout: bits of a mask over adapters, domains or control
  // domains; bits of a per-APQN field (arrays indexed apid-major); the rest fixed.
  type Role = { t: 'fixed' } | { t: 'mask'; dim: 0 | 1 | 2; at: number; id: number } | { t: 'apqn'; at: number; width: number; q: number; j: number };
  const roles: Role[] = Array.from({ length: bits }, () => ({ t: 'fixed' }) as Role);
  const mask = (dim: 0 | 1 | 2, at: number, n: number): void => {
    for (let id = 0; id < n; id++) roles[at + id] = { t: 'mask', dim, at, id };
  };
  const matrix = (m: MatrixRanges): void => {
    mask(0, m.apm.at, A);
    mask(1, m.aqm.at, D);
    mask(2, m.adm.at, C);
  };
  /** N per-APQN fields of `width` bits from bit `at`. */
  const perApqn = (at: number, width: number): void => {
    for (let q = 0; q < N; q++) for (let j = 0; j < width; j++) roles[at + q * width + j] = { t: 'apqn', at, width, q, j };
  };
  const L = layout;
  for (const m of [L.host, L.qci, L.scan.qci, L.scan.old, L.info]) matrix(m);
  mask(0, L.cardOff.at, A);
  mask(0, L.apmask.at, A); // the beyond-scope bit stays fixed
  mask(1, L.aqmask.at, D);
  perApqn(L.fault[0]!.at, 2);
  perApqn(L.dirty[0]!.at, vb);
  perApqn(L.queues[0]!.driver.at, 2 + mb + 2);
  for (const x of L.mdevs) {
    matrix(x.matrix);
    matrix(x.shadow);
    matrix(x.pending);
    perApqn(x.qtable[0]!.at, 1); // qtable: apid-major, one bit per domain
  }
  for (const v of L.vms) matrix(v.crycb);

  function bitPermutation(pa: readonly number[], pd: readonly number[], pc: readonly number[]): Int32Array {
    const srcOf = new Int32Array(words * 32).fill(-1);
    const dims = [pa, pd, pc];
    roles.forEach((r, src) => {
      let dst = src;
      if (r.t === 'mask') dst = r.at + dims[r.dim]![r.id]!;
      else if (r.t === 'apqn') {
        const a = Math.floor(r.q / D);
        const d = r.q % D;
        dst = r.at + (pa[a]! * D + pd[d]!) * r.width + r.j;
      }
      srcOf[dst] = src;
    });
    return srcOf;
  }

  if (L.cardOff.at !== atCardOff || L.fault[0]?.at !== atFault || L.apmask.at !== atBus || L.queues[0]?.driver.at !== atQueues || L.info.apm.at !== atInfo || L.mdevOrder.at !== atMdevs || L.vmOrder.at !== atVms) {
    throw new Error('codec: section starts disagree with the layout');
  }

  return { scope, words, bits, encode, reference, decode, bitPermutation, layout };
}
