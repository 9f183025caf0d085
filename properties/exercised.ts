/**
 * When a property was *exercised*: its check had something to bite on at least once. A property that
 * holds but was never exercised is reported 'vacuous', not 'holds' (docs/properties.md, "Vacuous verdicts"). Each
 * predicate sees one transition of a generated history (before, op, after); a state property looks
 * at `after.state`, and a quiescent-only one only at quiescent states, where it is checked. The two
 * history properties use a proxy on the first history: there was a guest_matrix to compare (order
 * independence) or a guest that had queues to lose (recovery).
 */
import { has } from '../model/bits.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';
import { quiescent } from './quiescence.ts';
import type { Property } from './types.ts';
import { cross } from './util.ts';

export type Exercised = (cfg: Config, before: State, op: Op, after: Step) => boolean;

const nonEmpty = (m: { apm: number; aqm: number }) => m.apm !== 0 && m.aqm !== 0;
const guestWithQueues = (s: State) => Object.values(s.vms).some((v) => nonEmpty(v.crycb));
const attached = (s: State) => Object.values(s.mdevs).filter((x) => x.kvm !== null).length;
const assigned = (s: State) => Object.values(s.mdevs).filter((x) => nonEmpty(x.matrix)).length;
const vfioBound = (s: State) => s.queues.some((q) => q?.driver === 'vfio_ap');
/** Predicates that look at the after-state alone (`on`): see `observe`'s `seen`. */
const stateOnly = new WeakSet<Exercised>();
const on = (f: (s: State) => boolean): Exercised => {
  const e: Exercised = (_c, _b, _o, a) => f(a.state);
  stateOnly.add(e);
  return e;
};

/** By property name: what "exercised" means for each built-in property. */
export const EXERCISED: Readonly<Record<string, Exercised>> = {
  'no-apqn-in-two-mdevs': on((s) => assigned(s) >= 2),
  'assigned-not-default-owned': on((s) => assigned(s) >= 1),
  'guest-queues-in-host-config': on(guestWithQueues),
  'guest-queues-bound-to-vfio-ap': on(guestWithQueues),
  'guest-queues-assigned': on(guestWithQueues),
  'guest-queues-linked-and-passable': on((s) => guestWithQueues(s) && vfioBound(s)),
  'guest-control-domains-allowed': on((s) => Object.values(s.vms).some((v) => v.crycb.adm !== 0)),
  'no-apqn-in-two-guests': on((s) => attached(s) >= 2),
  'no-apqn-shared-with-host': on(guestWithQueues),
  'crycb-equals-guest-matrix': on((s) => attached(s) >= 1),
  'order-independence': on((s) => Object.values(s.mdevs).some((x) => x.shadow !== null && nonEmpty(x.shadow))),
  recovery: on(guestWithQueues),
  'reset-before-reuse': on((s) => s.dirty.some((d) => d !== null)),
  // A mask write that was refused, or that set a bit of an assigned adapter or domain.
  'in-use-refuses-mask-write': (_c, b, op, a) => {
    if (op.kind !== 'apmask' && op.kind !== 'aqmask') return false;
    if (a.result === 'EBUSY') return true;
    const m = a.state.bus;
    return Object.values(b.mdevs).some((x) =>
      [...cross(x.matrix)].some(([ap, d]) => !(has(b.bus.apmask, ap) && has(b.bus.aqmask, d)) && has(m.apmask, ap) && has(m.aqmask, d)),
    );
  },
  'one-mdev-per-vm': on((s) => attached(s) >= 1),
  // An mdev with assignments went away.
  'removed-mdev-leaves-nothing': (_c, b, _o, a) => Object.keys(b.mdevs).some((m) => !a.state.mdevs[m] && nonEmpty(b.mdevs[m]!.matrix)),
  // An assign of an assigned id, or an unassign of an unassigned one, on an existing mdev.
  'assign-idempotent': (_c, b, op, a) => {
    if (!('id' in op) || !('mdev' in op) || a.result !== 'ok') return false;
    const x = b.mdevs[op.mdev];
    if (!x || op.id > 31) return false;
    const key = op.kind.endsWith('adapter') ? 'apm' : op.kind.endsWith('control_domain') ? 'adm' : 'aqm';
    return op.kind.startsWith('assign') === has(x.matrix[key], op.id);
  },
  'status-attribute-truthful': on((s) => vfioBound(s) && attached(s) >= 1),
  'failed-op-changes-nothing': (_c, _b, _o, a) => a.result !== 'ok',
  'links-halves-agree': on((s) => s.queues.some((q) => q?.link != null)),
  // A vfio_ap queue that is assigned to an mdev (so a link is due).
  'links-follow-assignment': (c, _b, _o, a) =>
    a.state.queues.some((q, i) => {
      if (q?.driver !== 'vfio_ap') return false;
      const ap = Math.floor(i / c.scope.domains);
      const d = i % c.scope.domains;
      return Object.values(a.state.mdevs).some((x) => has(x.matrix.apm, ap) && has(x.matrix.aqm, d));
    }),
  'shadow-within-bounds': on((s) => Object.values(s.mdevs).some((x) => x.shadow !== null && nonEmpty(x.matrix))),
};

/** The property's own predicate, else the table's, else "always exercised". */
export const exercisedBy = (p: Property): Exercised => p.exercised ?? EXERCISED[p.name] ?? (() => true);

/**
 * Tracks which properties were exercised, for one engine run. `observe` each transition of the
 * generated histories; a property stops being looked at once it is exercised, so the cost vanishes.
 */
export interface ExerciseTracker {
  /**
   * One transition. `seen`: its after-state (or a symmetric image of it) was already observed as an
   * after-state or by `observeState`, so the predicates that look at the after-state alone are skipped
   * (they are symmetric; the exhaustive engine meets each stored state once as new).
   */
  observe(before: State, op: Op, after: Step, seen?: boolean): void;
  /** A state met without a transition (the initial state), for the predicates on the after-state alone. */
  observeState(s: State): void;
  readonly exercised: ReadonlySet<string>;
}

export function exerciseTracker(cfg: Config, props: readonly Property[]): ExerciseTracker {
  const exercised = new Set<string>();
  let pending = props.map((p) => {
    const f = exercisedBy(p);
    return { p, f, quiet: p.kind === 'state' && p.quiescentOnly, stateOnly: stateOnly.has(f) };
  });
  const observe = (before: State, op: Op, after: Step, seen = false): void => {
    let q: boolean | null = null;
    let done = false;
    for (const x of pending) {
      if (seen && x.stateOnly) continue;
      if (x.quiet && (q ??= quiescent(cfg, after.state)) === false) continue;
      if (!x.f(cfg, before, op, after)) continue;
      exercised.add(x.p.name);
      done = true;
    }
    if (done) pending = pending.filter((x) => !exercised.has(x.p.name));
  };
  return {
    exercised,
    observe,
    observeState(s) {
      const only = pending.filter((x) => x.stateOnly);
      if (only.length === 0) return;
      const was = pending;
      pending = only;
      observe(s, NO_OP, { state: s, result: 'ok' });
      pending = was.filter((x) => !exercised.has(x.p.name));
    },
  };
}

/** The op passed to the after-state predicates by observeState (they do not look at it). */
const NO_OP: Op = { kind: 'scan' };
