/**
 * Read tracking over a packed state: `view(s)` wraps a decoded State in proxies that record, in
 * `seq`, the key fields (codec.layout ranges) of every leaf the code reads, each once, in the order
 * first read. `written(out, view)` then tells,
 * by object identity, which leaves of a result state are the input's own, untouched (the reducer
 * never mutates: an input object at its own place in the result holds the input's values).
 *
 * Soundness (exhaustive/memo.ts relies on it): a deterministic function of the state that reads only
 * the fields in `seq` takes the same path on every state that agrees on those fields; it creates the
 * same new objects with the same values and puts the same input objects at the same places. Every
 * way to get a value out of a state goes through a trap here: get, has, ownKeys and
 * getOwnPropertyDescriptor (spreads, `in`, `for…in`, Object.keys/values/entries, array methods).
 * An input object found somewhere else in the result (`shadow: x.matrix`) counts as read whole.
 */
import type { State } from '../model/state.ts';
import { mdevNames, vmNames } from './alphabet.ts';
import type { Codec, Layout, MatrixRanges, Range } from './codec.ts';
import { ArrTraps, ObjTraps, RecTraps } from './track-traps.ts';

/** A place in the state tree: every range below it, and the ranges it holds itself. */
interface Place {
  readonly all: readonly Range[];
}

export class ReadTracker {
  /** The ranges read since the last `reset()`, each once, in the order first read. */
  readonly seq: Range[] = [];
  private readonly seen = new Set<Range>();
  /** Bits of the last `written()` result that are the input's own (untouched). */
  readonly keep: Uint32Array;
  on = false;
  private readonly layout: Layout;
  private readonly mdevs: readonly string[];
  private readonly vms: readonly string[];
  private readonly places: Places;
  /** Proxy or raw input object → its place. */
  private origin = new WeakMap<object, Place>();
  private raw = new WeakMap<object, Place>();

  constructor(codec: Codec) {
    this.keep = new Uint32Array(codec.words);
    this.layout = codec.layout;
    this.mdevs = mdevNames(codec.scope);
    this.vms = vmNames(codec.scope);
    this.places = placesOf(codec.layout);
  }

  reset(): void {
    this.seq.length = 0;
    this.seen.clear();
  }

  private add(r: Range): void {
    if (this.seen.has(r)) return;
    this.seen.add(r);
    this.seq.push(r);
  }

  private markAll(p: Place): void {
    for (const r of p.all) this.add(r);
  }

  /**
   * The state, wrapped: reads through it are recorded while `on`. Proxies below the root are made
   * on first access (once each: identity matters), so a view costs what the code touches.
   */
  view(s: State): State {
    this.origin = new WeakMap();
    this.raw = new WeakMap();
    const L = this.layout;
    const P = this.places;
    const mx = (m: object, r: MatrixRanges, p: Place): object => this.matrix(m, r, p);
    const queue = (i: number): object | null => {
      const q = s.queues[i]!;
      return q === null ? null : this.obj(q, P.queue[i]!, L.queues[i]!, {}, {});
    };
    const mdevKids: Record<string, () => object> = {};
    this.mdevs.forEach((name, j) => {
      if (s.mdevs[name] !== undefined) mdevKids[name] = () => this.mdevView(s.mdevs[name]!, j);
    });
    const vmKids: Record<string, () => object> = {};
    this.vms.forEach((name, j) => {
      if (s.vms[name] !== undefined) vmKids[name] = () => this.vmView(s.vms[name]!, j);
    });
    const drivers = L.queues.map((q) => q.driver);
    return this.obj(
      s,
      P.root,
      { cardOff: L.cardOff },
      {
        host: () => mx(s.host, L.host, P.host),
        fault: () => this.arr(s.fault, P.fault, L.fault, null),
        dirty: () => this.arr(s.dirty, P.dirty, L.dirty, null),
        bus: () => this.busView(s.bus),
        queues: () => this.arr(s.queues, P.queues, drivers, queue),
        info: () => mx(s.info, L.info, P.info),
        mdevs: () => this.rec(s.mdevs, P.mdevs, L.mdevOrder, mdevKids),
        vms: () => this.rec(s.vms, P.vms, L.vmOrder, vmKids),
      },
      {},
    ) as State;
  }

  private matrix(m: object, r: MatrixRanges, p: Place): object {
    return this.obj(m, p, { apm: r.apm, aqm: r.aqm, adm: r.adm }, {}, {});
  }

