/**
 * The plain successor strategy of the search core (exhaustive/core.ts): decode the state once, step
 * each op of the alphabet with the reducer, key each successor by its class (symmetry-canonical, or
 * its own key), and check each transition and each new state (exhaustive/observer.ts).
 *
 * Two short cuts, both exact:
 * - the host changes that leave the host configuration as it is are all the state's `scan`
 *   (model/step.ts hostChangeIsScan): stepped once, its successor stored once;
 * - under symmetry, a successor that enters a scan is stored as every id image of it (each a class
 *   of its own while the scan runs: Symmetry.canonicalImages), all reachable from the images of the
 *   state.
 *
 * Also here: what a search reports when the policy throws (`StepFaults`).
 */
import type { SymmetryAudit } from './asymmetry.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { hostChangeIsScan, type Step, step } from '../model/step.ts';
import { asFault } from '../properties/policy-error.ts';
import type { PolicyGuard } from '../properties/policy-guard.ts';
import type { Successors } from './core.ts';
import type { Observer } from './observer.ts';
import type { Bound, ExhaustivePolicyError } from './options.ts';
import type { SearchStore, Space } from './space.ts';

/** What a successor strategy is given. */
export interface StrategySetting {
  readonly sp: Space;
  readonly store: SearchStore;
  readonly observer: Observer;
  readonly faults: StepFaults;
  readonly guard: PolicyGuard | undefined;
  /** Under symmetry reduction, for a policy file: the check that it treats ids alike. */
  readonly audit?: SymmetryAudit | undefined;
}

const SCAN: Op = { kind: 'scan' };

/**
 * What both strategies hold: their setting, room for the keys of one step (one, or every id image of
 * a successor that enters a scan), and the number of the state being expanded.
 */
export abstract class KeyedSuccessors {
  readonly keys: Uint32Array;
  /** The first key of `keys` alone. */
  protected readonly key1: Uint32Array;
  protected readonly W: number;
  protected readonly x: StrategySetting;
  protected i = 0;

  constructor(x: StrategySetting) {
    this.x = x;
    this.W = x.sp.W;
    this.keys = new Uint32Array(x.sp.W * (x.sp.sym ? x.sp.sym.perms.length : 1));
    this.key1 = this.keys.subarray(0, this.W);
  }
}

export class PlainSuccessors extends KeyedSuccessors implements Successors {
  private s!: State;
  /** The reducer's configuration for this state: the guard's, thorough, for one state in 128. */
  private stepCfg: Config;
  private thorough = false;
  /** The state's scan, once stepped, and whether its successor was stored. */
  private scan: Step | null = null;
  private scanStored = false;
  /** The last step: its op, its result, whether its keys are the images of a scan entry. */
  private op!: Op;
  private r!: Step;
  private images = false;

  constructor(x: StrategySetting) {
    super(x);
    this.stepCfg = x.sp.cfg;
  }

  begin(i: number): void {
    const { sp, store, guard } = this.x;
    const at = i * this.W;
    this.i = i;
    this.s = sp.codec.decode(store.arena, at);
    // Successors share most of their parts with s: their keys start from s's (codec.ts `reference`).
    sp.codec.reference(this.s, store.arena, at);
    if (this.x.audit?.due(i)) this.x.audit.check(i, this.s);
    this.thorough = guard !== undefined && (i & 127) === 0;
    if (guard) guard.thorough = this.thorough;
    this.stepCfg = this.thorough ? { scope: sp.scope, policy: guard!.policy } : sp.cfg;
    this.scan = null;
    this.scanStored = false;
  }

  step(k: number): void {
    const s = this.s;
    const op = (this.op = this.x.sp.ops[k]!);
    const c = this.stepCfg;
    this.r = hostChangeIsScan(c, s, op) || op.kind === 'scan' ? (this.scan ??= step(c, s, SCAN)) : step(c, s, op);
  }

  key(): number {
    const { sp, observer } = this.x;
    const { s, r } = this;
    observer.step(this.i, s, this.op, r);
    if (r.state === s || (r === this.scan && this.scanStored)) return 0;
    const sym = sp.sym;
    this.images = sym !== null && s.bus.scan === null && r.state.bus.scan !== null;
    if (this.images) return sym!.canonicalImages(r.state, this.keys);
    sp.canon(r.state, this.key1);
    return sameAsParent(this.x.store.arena, this.i * this.W, this.key1, this.W) ? 0 : 1; // a new object, the same state
  }

  stored(_j: number, n: number, depth: number): Bound | null {
    const { sp, store, observer } = this.x;
    const t = this.images ? sp.codec.decode(store.arena, n * this.W) : this.r.state;
    return observer.newState(n, t, depth);
  }

  stepped(fresh: boolean): void {
    if (this.r === this.scan) this.scanStored = true;
    // Exercise predicates on the after-state alone need each stored class once: when it is new.
    this.x.observer.transition(this.s, this.op, this.r, !fresh);
  }

  failed(k: number, e: unknown): Bound {
    return this.x.faults.record(this.i, this.x.sp.ops[k]!, e, this.s, !this.thorough);
  }
}

export function sameAsParent(arena: Uint32Array, at: number, key: Uint32Array, W: number): boolean {
  for (let w = 0; w < W; w++) if (arena[at + w] !== key[w]) return false;
  return true;
}

/** The policy errors of a search: the first one met, with the shortest trace that shows it. */
export class StepFaults {
  error: ExhaustivePolicyError | undefined;
  private readonly cfg: Config;
  private readonly guard: PolicyGuard | undefined;
  private readonly trace: (n: number) => Op[];

  constructor(cfg: Config, guard: PolicyGuard | undefined, trace: (n: number) => Op[]) {
    this.cfg = cfg;
    this.guard = guard;
    this.trace = trace;
  }

  /** The policy threw e on op from stored state i (its state s): named through the guard (stepped again) if `again`. */
  record(i: number, op: Op, e: unknown, s: State, again: boolean): 'policy-error' {
    let err = e;
    const guard = this.guard;
    if (guard && again) {
      // The raw policy threw: step once more through the guard, which names the callback.
      try {
        guard.thorough = true;
        step({ scope: this.cfg.scope, policy: guard.policy }, s, op);
      } catch (e2) {
        err = e2;
      } finally {
        guard.thorough = false;
      }
    }
    const path = [...this.trace(i), op];
    const f = asFault(this.cfg.policy.name, err);
    this.error = { kind: f.kind, callback: f.callback, message: f.message, ops: path, at: path.length - 1 };
    return 'policy-error';
  }
}
