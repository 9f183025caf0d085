/**
 * The random engine's case generator: swarm testing guided by coverage. Each case is either a setup and a fresh
 * body, or a prefix from the corpus and up to maxOps / 2 fresh draws; the body is drawn from a swarm of op families
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
import { type QuietMemo, runSettled, stepFailure, type StepHook } from './case.ts';
import { caseDisturbance, DISTURBANCES } from './disturbances.ts';
import { configurationKey } from './configuration.ts';
import { applySwaps, gives, orderIndependence, orderViolation } from './order-independence.ts';
import { prng } from './prng.ts';
import { settle } from './quiescence.ts';
import { recovery, recoveryWith } from './recovery.ts';
import { livenessAfter, settledGuestsGetTheirQueues } from './settled-guests-get-their-queues.ts';
import { below, drawOps, type Family, families, pick, type Rng, swarm } from './swarm.ts';
import type { Case, Property, Violation } from './types.ts';

/** An abstraction of states: two states with the same value count as one for coverage. */
export type Coverage = (s: State) => string | number;

/** Corpus entries kept at most (a full corpus replaces a random entry). */
const CORPUS_MAX = 4096;
/** Setups remembered at most. */
const SETUPS_MAX = 4096;
/** The longest prefix kept in the corpus. */
const MAX_PREFIX = 12;
/** How many of the newest corpus entries count as the frontier. */
const RECENT = 256;
/** Of the cases, the share that extends a corpus entry (once there is one), by 1 to maxOps / 2 draws. */
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
  /** The states of the first history: states[i] after c.ops[0..i) (states[0] is s0; stored states: do not mutate). */
  readonly states: readonly State[];
}

/** A corpus entry: a case's ops up to a new abstract state, the states after each op, the mdevs the ops create. */
interface Entry {
  readonly ops: readonly Op[];
  /** states[i]: the state after ops[i]; the last one is the new abstract state. */
  readonly states: readonly State[];
  readonly created: readonly string[];
}

/** The entry of the first n ops of a case whose states (s0 first) are `states`. */
function prefixEntry(ops: readonly Op[], states: readonly State[], n: number): Entry {
  const created: string[] = [];
  for (let i = 0; i < n; i++) {
    const o = ops[i]!;
    if (o.kind === 'create' && !created.includes(o.mdev)) created.push(o.mdev);
  }
  return { ops: ops.slice(0, n), states: states.slice(1, n + 1), created };
}