  private busView(b: State['bus']): object {
    const L = this.layout;
    const P = this.places;
    const scanKids = (): Record<string, () => object | null> => ({
      qci: () => this.matrix(b.scan!.qci, L.scan.qci, P.scanQci),
      old: () => this.matrix(b.scan!.old, L.scan.old, P.scanOld),
    });
    return this.obj(
      b,
      P.bus,
      { apmask: L.apmask, aqmask: L.aqmask, apmaskHigh: L.apmaskHigh, aqmaskHigh: L.aqmaskHigh },
      {
        qci: () => this.matrix(b.qci, L.qci, P.qci),
        scan: () => (b.scan === null ? null : this.obj(b.scan, P.scan, { changed: L.scan.changed }, scanKids(), {})),
      },
      { scan: L.scanFlag },
    );
  }

  /** Mdev j of the scope (x). */
  private mdevView(x: State['mdevs'][string], j: number): object {
    const r = this.layout.mdevs[j]!;
    const p = this.places.mdev[j]!;
    return this.obj(
      x,
      p.self,
      { kvm: r.kvm, removing: r.removing, open: r.open },
      {
        matrix: () => this.matrix(x.matrix, r.matrix, p.matrix),
        shadow: () => (x.shadow === null ? null : this.matrix(x.shadow, r.shadow, p.shadow)),
        qtable: () => this.arr(x.qtable, p.qtable, r.qtable, null),
        pending: () => (x.pending === null ? null : this.matrix(x.pending, r.pending, p.pending)),
      },
      { shadow: r.shadowFlag, pending: r.pendingFlag },
    );
  }

  /** VM j of the scope (v). */
  private vmView(v: State['vms'][string], j: number): object {
    const r = this.layout.vms[j]!;
    const p = this.places.vm[j]!;
    return this.obj(v, p.self, { hook: r.hook }, { crycb: () => this.matrix(v.crycb, r.crycb, p.crycb) }, {});
  }

  /**
   * After `out = f(view)`: `keep` gets the bits of out that are the input's own (an input object at
   * its own place); input objects found at another place are added to `seq` whole.
   */
  written(out: State, input: State): void {
    const keep = this.keep;
    keep.fill(0);
    const was = this.on;
    this.on = false;
    try {
      if (out === input) {
        keep.fill(0xffffffff);
        return;
      }
      const P = this.places;
      this.at(out, P.root);
      this.at(out.host, P.host);
      this.at(out.fault, P.fault);
      this.at(out.dirty, P.dirty);
      if (!this.at(out.bus, P.bus)) {
        this.at(out.bus.qci, P.qci);
        const scan = out.bus.scan;
        if (scan !== null && !this.at(scan, P.scan)) {
          this.at(scan.qci, P.scanQci);
          this.at(scan.old, P.scanOld);
        }
      }
      if (!this.at(out.queues, P.queues)) {
        out.queues.forEach((q, i) => {
          if (q !== null && q !== undefined) this.at(q, P.queue[i]!);
        });
      }
      this.at(out.info, P.info);
      if (!this.at(out.mdevs, P.mdevs)) {
        this.mdevs.forEach((name, j) => {
          const x = out.mdevs[name];
          const p = P.mdev[j]!;
          if (x === undefined || this.at(x, p.self)) return;
          this.at(x.matrix, p.matrix);
          if (x.shadow !== null) this.at(x.shadow, p.shadow);
          this.at(x.qtable, p.qtable);
          if (x.pending !== null) this.at(x.pending, p.pending);
        });
      }
      if (!this.at(out.vms, P.vms)) {
        this.vms.forEach((name, j) => {
          const v = out.vms[name];
          if (v !== undefined && !this.at(v, P.vm[j]!.self)) this.at(v.crycb, P.vm[j]!.crycb);
        });
      }
    } finally {
      this.on = was;
    }
  }

  /** Is `o` the input's own object at place p? Input objects from elsewhere count as read. */
  private at(o: object, p: Place): boolean {
    const from = this.origin.get(o);
    if (from === p) {
      for (const r of p.all) orRange(this.keep, r);
      return true;
    }
    const f = from ?? this.raw.get(o);
    if (f !== undefined) this.markAll(f);
    return false;
  }

