/**
 * Where each part of a State lies in its packed key, derived from the state's schema
 * (model/state-shape.ts): its parts in order, each in the fewest bits the scope allows.
 * - a mask: one bit per id of the scope; a wide one (a bus mask) one more, set when the ids beyond
 *   the scope are all ones;
 * - a flag: one bit; an enum: the index of its value; a name: 0 for null, i for the scope's i-th
 *   name (m1.., vm1..); a nullable enum: 0 for null, then its values;
 * - a nullable record: a flag bit (`<field>Flag`, 1 when not null), then the record, its bits zero
 *   when null; as an array's entry (a queue), code 0 of its first field says it is absent instead;
 * - an array: its entries one after another (per APQN: index apid * domains + apqi);
 * - a table of names: the creation order (`<kind>Order`: one name code per slot, 0 for an empty
 *   slot), then one record per name of the scope, in name order.
 * The bus's parts lie at the top level of the Layout.
 */
import type { Resource } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import { type NameKind, type Shape, STATE_SHAPE } from '../model/state-shape.ts';

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
  readonly queues: readonly {
    readonly driver: Range;
    readonly link: Range;
    readonly reset: Range;
    readonly polling: Range;
    readonly dup: Range;
    readonly override: Range;
    readonly rebind: Range;
  }[];
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
    readonly open: Range;
  }[];
  readonly vmOrder: Range;
  readonly vms: readonly { readonly crycb: MatrixRanges; readonly hook: Range }[];
}

/**
 * Which id a key bit belongs to: a bit of a mask over adapters (dim 0), domains (1) or control
 * domains (2); bit j of the `width`-bit entry of APQN q of a per-APQN field starting at `at`; or
 * neither (fixed under an id permutation).
 */
export type Role =
  | { readonly t: 'fixed' }
  | { readonly t: 'mask'; readonly dim: 0 | 1 | 2; readonly at: number; readonly id: number }
  | { readonly t: 'apqn'; readonly at: number; readonly width: number; readonly q: number; readonly j: number };

/** Field r of the key at key[off..] (r.n ≤ 32). */
export function fieldOf(key: Uint32Array, off: number, r: Range): number {
  const w = off + (r.at >>> 5);
  const b = r.at & 31;
  let v = key[w]! >>> b;
  if (b + r.n > 32) v |= key[w + 1]! << (32 - b);
  return r.n >= 32 ? v >>> 0 : (v & ((1 << r.n) - 1)) >>> 0;
}

/** Bits for n codes. */
export const bitsFor = (n: number): number => (n <= 1 ? 0 : 32 - Math.clz32(n - 1));

const DIM: Readonly<Record<Resource, 0 | 1 | 2>> = { adapter: 0, domain: 1, control_domain: 2 };

/** The key's layout for a scope, its length in bits, and each bit's role. */
export function layoutOf(scope: Scope): {
  readonly layout: Layout;
  readonly bits: number;
  readonly roles: readonly Role[];
} {
  const p = new Placer(scope);
  const top: [string, Placed][] = Object.entries(p.record(STATE_SHAPE.fields));
  const flat = top.flatMap(([k, v]): [string, Placed][] => (k === 'bus' ? Object.entries(v) : [[k, v]]));
  return { layout: Object.fromEntries(flat) as unknown as Layout, bits: p.at, roles: p.roles };
}

type Placed = Range | { readonly [k: string]: Placed } | readonly Placed[];

/** Places the parts of a shape one after another from bit 0, recording each bit's role. */
class Placer {
  at = 0;
  readonly roles: Role[] = [];
  private readonly scope: Scope;
  private readonly ids: readonly number[];
  constructor(scope: Scope) {
    this.scope = scope;
    this.ids = [scope.adapters, scope.domains, scope.control_domains];
  }

  /** The next n bits, fixed under id permutations unless the caller says otherwise. */
  take(n: number): Range {
    const r = { at: this.at, n };
    for (let i = 0; i < n; i++) this.roles.push({ t: 'fixed' });
    this.at += n;
    return r;
  }

