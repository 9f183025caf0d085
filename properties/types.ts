import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Step } from '../model/step.ts';

interface Named {
  /** kebab-case, what must always be true (`no-apqn-in-two-mdevs`). */
  readonly name: string;
  /** One sentence. */
  readonly statement: string;
  /** The invariant of spec §11 it encodes (I1–I17). */
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
}

/** Compares two histories; run by the explorer with a second, derived history. */
export interface HistoryProperty extends Named {
  readonly kind: 'history';
  readonly history: 'order-independence' | 'recovery';
  /** A sharded exhaustive run (`--shard`) decides it: its check compares nothing across states of other shards. */
  readonly shardSafe: boolean;
}

export type Property = StateInvariant | StepProperty | HistoryProperty;