  /** A fixed-shape object: primitive leaves, child objects (possibly null, with a flag range). */
  private obj(
    t: object,
    place: Place,
    leaves: Record<string, Range>,
    make: Record<string, () => object | null>,
    flags: Record<string, Range>,
  ): object {
    return this.wrap(t, place, new ObjTraps(this, leaves, make, flags));
  }

  /** An array indexed by APQN or apid: element i is the range rs[i]; `make` gives its element objects. */
  private arr(
    t: readonly unknown[],
    place: Place,
    rs: readonly Range[],
    make: ((i: number) => object | null) | null,
  ): object {
    return this.wrap(t, place, new ArrTraps(this, rs, make));
  }

  /** A record of mdevs or VMs by name: which names exist, and in which order, is the `order` range. */
  private rec(t: object, place: Place, order: Range, make: Record<string, () => object>): object {
    return this.wrap(t, place, new RecTraps(this, order, make));
  }

  private wrap(t: object, place: Place, traps: ProxyHandler<object>): object {
    const px = new Proxy(t, traps);
    this.origin.set(px, place);
    this.raw.set(t, place);
    return px;
  }

  /** Record a read of r (while on): the traps call this. */
  touch(r: Range): void {
    if (this.on) this.add(r);
  }
}

/** words |= the bits of r. */
function orRange(words: Uint32Array, r: Range): void {
  let at = r.at;
  let n = r.n;
  while (n > 0) {
    const w = at >>> 5;
    const b = at & 31;
    const k = Math.min(n, 32 - b);
    const m = k === 32 ? 0xffffffff : ((1 << k) - 1) << b;
    words[w] = (words[w]! | m) >>> 0;
    at += k;
    n -= k;
  }
}

interface MdevPlaces {
  readonly self: Place;
  readonly matrix: Place;
  readonly shadow: Place;
  readonly qtable: Place;
  readonly pending: Place;
}
interface Places {
  readonly root: Place;
  readonly host: Place;
  readonly fault: Place;
  readonly dirty: Place;
  readonly bus: Place;
  readonly qci: Place;
  readonly scan: Place;
  readonly scanQci: Place;
  readonly scanOld: Place;
  readonly queues: Place;
  readonly queue: readonly Place[];
  readonly info: Place;
  readonly mdevs: Place;
  readonly mdev: readonly MdevPlaces[];
  readonly vms: Place;
  readonly vm: readonly { readonly self: Place; readonly crycb: Place }[];
}

const mxr = (m: MatrixRanges): Range[] => [m.apm, m.aqm, m.adm];
const place = (...rs: (Range | readonly Range[])[]): Place => ({ all: rs.flat() });

function placesOf(L: Layout): Places {
  const mdev = L.mdevs.map((r) => ({
    self: place(
      mxr(r.matrix),
      r.shadowFlag,
      mxr(r.shadow),
      r.qtable,
      r.kvm,
      r.pendingFlag,
      mxr(r.pending),
      r.removing,
      r.open,
    ),
    matrix: place(mxr(r.matrix)),
    shadow: place(mxr(r.shadow)),
    qtable: place(r.qtable),
    pending: place(mxr(r.pending)),
  }));
  const vm = L.vms.map((r) => ({ self: place(mxr(r.crycb), r.hook), crycb: place(mxr(r.crycb)) }));
  const queue = L.queues.map((q) => place(q.driver, q.link, q.reset, q.polling, q.dup, q.override, q.rebind));
  const scan = place(mxr(L.scan.qci), mxr(L.scan.old), L.scan.changed);
  const bus = place(L.apmask, L.aqmask, L.apmaskHigh, L.aqmaskHigh, mxr(L.qci), L.scanFlag, scan.all);
  const queues = place(queue.flatMap((q) => q.all));
  const mdevs = place(
    L.mdevOrder,
    mdev.flatMap((m) => m.self.all),
  );
  const vms = place(
    L.vmOrder,
    vm.flatMap((v) => v.self.all),
  );
  const root = place(mxr(L.host), L.cardOff, L.fault, L.dirty, bus.all, queues.all, mxr(L.info), mdevs.all, vms.all);
  return {
    root,
    host: place(mxr(L.host)),
    fault: place(L.fault),
    dirty: place(L.dirty),
    bus,
    qci: place(mxr(L.qci)),
    scan,
    scanQci: place(mxr(L.scan.qci)),
    scanOld: place(mxr(L.scan.old)),
    queues,
    queue,
    info: place(mxr(L.info)),
    mdevs,
    mdev,
    vms,
    vm,
  };
}
