/** Decoding a packed key (exhaustive/codec.ts) into the State it was encoded from, section by section. */
import type { Mask } from '../model/bits.ts';
import type { Scope } from '../model/scope.ts';
import { DRIVERS, FAULTS, RESET_STATUSES } from '../model/state-shape.ts';
import { NO_EVENTS } from '../model/events.ts';
import type { Bus, Fault, Matrix, Mdev, QueueDev, State, Vm } from '../model/state.ts';
import { KeyCursor } from './codec-cursor.ts';
import type { Layout } from './codec-layout.ts';
import { Sections } from './codec-write.ts';

/** The decoder: a cursor over the key being read (bit `pos` of the key at buf[base..]), and its sections. */
export class KeyReader extends KeyCursor {
  /** A dirty mark's VM by code (0: none). */
  private readonly dnames: readonly (string | null)[];
  private readonly at: Sections;

  constructor(scope: Scope, L: Layout) {
    super(scope, L);
    this.dnames = [null, ...this.vmNames];
    this.at = new Sections(L);
  }

  /** The state stored at src[off .. off+words). */
  decode(src: Uint32Array, off: number): State {
    this.buf = src;
    this.base = off;
    this.pos = 0;
    const host = this.matrix();
    const cardOff = this.get(this.A) as Mask;
    const fault: Fault[] = new Array<Fault>(this.N);
    for (let i = 0; i < this.N; i++) fault[i] = FAULTS[this.get(this.faultBits)]!;
    const dirty: (string | null)[] = new Array<string | null>(this.N);
    for (let i = 0; i < this.N; i++) dirty[i] = this.dnames[this.get(this.vb)]!;
    const bus = this.bus();
    const queues: (QueueDev | null)[] = new Array<QueueDev | null>(this.N);
    for (let i = 0; i < this.N; i++) queues[i] = this.queue();
    const info = this.matrix();
    const mdevs = this.mdevs();
    const vms = this.vms();
    return { host, cardOff, fault, dirty, bus, queues, info, mdevs, vms, log: NO_EVENTS };
  }

  /** Read n bits and move on. */
  private get(n: number): number {
    if (n === 0) return 0;
    const buf = this.buf;
    const pos = this.pos;
    const w = this.base + (pos >>> 5);
    const b = pos & 31;
    let v = buf[w]! >>> b;
    if (b + n > 32) v |= buf[w + 1]! << (32 - b);
    this.pos = pos + n;
    return n === 32 ? v >>> 0 : (v & ((1 << n) - 1)) >>> 0;
  }

  private matrix(): Matrix {
    return { apm: this.get(this.A) as Mask, aqm: this.get(this.D) as Mask, adm: this.get(this.C) as Mask };
  }

  private nullableMatrix(): Matrix | null {
    if (this.get(1) === 1) return this.matrix();
    this.pos += this.at.matrix;
    return null;
  }

  private busMask(full: Mask, n: number): Mask {
    const v = this.get(n);
    return (this.get(1) === 1 ? (v | ~full) >>> 0 : v) as Mask;
  }

  private bus(): Bus {
    const apmask = this.busMask(this.fullA, this.A);
    const aqmask = this.busMask(this.fullD, this.D);
    const apmaskHigh = this.get(1) === 1;
    const aqmaskHigh = this.get(1) === 1;
    const qci = this.matrix();
    let scan: Bus['scan'] = null;
    if (this.get(1) === 1) scan = { qci: this.matrix(), old: this.matrix(), changed: this.get(1) === 1 };
    else this.pos += this.at.scan;
    return { apmask, aqmask, apmaskHigh, aqmaskHigh, qci, scan };
  }

  private queue(): QueueDev | null {
    const d = this.get(this.driverBits);
    if (d === 0) {
      this.pos += this.at.queue - this.driverBits;
      return null;
    }
    const driver = d === 1 ? null : DRIVERS[d - 2]!;
    const l = this.get(this.mb);
    const link = l === 0 ? null : this.mdevNames[l - 1]!;
    const reset = RESET_STATUSES[this.get(this.resetBits)]!;
    const polling = this.get(1) === 1;
    const dup = this.get(1) === 1;
    const o = this.get(2);
    return { driver, link, reset, polling, dup, override: o === 0 ? null : DRIVERS[o - 1]!, rebind: this.get(1) === 1 };
  }

  /** Slot codes of a creation order (0: empty) as indexes in name order, in creation order. */
  private order(n: number, bits: number): number[] {
    const order: number[] = [];
    for (let i = 0; i < n; i++) {
      const m = this.get(bits);
      if (m !== 0) order.push(m - 1);
    }
    return order;
  }

  private mdevs(): Record<string, Mdev> {
    const M = this.mdevNames.length;
    const order = this.order(M, this.mb);
    const byIx: (Mdev | undefined)[] = new Array<Mdev | undefined>(M);
    for (let i = 0; i < M; i++) {
      if (order.includes(i)) byIx[i] = this.mdev();
      else this.pos += this.at.mdev;
    }
    const out: Record<string, Mdev> = {};
    for (const i of order) out[this.mdevNames[i]!] = byIx[i]!;
    return out;
  }

  private mdev(): Mdev {
    const matrix = this.matrix();
    const shadow = this.nullableMatrix();
    const qtable: Mask[] = new Array<Mask>(this.A);
    for (let a = 0; a < this.A; a++) qtable[a] = this.get(this.D) as Mask;
    const kv = this.get(this.vb);
    const pending = this.nullableMatrix();
    const kvm = kv === 0 ? null : this.vmNames[kv - 1]!;
    const removing = this.get(1) === 1;
    return { matrix, shadow, qtable, kvm, pending, removing, open: this.get(1) === 1 };
  }

  private vms(): Record<string, Vm> {
    const V = this.vmNames.length;
    const order = this.order(V, this.vb);
    const byIx: (Vm | undefined)[] = new Array<Vm | undefined>(V);
    for (let i = 0; i < V; i++) {
      if (!order.includes(i)) {
        this.pos += this.at.vm;
        continue;
      }
      const crycb = this.matrix();
      const h = this.get(this.mb);
      byIx[i] = { crycb, hook: h === 0 ? null : this.mdevNames[h - 1]! };
    }
    const out: Record<string, Vm> = {};
    for (const i of order) out[this.vmNames[i]!] = byIx[i]!;
    return out;
  }
}
