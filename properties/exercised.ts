/**
 * When a property was *exercised*: its check had something to bite on at least once. A property that
 * holds but was never exercised is reported 'vacuous', not 'holds' (docs/properties.md, "Vacuous verdicts"). Each
 * predicate sees one transition of a generated history (before, op, after); a state property looks
 * at `after.state`, and a quiescent-only one only at quiescent states, where it is checked. A history
 * property's predicate is a proxy on the first history. Each property file has its own predicate.
 */
import { NO_EVENTS } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';
import { quiescent } from './quiescence.ts';
import type { Property } from './types.ts';

export type Exercised = (cfg: Config, before: State, op: Op, after: Step) => boolean;

export const nonEmpty = (m: { apm: number; aqm: number }): boolean => m.apm !== 0 && m.aqm !== 0;
/** Some guest's CRYCB gives it a queue (no array made: it runs on every transition). */
export function guestWithQueues(s: State): boolean {
  for (const vm in s.vms) if (nonEmpty(s.vms[vm]!.crycb)) return true;
  return false;
}
export const attached = (s: State): number => Object.values(s.mdevs).filter((x) => x.kvm !== null).length;
export const assigned = (s: State): number => Object.values(s.mdevs).filter((x) => nonEmpty(x.matrix)).length;
export const vfioBound = (s: State): boolean => s.queues.some((q) => q?.driver === 'vfio_ap');
/** Predicates that look at the after-state alone (`onState`): see `observe`'s `seen`. */
const stateOnly = new WeakSet<Exercised>();
/** An exercise predicate on the after-state alone. */
export const onState = (f: (s: State) => boolean): Exercised => {
  const e: Exercised = (_c, _b, _o, a) => f(a.state);
  stateOnly.add(e);
  return e;
};

/** The property's own predicate, else "always exercised". */
export const exercisedBy = (p: Property): Exercised => p.exercised ?? (() => true);

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
      observe(s, NO_OP, { state: s, result: 'ok', events: NO_EVENTS });
      pending = was.filter((x) => !exercised.has(x.p.name));
    },
  };
}

/** The op passed to the after-state predicates by observeState (they do not look at it). */
const NO_OP: Op = { kind: 'scan' };
