/**
 * Liveness after settling: once the hardware behaves again and the kernel's asynchronous work is done,
 * a filter event gives every guest each queue vfio_ap controls for it.
 *
 * The continuation that settles a state (`settling`), as trace ops:
 * 1. settle as every history property does (properties/quiescence.ts `settle`: the scan under way or
 *    due, then the pending re-probes);
 * 2. clear the faults: `fault aa.dddd none` for every queue with one (card deconfiguration is the
 *    administrator's, not a fault, and stays);
 * 3. run the kernel's pending work until there is none: the scan under way or due (`scan`), the bind
 *    half of a split re-probe (`reprobe aa.dddd bind`), the pending re-probes (`reprobe aa.dddd`), and a
 *    poll of each queue whose reset work item is queued (`reset_poll aa.dddd`). The state is *settled*
 *    when no scan is under way or due, no re-probe (nor its bind half) is pending and no queue polls (every
 *    reset completed). A state that is still not settled after 2 × (queues) + 4 rounds never settles,
 *    which is a violation of its own;
 * 4. a filter event: the re-probe (`unbind`, then `bind … vfio_ap`) of a queue that should be in its
 *    guest and is not, then 3 again; one continuation for each such queue, and each must give every guest
 *    all it should have (any filter event, so that the verdict does not depend on which queue is first,
 *    nor on the names: the exhaustive engine's symmetry reduction needs that). A probe filters in every
 *    dynamic design (spec §8.5).
 *
 * Then, for every mdev attached to a guest (without a pending remove), every APQN of its matrix in the
 * host configuration whose adapter row and domain column (within the matrix and the host configuration)
 * hold only queues bound to vfio_ap, linked to the mdev and passable (the design's own `passable`, never
 * a reset in progress) must be in the guest's CRYCB. Rows and columns both: the architecture cannot take
 * one APQN out of a guest, and a design may filter by adapter or by domain.
 */
import { has, ids } from '../model/bits.ts';
import { reprobePending } from '../model/bus.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { apqnName, qix } from '../model/scope.ts';
import { sameMatrix, type MdevName, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { guestWithQueues, onState, vfioBound } from './exercised.ts';
import type { HistoryProperty, Violation } from './types.ts';

const NAME = 'settled-guests-get-their-queues';

/** The ops of a continuation and where they lead. */
class Continuation {
  readonly ops: Op[] = [];
  s: State;
  private readonly cfg: Config;
  constructor(cfg: Config, s: State) {
    this.cfg = cfg;
    this.s = s;
  }
  /** A continuation from here on, these ops its first. */
  fork(): Continuation {
    const f = new Continuation(this.cfg, this.s);
    f.ops.push(...this.ops);
    return f;
  }
  /** Step op; kept when the kernel took it (ok) or it changed the state. */
  do(op: Op): boolean {
    const r = step(this.cfg, this.s, op);
    if (r.result !== 'ok' && r.state === this.s) return false;
    this.ops.push(op);
    const changed = r.state !== this.s;
    this.s = r.state;
    return changed || r.result === 'ok';
  }
}

/** Whether a settle round has work: the scan under way or due, a re-probe (or its bind half), a polling queue. */
function pending(cfg: Config, s: State): boolean {
  if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) return true;
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      const q = s.queues[qix(cfg.scope, a, d)];
      if (q && (q.rebind || q.polling || reprobePending(cfg, s, a, d))) return true;
    }
  }
  return false;
}

/** Step 3: run the pending work, round after round; false when it is still pending after the bound. */
function runPending(cfg: Config, c: Continuation): boolean {
  const { adapters, domains } = cfg.scope;
  for (let round = 0; round < 2 * adapters * domains + 4; round++) {
    if (!pending(cfg, c.s)) return true;
    const s = c.s;
    if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) c.do({ kind: 'scan' });
    for (let a = 0; a < adapters; a++) {
      for (let d = 0; d < domains; d++) {
        const q = c.s.queues[qix(cfg.scope, a, d)];
        if (q?.rebind) c.do({ kind: 'reprobe', apid: a, apqi: d, half: 'bind' });
        else if (reprobePending(cfg, c.s, a, d)) c.do({ kind: 'reprobe', apid: a, apqi: d });
      }
    }
    for (let a = 0; a < adapters; a++) {
      for (let d = 0; d < domains; d++) {
        if (c.s.queues[qix(cfg.scope, a, d)]?.polling) c.do({ kind: 'reset_poll', apid: a, apqi: d });
      }
    }
  }
  return !pending(cfg, c.s);
}

/** Every APQN of an attached mdev that should be in its guest and is not: [mdev, vm, apid, apqi], in order. */
export function allMissing(cfg: Config, s: State): [MdevName, string, number, number][] {
  const out: [MdevName, string, number, number][] = [];
  const good = (m: MdevName, a: number, d: number): boolean => {
    const q = s.queues[qix(cfg.scope, a, d)];
    return (
      q !== null &&
      q !== undefined &&
      q.driver === 'vfio_ap' &&
      q.link === m &&
      q.reset !== 'in_progress' &&
      cfg.policy.passable(q.reset)
    );
  };
  for (const [name, m] of Object.entries(s.mdevs)) {
    if (m.kvm === null || m.removing) continue;
    const vm = s.vms[m.kvm];
    if (vm === undefined) continue;
    const as = ids(m.matrix.apm).filter((a) => a < cfg.scope.adapters && has(s.host.apm, a));
    const ds = ids(m.matrix.aqm).filter((d) => d < cfg.scope.domains && has(s.host.aqm, d));
    const rowGood = new Map(as.map((a) => [a, ds.every((d) => good(name, a, d))]));
    const colGood = new Map(ds.map((d) => [d, as.every((a) => good(name, a, d))]));
    for (const a of as) {
      if (!rowGood.get(a)) continue;
      for (const d of ds) {
        if (colGood.get(d) && !(has(vm.crycb.apm, a) && has(vm.crycb.aqm, d))) out.push([name, m.kvm, a, d]);
      }
    }
  }
  return out;
}

