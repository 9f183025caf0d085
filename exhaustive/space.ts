/**
 * The state space of one search at a scope: the alphabet, the packed-state codec, the symmetry
 * reduction (when asked for) and the initial state. A search in one thread and the coordinator of
 * a parallel search both set it up here.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { alphabet } from './alphabet.ts';
import { type Codec, makeCodec } from './codec.ts';
import type { ExhaustiveOptions } from './options.ts';
import type { Stored } from './store.ts';
import { symmetryFits } from './group.ts';
import { makeSymmetry, type Symmetry } from './symmetry.ts';

export interface Space {
  readonly cfg: Config;
  readonly scope: Scope;
  readonly ops: readonly Op[];
  readonly codec: Codec;
  /** Words of a packed state. */
  readonly W: number;
  readonly sym: Symmetry | null;
  readonly s0: State;
  /** The key of s's class (its symmetry-canonical key, or its own key) into out[0..W). */
  canon(s: State, out: Uint32Array): void;
}

export function makeSpace(cfg: Config, opt: ExhaustiveOptions): Space {
  const scope = cfg.scope;
  const codec = makeCodec(scope);
  // Too many renamings to enumerate (exhaustive/group.ts MAX_ID_PERMS): the search runs without the reduction.
  const sym = opt.symmetry && symmetryFits(scope) ? makeSymmetry(scope, codec) : null;
  return {
    cfg,
    scope,
    ops: alphabet(scope, new Set(opt.mechanisms ?? [])),
    codec,
    W: codec.words,
    sym,
    s0: opt.initial ?? initialState(scope),
    canon: sym ? (s, out) => sym.canonical(s, out) : (s, out) => codec.encode(s, out, 0),
  };
}

/** What a search stores its states in (StateStore, SharedStateStore). */
export interface SearchStore extends Stored {
  /** The new state's number, -1 when it was already there, -2 when it cannot be stored (memory). */
  add(key: Uint32Array, off: number, parent: number, via: number): number;
}

/** Store the initial state: state 0 (no parent). */
export function storeInitial(sp: Space, store: SearchStore): void {
  const key = new Uint32Array(sp.W);
  sp.canon(sp.s0, key);
  store.add(key, 0, -1, 0);
}
