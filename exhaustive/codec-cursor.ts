/** What the encoder and the decoder of a packed key (exhaustive/codec.ts) share: the scope's sizes and a cursor. */
import { type Mask, range } from '../model/bits.ts';
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Scope } from '../model/scope.ts';
import type { Layout } from './codec-layout.ts';

/** A cursor over one key (bit `pos` of the key at buf[base..]) and the field widths of the layout. */
export class KeyCursor {
  protected buf: Uint32Array = new Uint32Array(0);
  protected base = 0;
  protected pos = 0;
  protected readonly A: number;
  protected readonly D: number;
  protected readonly C: number;
  protected readonly N: number;
  /** Bits of an mdev name, a VM name, a fault, a queue's driver and reset status. */
  protected readonly mb: number;
  protected readonly vb: number;
  protected readonly faultBits: number;
  protected readonly driverBits: number;
  protected readonly resetBits: number;
  protected readonly fullA: Mask;
  protected readonly fullD: Mask;
  protected readonly mdevNames: readonly string[];
  protected readonly vmNames: readonly string[];

  constructor(scope: Scope, L: Layout) {
    this.A = scope.adapters;
    this.D = scope.domains;
    this.C = scope.control_domains;
    this.N = this.A * this.D;
    this.mb = L.queues[0]!.link.n;
    this.vb = L.dirty[0]!.n;
    this.faultBits = L.fault[0]!.n;
    this.driverBits = L.queues[0]!.driver.n;
    this.resetBits = L.queues[0]!.reset.n;
    this.fullA = range(this.A);
    this.fullD = range(this.D);
    this.mdevNames = mdevNames(scope);
    this.vmNames = vmNames(scope);
  }
}
