/**
 * Traces to stored states: what a search (exhaustive/engine.ts), the coordinator of a parallel
 * search (exhaustive/parallel.ts) and the history properties' checks (exhaustive/history.ts) report with.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Stored } from './store.ts';
import type { Symmetry } from './symmetry.ts';

export interface Witness {
  /** The ops that ran from s0 to stored state n, with the ids that actually ran (under symmetry: to an image of it). */
  trace(n: number): Op[];
}

export function witness(cfg: Config, s0: State, store: Stored, ops: readonly Op[], sym: Symmetry | null): Witness {
  const trace = (n: number): Op[] => (sym ? sym.replay(cfg, s0, store, ops, n) : store.path(n).map((k) => ops[k]!));
  return { trace };
}
