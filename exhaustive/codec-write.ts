/**
 * Encoding a State into its packed key (exhaustive/codec.ts), section by section at the places the
 * layout gives (exhaustive/codec-layout.ts). A reference state and its key may be set: a state that
 * shares parts with it (by identity: states are never mutated, and a step returns the parts it did
 * not change) takes those sections from the reference's key instead of encoding them again.
 */
import { type Mask, range } from '../model/bits.ts';
import type { Scope } from '../model/scope.ts';
import { DRIVERS, FAULTS, RESET_STATUSES } from '../model/state-shape.ts';
import type { Matrix, Mdev, QueueDev, State } from '../model/state.ts';
import { KeyCursor } from './codec-cursor.ts';
import type { Layout, Range } from './codec-layout.ts';

/** Bits from the start of `first` to the end of `last`. */
export const span = (first: Range, last: Range): number => last.at + last.n - first.at;

/** Where the key's sections start, and the widths of their entries (from the layout). */
export class Sections {
  readonly cardOff: number;
  readonly fault: number;
  readonly dirty: number;
  readonly bus: number;
  readonly queues: number;
  readonly info: number;
  readonly mdevs: number;
  readonly vms: number;
  /** Bits of one matrix, a scan, a queue, an mdev, a VM. */
  readonly matrix: number;
  readonly scan: number;
  readonly queue: number;
  readonly mdev: number;
  readonly vm: number;
  constructor(L: Layout) {
    this.cardOff = L.cardOff.at;
    this.fault = L.fault[0]!.at;
    this.dirty = L.dirty[0]!.at;
    this.bus = L.apmask.at;
    this.queues = L.queues[0]!.driver.at;
    this.info = L.info.apm.at;
    this.mdevs = L.mdevOrder.at;
    this.vms = L.vmOrder.at;
    this.matrix = span(L.host.apm, L.host.adm);
    this.scan = span(L.scan.qci.apm, L.scan.changed);
    this.queue = span(L.queues[0]!.driver, L.queues[0]!.rebind);
    this.mdev = span(L.mdevs[0]!.matrix.apm, L.mdevs[0]!.open);
    this.vm = span(L.vms[0]!.crycb.apm, L.vms[0]!.hook);
  }
}

/** Ids in scope, or an Error (see exhaustive/codec.ts for the limits). */
const inScope = (m: Mask, full: Mask, what: string): number => {
  if ((m & ~full) !== 0) throw new Error(`codec: ${what} ${m.toString(16)} has ids outside the scope`);
  return m;
};

/** The name's code: 0 for null, i for the scope's i-th name; an Error for a name outside the scope. */
const nameIx = (map: ReadonlyMap<string, number>, name: string | null): number => {
  if (name === null) return 0;
  const i = map.get(name);
  if (i === undefined) throw new Error(`codec: name ${name} is outside the scope`);
  return i;
};

/** The encoder: a cursor over the key being written (bit `pos` of the key at buf[base..]), and its sections. */
export class KeyWriter extends KeyCursor {
  private readonly fullC: Mask;
  private readonly mdevIx: ReadonlyMap<string, number>;
  private readonly vmIx: ReadonlyMap<string, number>;
  private readonly at: Sections;
  private readonly words: number;
  private readonly bits: number;
  private ref: State | null = null;
  private readonly refKey: Uint32Array;

  constructor(scope: Scope, L: Layout, bits: number, words: number) {
    super(scope, L);
    this.fullC = range(this.C);
    this.mdevIx = new Map(this.mdevNames.map((m, i) => [m, i + 1]));
    this.vmIx = new Map(this.vmNames.map((v, i) => [v, i + 1]));
    this.at = new Sections(L);
    this.bits = bits;
    this.words = words;
    this.refKey = new Uint32Array(words);
  }

  /** Set the reference state (src[off..off+words) is its key), or clear it with null. */
  reference(s: State | null, src?: Uint32Array, off = 0): void {
    this.ref = s;
    if (s !== null) this.refKey.set(src!.subarray(off, off + this.words));
  }

