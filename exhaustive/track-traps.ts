/**
 * The proxy traps of a tracked view of a state (exhaustive/track.ts): every way to get a value out
 * of a state object goes through one of them, and each records the key fields it reads.
 */
import type { Range } from './codec.ts';

/** What the traps tell of a read (ReadTracker, exhaustive/track.ts). */
interface Reads {
  /** Record a read of r. */
  touch(r: Range): void;
}

const INDEX = /^(0|[1-9][0-9]*)$/;

// Proxy traps as classes (the handler is `this` in a trap): one small object per proxy, no closures.
const own = (o: object, p: string | symbol): p is string => typeof p === 'string' && Object.hasOwn(o, p);

export class ObjTraps implements ProxyHandler<object> {
  private readonly made: Record<string, object | null> = {};
  readonly tr: Reads;
  readonly leaves: Record<string, Range>;
  readonly make: Record<string, () => object | null>;
  readonly flags: Record<string, Range>;
  constructor(
    tr: Reads,
    leaves: Record<string, Range>,
    make: Record<string, () => object | null>,
    flags: Record<string, Range>,
  ) {
    this.tr = tr;
    this.leaves = leaves;
    this.make = make;
    this.flags = flags;
  }
  private touch(p: string | symbol): void {
    if (own(this.leaves, p)) this.tr.touch(this.leaves[p]!);
    else if (own(this.flags, p)) this.tr.touch(this.flags[p]!);
  }
  private kid(p: string): object | null {
    return own(this.made, p) ? this.made[p]! : (this.made[p] = this.make[p]!());
  }
  get(target: object, p: string | symbol): unknown {
    this.touch(p);
    if (own(this.make, p)) return this.kid(p);
    return Reflect.get(target, p);
  }
  getOwnPropertyDescriptor(target: object, p: string | symbol): PropertyDescriptor | undefined {
    this.touch(p);
    const d = Reflect.getOwnPropertyDescriptor(target, p);
    if (d !== undefined && own(this.make, p)) d.value = this.kid(p);
    return d;
  }
}

const index = (p: string | symbol): number => (typeof p === 'string' && INDEX.test(p) ? Number(p) : -1);

export class ArrTraps implements ProxyHandler<object> {
  private readonly made: (object | null | undefined)[] = [];
  readonly tr: Reads;
  readonly rs: readonly Range[];
  readonly make: ((i: number) => object | null) | null;
  constructor(tr: Reads, rs: readonly Range[], make: ((i: number) => object | null) | null) {
    this.tr = tr;
    this.rs = rs;
    this.make = make;
  }
  private kid(i: number): object | null {
    const m = this.made[i];
    return m !== undefined ? m : (this.made[i] = this.make!(i));
  }
  get(target: object, p: string | symbol): unknown {
    const i = index(p);
    if (i < 0 || i >= this.rs.length) return Reflect.get(target, p);
    this.tr.touch(this.rs[i]!);
    return this.make ? this.kid(i) : (target as unknown[])[i];
  }
  has(target: object, p: string | symbol): boolean {
    const i = index(p);
    if (i >= 0 && i < this.rs.length) this.tr.touch(this.rs[i]!);
    return Reflect.has(target, p);
  }
  getOwnPropertyDescriptor(target: object, p: string | symbol): PropertyDescriptor | undefined {
    const i = index(p);
    const d = Reflect.getOwnPropertyDescriptor(target, p);
    if (i >= 0 && i < this.rs.length) {
      this.tr.touch(this.rs[i]!);
      if (d !== undefined && this.make) d.value = this.kid(i);
    }
    return d;
  }
}

export class RecTraps implements ProxyHandler<object> {
  private readonly made: Record<string, object> = {};
  readonly tr: Reads;
  readonly order: Range;
  readonly make: Record<string, () => object>;
  constructor(tr: Reads, order: Range, make: Record<string, () => object>) {
    this.tr = tr;
    this.order = order;
    this.make = make;
  }
  private kid(p: string): object {
    return own(this.made, p) ? this.made[p]! : (this.made[p] = this.make[p]!());
  }
  get(target: object, p: string | symbol): unknown {
    if (typeof p !== 'string') return Reflect.get(target, p);
    this.tr.touch(this.order);
    return own(this.make, p) ? this.kid(p) : Reflect.get(target, p);
  }
  has(target: object, p: string | symbol): boolean {
    this.tr.touch(this.order);
    return Reflect.has(target, p);
  }
  ownKeys(target: object): (string | symbol)[] {
    this.tr.touch(this.order);
    return Reflect.ownKeys(target);
  }
  getOwnPropertyDescriptor(target: object, p: string | symbol): PropertyDescriptor | undefined {
    this.tr.touch(this.order);
    const d = Reflect.getOwnPropertyDescriptor(target, p);
    if (d !== undefined && own(this.make, p)) d.value = this.kid(p);
    return d;
  }
}
