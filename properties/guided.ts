/**
 * The random engine's case generator: swarm testing guided by coverage. Each case is either a setup and a fresh
 * body, or a prefix from the corpus and a few fresh ops; the body is drawn from a swarm of op families
 * (properties/swarm.ts), op by op from the state the case has reached. With a coverage function (an abstraction
 * of states; `apmc check` gives the exhaustive engine's canonical packed key) the generator keeps the set of
 * abstract states reached, and a case that reaches a new one adds its ops up to the last new state to the corpus,
 * which later cases extend (AFL and Zest keep such corpora). Deterministic for a seed and a sequence of states.
 */
import type { Mechanism } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { setupOps } from './arbitraries.ts';
import { type QuietMemo, stepFailure, type StepHook } from './case.ts';
import { DISTURBANCES } from './disturbances.ts';
import { prng } from './prng.ts';
import { below, drawOps, type Family, families, pick, type Rng, swarm } from './swarm.ts';
import type { Case, Property, Violation } from './types.ts';

/** An abstraction of states: two states with the same value count as one for coverage. */
export type Coverage = (s: State) => string | number;

/** Corpus entries kept at most (a full corpus replaces a random entry). */
const CORPUS_MAX = 4096;
/** The longest prefix kept in the corpus. */
const MAX_PREFIX = 12;
/** Of the cases, the share that extends a corpus entry (once there is one). */
/** How many of the newest corpus entries count as the frontier. */
const RECENT = 256;
const EXTEND = 0.6;

/**
 * Setup prefixes: 0..3 as properties/arbitraries.ts setupOps; 4: every queue to vfio_ap, two mdevs with an
 * adapter and a domain each (drawn), each with a guest: queues can move between two guests from there; 5: setup
 * 2, 3 or 4, then asynchronous work left in flight: a bus scan with a device to remove (an asynchronous host change,
 * then the scan's start) or, with the async_reset mechanism, a queue reset that polls (busy, then a reset).
 */
export function guidedSetup(r: Rng, scope: Scope, level: number, mechanisms: ReadonlySet<Mechanism> = new Set()): Op[] {
  if (level === 5) return [...guidedSetup(r, scope, 2 + below(r, 3)), ...inFlight(r, scope, mechanisms)];
  if (level < 4 || scope.mdevs < 2 || scope.vms < 2) return setupOps(scope, Math.min(level, 3));
  const ops = setupOps(scope, 1);
  for (const mdev of ['m1', 'm2']) {
    if (mdev === 'm2') ops.push({ kind: 'create', mdev });
    ops.push({ kind: 'assign_adapter', mdev, id: below(r, scope.adapters) });
    ops.push({ kind: 'assign_domain', mdev, id: below(r, scope.domains) });
    if (r() < 0.5) ops.push({ kind: 'assign_control_domain', mdev, id: below(r, scope.control_domains) });
  }
  ops.push({ kind: 'start', mdev: 'm1', vm: 'vm1' }, { kind: 'start', mdev: 'm2', vm: 'vm2' });
  return ops;
}

/** Asynchronous work to leave in flight after a setup with a guest on m1 (see guidedSetup). */
function inFlight(r: Rng, scope: Scope, mechanisms: ReadonlySet<Mechanism>): Op[] {
  if (mechanisms.has('async_reset') && r() < 0.5) {
    const apid = below(r, scope.adapters);
    const apqi = below(r, scope.domains);
    return [
      { kind: 'fault', apid, apqi, fault: 'busy' },
      { kind: r() < 0.5 ? 'stop' : 'vfio_reset', mdev: 'm1' },
    ];
  }
  const resource = r() < 0.5 ? 'adapter' : 'domain';
  const id = below(r, resource === 'adapter' ? scope.adapters : scope.domains);
  return [{ kind: 'host', action: 'remove', resource, id, async: true }, { kind: 'scan_start' }];
}

/** Setup levels by weight: none, queues to vfio_ap, one guest, one static guest, two guests, work in flight. */
const SETUPS = [0, 1, 2, 2, 3, 4, 4, 5] as const;

export interface Generated {
  readonly c: Case;
  /** The first state or step violation of the case's first history, or null (history properties: not run). */
  readonly v: Violation | null;
}

/** A corpus entry: a case's ops up to a new abstract state, that state, and the mdevs the ops create. */
interface Entry {
  readonly ops: readonly Op[];
  readonly state: State;
  readonly created: readonly string[];
}

export class GuidedCases {
  private readonly r: Rng;
  private readonly all: readonly Family[];
  private readonly corpus: Entry[] = [];
  private readonly seen = new Set<string | number>();
  /** The case `next` generates, or generated last: its ops so far if a step threw. */
  current: Case | null = null;
  /** Entries added in all (the newest is at (added - 1) mod CORPUS_MAX once the corpus is full). */
  private added = 0;