/** The continuation from s (the end of a history), and what it shows: null, or why the property fails. */
export function settling(cfg: Config, s: State): { ops: Op[]; reason: string | null } {
  // Nothing to judge: no guest to miss a queue, and no reset work item or re-probe half that could run on.
  const guest = Object.values(s.mdevs).some((m) => m.kvm !== null && !m.removing);
  if (!guest && !s.queues.some((q) => q !== null && (q.polling || q.rebind))) return { ops: [], reason: null };
  const c = new Continuation(cfg, s);
  // 1. As quiescence.settle does (so that a settled state's class decides the verdict).
  if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) c.do({ kind: 'scan' });
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      if (reprobePending(cfg, c.s, a, d)) c.do({ kind: 'reprobe', apid: a, apqi: d });
    }
  }
  // 2. The faults cleared.
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      if (c.s.fault[qix(cfg.scope, a, d)] !== 'none') c.do({ kind: 'fault', apid: a, apqi: d, fault: 'none' });
    }
  }
  const stuck = (x: Continuation): string => {
    const busy: string[] = [];
    for (let a = 0; a < cfg.scope.adapters; a++) {
      for (let d = 0; d < cfg.scope.domains; d++)
        if (x.s.queues[qix(cfg.scope, a, d)]?.polling) busy.push(apqnName(a, d));
    }
    const still = busy.length ? ` (${busy.join(' ')} still polling)` : '';
    return `with the faults cleared, the kernel's work never ends${still}`;
  };
  // 3. Settled.
  if (!runPending(cfg, c)) return { ops: c.ops, reason: stuck(c) };
  // 4. A filter event: each missing queue re-probed, one continuation each; every one must give all back.
  for (const [, , a, d] of allMissing(cfg, c.s)) {
    const f = c.fork();
    f.do({ kind: 'unbind', apid: a, apqi: d });
    f.do({ kind: 'bind', apid: a, apqi: d, driver: 'vfio_ap' });
    if (!runPending(cfg, f)) return { ops: f.ops, reason: stuck(f) };
    const still = allMissing(cfg, f.s)[0];
    if (still === undefined) continue;
    const [m, vm, a2, d2] = still;
    return {
      ops: f.ops,
      reason:
        `settled, after a re-probe of ${apqnName(a, d)}, ${vm} lacks ${apqnName(a2, d2)}: assigned to ${m}, and ` +
        'its adapter and domain have only queues bound to vfio_ap, linked and passable',
    };
  }
  return { ops: c.ops, reason: null };
}

/** The property on a history: the continuation after `ops` (its ops the violation's tail). */
export function livenessAfter(cfg: Config, s0: State, ops: readonly Op[]): Violation | null {
  let s = s0;
  for (const op of ops) s = step(cfg, s, op).state;
  const r = settling(cfg, s);
  if (r.reason === null) return null;
  return { property: NAME, ops: [...ops, ...r.ops], at: null, tail: r.ops.length, reason: r.reason };
}

export const settledGuestsGetTheirQueues: HistoryProperty = {
  kind: 'history',
  name: NAME,
  statement:
    'Once the faults are cleared, the kernel has settled and a filter event has run, every attached guest has ' +
    'each APQN of its matrix whose adapter and domain have only queues bound to vfio_ap, linked and passable.',
  spec: 'L1',
  exercised: onState((s) => guestWithQueues(s) && vfioBound(s)),
  shardSafe: true,
  carries: 'tail',
  tailLabel: 'the faults cleared, the kernel settled, a filter event',
  checkCase: (cfg, s0, c) => livenessAfter(cfg, s0, c.ops),
  recheck(cfg, s0, h) {
    const t = h.tail ?? 0;
    return livenessAfter(cfg, s0, h.ops.slice(0, h.ops.length - t));
  },
  writeCase(cfg, c, w) {
    for (const op of c.ops) w.step(op);
    // The first part of the continuation is this settling: it then finds nothing to do.
    for (const op of settling(cfg, w.settle()).ops) w.step(op);
  },
  exhaustive(ctx) {
    const { cfg, s0 } = ctx;
    return {
      settled(n, s) {
        if (settling(cfg, s).reason === null) return;
        const path = ctx.trace(n);
        // The path reaches the stored state or an image of it: the property does not depend on names.
        const again = livenessAfter(cfg, s0, path);
        if (again === null)
          throw new Error(`exhaustive: ${NAME}: the reconstructed trace does not reproduce the violation`);
        ctx.report(again, path.length + (again.tail ?? 0));
      },
      receive() {},
    };
  },
};
