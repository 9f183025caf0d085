import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';

/** A generated case of the random engine (properties/arbitraries.ts). */
export interface Case {
  readonly ops: readonly Op[];
  /** Adjacent transpositions (index into ops, modulo) that derive the second history. */
  readonly swaps: readonly number[];
  /** Which disturbance (an index into DISTURBANCES, properties/disturbances.ts, modulo), and on what. */
  readonly disturb: number;
  readonly target: number;
}

export interface Violation {
  readonly property: string;
  /** The ops that show it; with a `tail`, the derived part (a disturbance and its undoing) is the last ops. */
  readonly ops: readonly Op[];
  /** 0-based index of the step where it broke (state and step properties), or null. */
  readonly at: number | null;
  readonly reason: string;
  /** A second history, compared with the first (counterexample JSON "other_ops"). */
  readonly other?: readonly Op[];
  /** How many of the last ops are the derived part (counterexample JSON "tail"). */
  readonly tail?: number;
}

interface Named {
  /** kebab-case, what must always be true (`no-apqn-in-two-mdevs`). */
  readonly name: string;
  /** One sentence. */
  readonly statement: string;
  /**
   * The invariant of spec §11 it encodes (I1–I17); beyond §11, a letter and a number: E kernel events,
   * T transient (states between the steps of asynchronous work), L liveness after settling.
   */
  readonly spec: string;
  /**
   * When a transition of a generated history gives the check something to bite on; never true in a
   * whole run makes the verdict 'vacuous'. Without one the property counts as always exercised.
   * Predicates on the after-state alone are built with `onState` (properties/exercised.ts), which lets
   * the exhaustive engine look at each stored state once.
   */
  readonly exercised?: (cfg: Config, before: State, op: Op, after: Step) => boolean;
}

/** Checked after every step (or only at quiescent points). null = holds; a string says why not. */
export interface StateInvariant extends Named {
  readonly kind: 'state';
  readonly quiescentOnly: boolean;
  readonly check: (cfg: Config, s: State) => string | null;
}

/** Checked on every transition (before, op, after). */
export interface StepProperty extends Named {
  readonly kind: 'step';
  readonly check: (cfg: Config, before: State, op: Op, after: Step) => string | null;
  /**
   * The check holds on every idle step: one that gives back the very state it was given (the same
   * object) and no event. The exhaustive engine skips it there (exhaustive/observer.ts); most steps
   * of a search are idle (a refused op, a re-assign).
   */
  readonly holdsWhenIdle?: boolean;
}

/** The histories a violation of a history property carries (as a counterexample file gives them). */
export interface Histories {
  /** The first history; with a `tail`, the derived part is its last ops. */
  readonly ops: readonly Op[];
  readonly other?: readonly Op[] | undefined;
  readonly tail?: number | undefined;
}

/** Steps a plain trace op by op, recording it (policy-error.ts writes a case's histories out so). */
export interface TraceWriter {
  /** Step op and record it: the new state. */
  step(op: Op): State;
  /** Record the scan and re-probes that settle the current state (as quiescence.settle does): the settled state. */
  settle(): State;
}

/** A plain record, sent between threads (structured-cloneable). */
export type Shared = Readonly<Record<string, string | number | boolean>>;

/** A renaming of ids and names that the scope's symmetry allows. */
export interface Renaming {
  state(s: State): State;
  op(o: Op): Op;
}

/** What the exhaustive engine gives a history property's check (properties/ does not import exhaustive/). */
export interface SearchContext {
  readonly cfg: Config;
  readonly s0: State;
  /** The id-permutation images of a state (the identity's first) when the search reduces by symmetry; else null. */
  readonly images: ((s: State) => State[]) | null;
  /** Every renaming the symmetry allows (the identity included); empty without symmetry reduction. */
  readonly renamings: readonly Renaming[];
  /** The ops from s0 to stored state n, with the ids that actually ran: under symmetry they reach an image of it. */
  trace(n: number): Op[];
  /** A violation; `depth`: the length of its (first) trace. The property is then closed. */
  report(v: Violation, depth: number): void;
  /**
   * Hand a record to the one place that compares across the whole search: the check's own `receive`
   * in one thread; the coordinator's check in a parallel search (records of every worker, in batches).
   * Dropped once the property is closed.
   */
  share(r: Shared): void;
}

/** A history property's part in one exhaustive search (or in a parallel search's coordinator). */
export interface HistoryCheck {
  /**
   * The settled state s of stored state n (at `depth`), its class met for the first time: the
   * classes of settled states are shared by every history property; a class is given once.
   */
  settled(n: number, s: State, depth: number): void;
  /** A record some `settled` shared (called while the property is open). */
  receive(r: Shared): void;
}

/**
 * Compares a history with a second, derived history: each engine asks the property itself what to
 * run and how to compare, and no engine names a property.
 */
export interface HistoryProperty extends Named {
  readonly kind: 'history';
  /** A sharded exhaustive run (`--shard`) decides it: its check compares nothing across states of other shards. */
  readonly shardSafe: boolean;
  /**
   * What its violations carry besides the first history, so what its counterexample JSON must have:
   * 'other' ("other_ops", a second history) or 'tail' ("tail", how many last ops are the derived part).
   */
  readonly carries: 'other' | 'tail';
  /** What the derived part of a 'tail' history is, in a few words (explain prints it before that part). */
  readonly tailLabel?: string;
  /** The random engine: the case's check (its first history has already passed the state and step properties). */
  checkCase(cfg: Config, s0: State, c: Case): Violation | null;
  /** The check on given histories: a counterexample's replay, and the shrinker's test. */
  recheck(cfg: Config, s0: State, h: Histories): Violation | null;
  /** The derived history the case runs, as one plain trace (naming a policy fault). */
  writeCase(cfg: Config, c: Case, w: TraceWriter): void;
  /** The exhaustive engine: this property's check for one search. */
  exhaustive(ctx: SearchContext): HistoryCheck;
}

export type Property = StateInvariant | StepProperty | HistoryProperty;