  names(k: NameKind): number {
    return k === 'mdev' ? this.scope.mdevs : this.scope.vms;
  }

  /** Codes of a leaf: its values (a name's include null); a nullable leaf's, null first. */
  codes(sh: Shape): number {
    if (sh.t === 'enum') return sh.values.length;
    if (sh.t === 'name') return this.names(sh.of) + 1;
    if (sh.t === 'nullable') return sh.of.t === 'name' ? this.codes(sh.of) : 1 + this.codes(sh.of);
    throw new Error(`codec: no codes for a ${sh.t}`);
  }

  /** Shape sh from the current bit. `absent`: code 0 of the first leaf says the whole is absent. */
  place(sh: Shape, absent = false): Placed {
    switch (sh.t) {
      case 'mask':
        return this.mask(sh.of, sh.wide === true);
      case 'flag':
        return this.take(1);
      case 'record':
        return this.record(sh.fields, absent);
      case 'array':
        return this.array(sh.per, sh.of);
      case 'table': {
        const n = this.names(sh.of);
        const order = this.take(n * bitsFor(n + 1));
        const items = Array.from({ length: n }, () => this.place(sh.item));
        return { order, items };
      }
      case 'nullable':
        if (sh.of.t === 'record') return this.place(sh.of, true);
        return this.take(bitsFor(this.codes(sh) + (absent ? 1 : 0)));
      default:
        return this.take(bitsFor(this.codes(sh) + (absent ? 1 : 0)));
    }
  }

  mask(of: Resource, wide: boolean): Range {
    const dim = DIM[of];
    const n = this.ids[dim]!;
    const r = this.take(n + (wide ? 1 : 0));
    for (let id = 0; id < n; id++) this.roles[r.at + id] = { t: 'mask', dim, at: r.at, id };
    return r;
  }

  /** A record's fields; a nullable record field `x` as `xFlag` and `x` (unless `absent` folds it). */
  record(fields: { readonly [k: string]: Shape }, absent = false): { [k: string]: Placed } {
    const out: { [k: string]: Placed } = {};
    let first = true;
    for (const [k, f] of Object.entries(fields)) {
      if (f.t === 'nullable' && f.of.t === 'record') out[`${k}Flag`] = this.take(1);
      if (f.t === 'table') {
        const { order, items } = this.place(f) as { order: Range; items: Placed[] };
        out[`${f.of}Order`] = order;
        out[k] = items;
      } else out[k] = this.place(f, absent && first);
      first = false;
    }
    return out;
  }

  /** Entries per APQN or per adapter; their bits move with the APQN (or adapter) under an id permutation. */
  array(per: 'apqn' | 'adapter', of: Shape): Placed[] {
    const A = this.scope.adapters;
    const D = this.scope.domains;
    const start = this.at;
    if (per === 'apqn') {
      const out = Array.from({ length: A * D }, () => this.place(of));
      const width = (this.at - start) / (A * D);
      for (let b = start; b < this.at; b++) {
        if (this.roles[b]!.t !== 'fixed') throw new Error('codec: per APQN, only entries without ids');
        this.roles[b] = { t: 'apqn', at: start, width, q: Math.floor((b - start) / width), j: (b - start) % width };
      }
      return out;
    }
    // Per adapter, a mask over domains: apid-major, one bit per APQN.
    if (of.t !== 'mask' || of.of !== 'domain' || of.wide) throw new Error('codec: per adapter, only masks of domains');
    const out = Array.from({ length: A }, () => this.take(D));
    for (let b = start; b < this.at; b++) this.roles[b] = { t: 'apqn', at: start, width: 1, q: b - start, j: 0 };
    return out;
  }
}

/**
 * For an id permutation (adapters pa, domains pd, control domains pc) of keys of `words` words:
 * srcOf[dst] = the bit of a key that lands on bit dst of the permuted state's key, or -1 for padding.
 */
export function bitPermutation(
  roles: readonly Role[],
  words: number,
  D: number,
  pa: readonly number[],
  pd: readonly number[],
  pc: readonly number[],
): Int32Array {
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