export class GuidedCases {
  private readonly r: Rng;
  private readonly all: readonly Family[];
  private readonly corpus: Entry[] = [];
  private readonly seen = new Set<string | number>();
  /** Setups run so far (by their ops), each as a corpus entry. */
  private readonly setups = new Map<string, Entry>();
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
    let fresh = entry ? 1 + below(r, Math.ceil(this.maxOps / 2)) : below(r, Math.floor(this.maxOps / 4) + 1);
    const swaps = Array.from({ length: 1 + below(r, 3) }, () => below(r, this.maxOps + 9));
    const disturb = below(r, DISTURBANCES.length);
    const target = below(r, this.scope.adapters * this.scope.domains);
    // A corpus entry's steps, or a setup's that ran before, ran with these properties or more and held: the case
    // starts at their last state.
    const memo = entry === null && plan.length > 0 ? plan.map((o) => JSON.stringify(o)).join('\n') : null;
    const base = entry ?? (memo === null ? undefined : this.setups.get(memo));
    const created = base ? [...base.created] : [];
    const ops: Op[] = base ? [...base.ops] : [];
    const states: State[] = base ? [s0, ...base.states] : [s0];
    const c: Case = { ops, swaps, disturb, target };
    this.current = c;
    const local = props.filter((p) => p.kind !== 'history');
    const quiet: QuietMemo = { v: null };
    let v: Violation | null = null;
    const last = states[states.length - 1]!;
    let s = base && this.copy ? this.copy(last) : last;
    // The ops up to the last new abstract state reached while every property held (0: none).
    let novelAt = 0;
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
      const moved = x.state !== s;
      s = x.state;
      states.push(s);
      if (this.coverage && moved) {
        const k = this.coverage(s);
        if (!this.seen.has(k)) {
          this.seen.add(k);
          if (v === null) novelAt = ops.length;
        }
      }
    };
    if (!base) {
      for (const op of plan) run(op);
      if (memo !== null && v === null && this.setups.size < SETUPS_MAX)
        this.setups.set(memo, prefixEntry(ops, states, ops.length));
    }
    while (fresh > 0) {
      for (const op of drawOps(r, on, { scope: this.scope, cfg, s, created })) run(op);
      fresh--;
    }
    if (novelAt > 0 && novelAt <= MAX_PREFIX) this.keep(prefixEntry(ops, states, novelAt));
    return { c, v, states };
  }

  /**
   * Offer the first n ops of the case generated last (its first history reached `states`, s0 first) to the corpus
   * as a prefix worth extending, as a new abstract state is: the engine against a base offers where the two designs
   * part. Longer prefixes than a corpus entry may have are not kept.
   */
  offer(ops: readonly Op[], states: readonly State[], n: number): void {
    if (n > 0 && n <= MAX_PREFIX) this.keep(prefixEntry(ops, states, n));
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

/**
 * The first violation of the history properties of `props` on a generated case, in the order of `props`: what
 * `p.checkCase(cfg, s0, g.c)` returns, without replaying what the first history already ran (the model is
 * deterministic, so a replay of ops[0..i) from s0 reaches g.states[i]). Recovery and settled-guests start from the
 * case's last state; order independence from the state before the first op the swaps move (the two histories share
 * the ops before it). Other history properties run their own check. `copy`: as GuidedCases' (a guarded policy).
 */
export function historyViolation(
  cfg: Config,
  s0: State,
  g: Generated,
  props: readonly Property[],
  copy?: (s: State) => State,
): Violation | null {
  const { c, states } = g;
  const at = (i: number): State => (copy ? copy(states[i]!) : states[i]!);
  let end: State | null = null; // the case's last state, settled
  const settled = (): State => (end ??= settle(cfg, at(c.ops.length)));
  for (const p of props) {
    if (p.kind !== 'history') continue;
    let v: Violation | null;
    if (p === recovery) {
      const before = settled();
      const dr = caseDisturbance(cfg, before, c);
      v = dr === null ? null : recoveryWith(cfg, s0, c.ops, dr, before);
    } else if (p === settledGuestsGetTheirQueues) {
      const w = livenessAfter(cfg, at(c.ops.length), []);
      v = w === null ? null : { ...w, ops: [...c.ops, ...w.ops] };
    } else if (p === orderIndependence) {
      v = c.swaps.length > 0 ? swapped(cfg, c.ops, applySwaps(c.ops, c.swaps), at, settled) : null;
    } else v = p.checkCase(cfg, s0, c);
    if (v) return v;
  }
  return null;
}

/**
 * orderViolation(cfg, s0, ops, other): the second history runs from the first op where the two differ, and is
 * compared with the first one's settled last state as orderViolation compares them; orderViolation itself, from
 * that op, gives the violation when there is one.
 */
function swapped(
  cfg: Config,
  ops: readonly Op[],
  other: readonly Op[],
  at: (i: number) => State,
  settled: () => State,
): Violation | null {
  let i = 0;
  while (i < ops.length && ops[i] === other[i]) i++;
  if (i === ops.length) return null; // one history twice: the same configuration and guests
  const a = settled();
  const b = runSettled(cfg, at(i), other.slice(i));
  if (configurationKey(a) !== configurationKey(b)) return null;
  if (Object.keys(a.mdevs).every((m) => gives(a.mdevs[m]!) === gives(b.mdevs[m]!))) return null;
  const w = orderViolation(cfg, at(i), ops.slice(i), other.slice(i));
  return w === null ? null : { ...w, ops, other };
}
