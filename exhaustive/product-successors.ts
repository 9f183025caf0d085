/**
 * The pair successor strategy of the search core (exhaustive/core.ts) for a product search
 * (exhaustive/product.ts): decode both halves of a stored pair once, step each op of the alphabet under
 * policy A and under policy B, let the goal check the transition and carry its words, and key the
 * successor pair by its class (exhaustive/product-symmetry.ts) followed by the goal's words.
 *
 * As in the plain strategy (exhaustive/successors.ts): a host change that leaves a half's host
 * configuration as it is steps as that half's scan (stepped once per state); a pair one of whose halves
 * enters a scan is stored as every id image of it; one expanded state in 128 is stepped through each
 * policy's guard, thoroughly. A policy that throws is reported as the plain search reports it, the
 * base's error naming the base.
 */
import type { SymmetryAudit } from './asymmetry.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { hostChangeIsScan, type Step, step } from '../model/step.ts';
import type { PolicyGuard } from '../properties/policy-guard.ts';
import type { Successors } from './core.ts';
import type { Bound } from './options.ts';
import type { PairSpace } from './product-space.ts';
import type { SearchStore } from './space.ts';
import { sameAsParent, type StepFaults } from './successors.ts';

/** What a product search checks as it goes (exhaustive/product-attribution.ts, product-difference.ts). */
export interface PairGoal {
  /** Nothing left to look for. */
  readonly finished: boolean;
  /**
   * The transition from stored pair i (a, b) by op to (ra, rb): its checks; `t` holds the parent's goal
   * words on entry, the successor's on return (the bits that no longer matter cleared).
   */
  step(i: number, a: State, b: State, op: Op, ra: Step, rb: Step, t: Uint32Array): void;
  /** Exercise tracking on a transition; `seen`: the successor pair was stored before. */
  transition(a: State, op: Op, ra: Step, seen: boolean): void;
  /** Set by `step`: the transition just stepped is not followed (its successor pair is not stored). */
  readonly cut?: boolean;
}

/** One half: its configuration, guard, faults, and the state being expanded with its scan. */
class Half {
  s!: State;
  cfg: Config;
  scan: Step | null = null;
  r!: Step;
  thorough = false;
  readonly base: Config;
  readonly guard: PolicyGuard | undefined;
  readonly faults: StepFaults;

  constructor(cfg: Config, guard: PolicyGuard | undefined, faults: StepFaults) {
    this.base = this.cfg = cfg;
    this.guard = guard;
    this.faults = faults;
  }

  begin(s: State, thorough: boolean): void {
    this.s = s;
    this.scan = null;
    this.thorough = thorough && this.guard !== undefined;
    if (this.guard) this.guard.thorough = this.thorough;
    this.cfg = this.thorough ? { scope: this.base.scope, policy: this.guard!.policy } : this.base;
  }

  step(op: Op): void {
    const { s, cfg } = this;
    this.r = hostChangeIsScan(cfg, s, op) || op.kind === 'scan' ? (this.scan ??= step(cfg, s, SCAN)) : step(cfg, s, op);
  }
}

const SCAN: Op = { kind: 'scan' };

export interface PairSetting {
  readonly sp: PairSpace;
  readonly store: SearchStore;
  readonly goal: PairGoal;
  readonly faultsA: StepFaults;
  readonly faultsB: StepFaults;
  readonly guardA: PolicyGuard | undefined;
  readonly guardB: PolicyGuard | undefined;
  /** Under symmetry reduction, for policy files: the checks that each treats ids alike (exhaustive/asymmetry.ts). */
  readonly audits?: readonly [SymmetryAudit, SymmetryAudit] | undefined;
}

export class PairSuccessors implements Successors {
  readonly keys: Uint32Array;
  private readonly key1: Uint32Array;
  private readonly x: PairSetting;
  private readonly A: Half;
  private readonly B: Half;
  /** The half being stepped (for a policy error), the parent's goal words, the successor's. */
  private stepping: Half;
  private readonly parentT: Uint32Array;
  private readonly t: Uint32Array;
  private i = 0;
  private op!: Op;
  private readonly W: number;

  constructor(x: PairSetting) {
    this.x = x;
    const { W, sym } = x.sp;
    this.W = W;
    this.keys = new Uint32Array(W * (sym ? sym.perms.length : 1));
    this.key1 = this.keys.subarray(0, W);
    this.A = new Half(x.sp.cfgA, x.guardA, x.faultsA);
    this.B = new Half(x.sp.cfgB, x.guardB, x.faultsB);
    this.stepping = this.A;
    this.parentT = new Uint32Array(x.sp.T);
    this.t = new Uint32Array(x.sp.T);
  }

  begin(i: number): void {
    const { sp, store } = this.x;
    const at = i * this.W;
    this.i = i;
    const a = sp.codecA.decode(store.arena, at);
    const b = sp.codecB.decode(store.arena, at + sp.W1);
    // Successors share most of their parts with their parent: their keys start from its key.
    sp.codecA.reference(a, store.arena, at);
    sp.codecB.reference(b, store.arena, at + sp.W1);
    const audits = this.x.audits;
    if (audits?.[0].due(i)) {
      audits[0].check(i, a);
      audits[1].check(i, b);
    }
    const thorough = (i & 127) === 0;
    this.A.begin(a, thorough);
    this.B.begin(b, thorough);
    for (let w = 0; w < sp.T; w++) this.parentT[w] = store.arena[at + sp.P + w]!;
  }

  step(k: number): void {
    const op = (this.op = this.x.sp.ops[k]!);
    this.stepping = this.A;
    this.A.step(op);
    this.stepping = this.B;
    this.B.step(op);
  }

  key(): number {
    const { sp, goal, store } = this.x;
    const { A, B, t } = this;
    const T = t.length;
    for (let w = 0; w < T; w++) t[w] = this.parentT[w]!;
    goal.step(this.i, A.s, B.s, this.op, A.r, B.r, t);
    if (goal.cut) return 0;
    const ra = A.r.state;
    const rb = B.r.state;
    const P = sp.P;
    const W = this.W;
    const sym = sp.sym;
    if (sym !== null && (entersScan(A.s, ra) || entersScan(B.s, rb))) {
      const m = sym.canonicalImages(ra, rb, this.keys, W);
      for (let j = 0; j < m; j++) for (let w = 0; w < T; w++) this.keys[j * W + P + w] = t[w]!;
      return m;
    }
    if (ra === A.s && rb === B.s && sameWords(t, this.parentT)) return 0;
    sp.canon(ra, rb, this.key1);
    for (let w = 0; w < T; w++) this.key1[P + w] = t[w]!;
    return sameAsParent(store.arena, this.i * W, this.key1, W) ? 0 : 1;
  }

  stored(): Bound | null {
    return null;
  }

  stepped(fresh: boolean): void {
    this.x.goal.transition(this.A.s, this.op, this.A.r, !fresh);
  }

  failed(k: number, e: unknown): Bound {
    const h = this.stepping;
    return h.faults.record(this.i, this.x.sp.ops[k]!, e, h.s, !h.thorough);
  }
}

const entersScan = (s: State, r: State): boolean => s.bus.scan === null && r.bus.scan !== null;

function sameWords(x: Uint32Array, y: Uint32Array): boolean {
  for (let w = 0; w < x.length; w++) if (x[w] !== y[w]) return false;
  return true;
}