  /**
   * Write s's key into out[off .. off+words): every section, or, with a reference state set, its
   * key with the sections of the parts s does not share with it written again.
   */
  encode(s: State, out: Uint32Array, off: number): void {
    this.buf = out;
    this.base = off;
    this.pos = 0;
    const r = this.ref;
    if (r === null) {
      out.fill(0, off, off + this.words);
      this.all(s);
      return;
    }
    const refKey = this.refKey;
    for (let w = 0; w < this.words; w++) out[off + w] = refKey[w]!;
    if (r === s) return;
    const at = this.at;
    if (s.host !== r.host) {
      this.clear(0, at.cardOff);
      this.host(s);
    }
    if (s.cardOff !== r.cardOff) {
      this.clear(at.cardOff, at.fault);
      this.cardOff(s);
    }
    if (s.fault !== r.fault) {
      this.clear(at.fault, at.dirty);
      this.fault(s);
    }
    if (s.dirty !== r.dirty) {
      this.clear(at.dirty, at.bus);
      this.dirty(s);
    }
    if (s.bus !== r.bus) {
      this.clear(at.bus, at.queues);
      this.bus(s);
    }
    if (s.queues !== r.queues) this.queues(s, r);
    if (s.info !== r.info) {
      this.clear(at.info, at.mdevs);
      this.putMatrix(s.info);
    }
    if (s.mdevs !== r.mdevs) {
      this.clear(at.mdevs, at.vms);
      this.mdevs(s);
    }
    if (s.vms !== r.vms) {
      this.clear(at.vms, this.bits);
      this.vms(s);
    }
  }

  /** Every section of s, from bit 0 of a zeroed key. */
  private all(s: State): void {
    this.host(s);
    this.cardOff(s);
    this.fault(s);
    this.dirty(s);
    this.bus(s);
    for (let i = 0; i < this.N; i++) this.queue(s.queues[i]!);
    this.putMatrix(s.info);
    this.mdevs(s);
    this.vms(s);
  }

  /** The queues of s that are not the reference r's, over r's key. */
  private queues(s: State, r: State): void {
    const at = this.at;
    for (let i = 0; i < this.N; i++) {
      const q = s.queues[i]!;
      if (q === r.queues[i]) continue;
      this.clear(at.queues + i * at.queue, at.queues + (i + 1) * at.queue);
      this.queue(q);
    }
  }

  /** Write the n low bits of v (the bits there are 0) and move on. */
  private put(v: number, n: number): void {
    if (n === 0) return;
    const buf = this.buf;
    const pos = this.pos;
    const w = this.base + (pos >>> 5);
    const b = pos & 31;
    buf[w] = (buf[w]! | (v << b)) >>> 0;
    if (b + n > 32) buf[w + 1] = (buf[w + 1]! | (v >>> (32 - b))) >>> 0;
    this.pos = pos + n;
  }

  /** Bits [at, end) of the key set to 0, the cursor at `at`. */
  private clear(at: number, end: number): void {
    this.pos = at;
    const buf = this.buf;
    let n = end - at;
    while (n > 0) {
      const w = this.base + (at >>> 5);
      const b = at & 31;
      const k = Math.min(n, 32 - b);
      buf[w] = (buf[w]! & ~(k === 32 ? -1 : ((1 << k) - 1) << b)) >>> 0;
      at += k;
      n -= k;
    }
  }

  private putMatrix(x: Matrix): void {
    this.put(inScope(x.apm, this.fullA, 'apm'), this.A);
    this.put(inScope(x.aqm, this.fullD, 'aqm'), this.D);
    this.put(inScope(x.adm, this.fullC, 'adm'), this.C);
  }