  private readonly scope: Scope;
  private readonly maxOps: number;
  private readonly coverage: Coverage | undefined;

  /** A copy of a stored state to start from (a guarded policy's steps may not share the states they are given). */
  private readonly copy: ((s: State) => State) | undefined;
  private readonly mechanisms: ReadonlySet<Mechanism>;

  constructor(
    scope: Scope,
    maxOps: number,
    mechanisms: ReadonlySet<Mechanism>,
    seed: number,
    coverage?: Coverage,
    copy?: (s: State) => State,
  ) {
    this.copy = copy;
    this.mechanisms = mechanisms;
    this.scope = scope;
    this.maxOps = maxOps;
    this.coverage = coverage;
    this.r = prng(seed);
    this.all = families(mechanisms);
  }

  /** Distinct abstract states reached so far, and the corpus's size. */
  get reached(): number {
    return this.seen.size;
  }
  get corpusSize(): number {
    return this.corpus.length;
  }

  /**
   * Generate the next case and run its first history from s0, checking the state and step properties `props`
   * (the first violation is returned; the case is still drawn to its end, and joins the corpus only up to a state
   * every property held on). `onStep` sees every step it runs, `before` each op before it runs (i: its index).
   */
  next(
    cfg: Config,
    s0: State,
    props: readonly Property[],
    onStep?: StepHook,
    before?: (c: Case, i: number) => void,
  ): Generated {
    const r = this.r;
    const on = swarm(r, this.all);
    const entry = this.corpus.length > 0 && r() < EXTEND ? this.pickEntry() : null;
    const plan = entry ? [] : guidedSetup(r, this.scope, pick(r, SETUPS), this.mechanisms);
    let fresh = entry ? 1 + below(r, Math.ceil(this.maxOps / 5)) : below(r, Math.floor(this.maxOps / 4) + 1);
    const swaps = Array.from({ length: 1 + below(r, 3) }, () => below(r, this.maxOps + 9));
    const disturb = below(r, DISTURBANCES.length);
    const target = below(r, this.scope.adapters * this.scope.domains);
    const created = entry ? [...entry.created] : [];
    // A corpus entry's steps ran before, with these properties or more, and held: the case starts at its state.
    const ops: Op[] = entry ? [...entry.ops] : [];
    const c: Case = { ops, swaps, disturb, target };
    this.current = c;
    const local = props.filter((p) => p.kind !== 'history');
    const quiet: QuietMemo = { v: null };
    let v: Violation | null = null;
    let s = entry ? (this.copy ? this.copy(entry.state) : entry.state) : s0;
    let novel: Entry | null = null;
    const run = (op: Op) => {
      const i = ops.length;
      ops.push(op);
      if (op.kind === 'create' && !created.includes(op.mdev)) created.push(op.mdev);
      before?.(c, i);
      const x = step(cfg, s, op);
      onStep?.(s, op, x);
      if (v === null) {
        quiet.v = null;
        for (const p of local) {
          const why = stepFailure(cfg, s, op, x, p, quiet);
          if (why) {
            v = { property: p.name, ops: ops.slice(), at: i, reason: why };
            break;
          }
        }
      }
      if (this.coverage && x.state !== s) {
        const k = this.coverage(x.state);
        if (!this.seen.has(k)) {
          this.seen.add(k);
          if (v === null) novel = { ops: ops.slice(), state: x.state, created: created.slice() };
        }
      }
      s = x.state;
    };
    for (const op of plan) run(op);
    while (fresh > 0) {
      for (const op of drawOps(r, on, { scope: this.scope, cfg, s, created })) run(op);
      fresh--;
    }
    if (novel !== null && (novel as Entry).ops.length <= MAX_PREFIX) this.keep(novel);
    return { c, v };
  }

  /** A corpus entry: half the time one of the newest (the frontier), else any. */
  private pickEntry(): Entry {
    const n = this.corpus.length;
    if (this.r() < 0.5) return this.corpus[this.recent(n)]!;
    return pick(this.r, this.corpus);
  }

  private recent(n: number): number {
    const back = below(this.r, Math.min(n, RECENT));
    return ((this.added - 1 - back + 16 * CORPUS_MAX) % CORPUS_MAX) % n;
  }

  private keep(e: Entry): void {
    this.added++;
    if (this.corpus.length < CORPUS_MAX) this.corpus.push(e);
    else this.corpus[(this.added - 1) % CORPUS_MAX] = e;
  }
}