  /** A bus mask: the ids in scope, then whether those beyond are all ones. */
  private putBusMask(m: Mask, full: Mask, n: number): void {
    const rest = (m & ~full) >>> 0;
    if (rest !== 0 && rest !== ~full >>> 0) {
      throw new Error('codec: a bus mask beyond the scope is neither all ones nor all zeros');
    }
    this.put(m & full, n);
    this.put(rest === 0 ? 0 : 1, 1);
  }

  // The key's sections, each a function of one part of the state alone, written from the cursor.
  private host(s: State): void {
    this.putMatrix(s.host);
  }

  private cardOff(s: State): void {
    this.put(inScope(s.cardOff, this.fullA, 'cardOff'), this.A);
  }

  private fault(s: State): void {
    for (let i = 0; i < this.N; i++) this.put(FAULTS.indexOf(s.fault[i]!), this.faultBits);
  }

  private dirty(s: State): void {
    for (let i = 0; i < this.N; i++) this.put(nameIx(this.vmIx, s.dirty[i] ?? null), this.vb);
  }

  private bus(s: State): void {
    const bus = s.bus;
    this.putBusMask(bus.apmask, this.fullA, this.A);
    this.putBusMask(bus.aqmask, this.fullD, this.D);
    this.put(bus.apmaskHigh ? 1 : 0, 1);
    this.put(bus.aqmaskHigh ? 1 : 0, 1);
    this.putMatrix(bus.qci);
    if (bus.scan === null) {
      this.put(0, 1);
      this.pos += this.at.scan;
    } else {
      this.put(1, 1);
      this.putMatrix(bus.scan.qci);
      this.putMatrix(bus.scan.old);
      this.put(bus.scan.changed ? 1 : 0, 1);
    }
  }

  private queue(q: QueueDev | null): void {
    if (q === null) {
      this.pos += this.at.queue;
      return;
    }
    // Code 0: no queue device; 1: no driver.
    this.put(q.driver === null ? 1 : q.driver === DRIVERS[0] ? 2 : 2 + DRIVERS.indexOf(q.driver), this.driverBits);
    this.put(nameIx(this.mdevIx, q.link), this.mb);
    this.put(RESET_STATUSES.indexOf(q.reset), this.resetBits);
    this.put(q.polling ? 1 : 0, 1);
    this.put(q.dup ? 1 : 0, 1);
    this.put(q.override === null ? 0 : 1 + DRIVERS.indexOf(q.override), 2);
    this.put(q.rebind ? 1 : 0, 1);
  }

  private mdevs(s: State): void {
    let k = 0;
    for (const name in s.mdevs) {
      this.put(nameIx(this.mdevIx, name), this.mb);
      k++;
    }
    this.pos += (this.mdevNames.length - k) * this.mb;
    for (const name of this.mdevNames) {
      const x = s.mdevs[name];
      if (x === undefined) this.pos += this.at.mdev;
      else this.mdev(x);
    }
  }

  private mdev(x: Mdev): void {
    this.putMatrix(x.matrix);
    this.nullableMatrix(x.shadow);
    for (let a = 0; a < this.A; a++) this.put(inScope(x.qtable[a]!, this.fullD, 'qtable'), this.D);
    this.put(nameIx(this.vmIx, x.kvm), this.vb);
    this.nullableMatrix(x.pending);
    this.put(x.removing ? 1 : 0, 1);
    this.put(x.open ? 1 : 0, 1);
  }

  private nullableMatrix(x: Matrix | null): void {
    if (x === null) {
      this.put(0, 1);
      this.pos += this.at.matrix;
    } else {
      this.put(1, 1);
      this.putMatrix(x);
    }
  }

  private vms(s: State): void {
    let k = 0;
    for (const name in s.vms) {
      this.put(nameIx(this.vmIx, name), this.vb);
      k++;
    }
    this.pos += (this.vmNames.length - k) * this.vb;
    for (const name of this.vmNames) {
      const v = s.vms[name];
      if (v === undefined) {
        this.pos += this.at.vm;
        continue;
      }
      this.putMatrix(v.crycb);
      this.put(nameIx(this.mdevIx, v.hook), this.mb);
    }
  }
}
