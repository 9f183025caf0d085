/**
 * What an engine run of `apmc check` gives, per policy, before any verdict is drawn from it: the random
 * engine's explorations, or the exhaustive engine's searches. check/summary.ts turns it into verdicts.
 */
import { makeCodec } from '../exhaustive/codec.ts';
import type { ExhaustiveResult } from '../exhaustive/engine.ts';
import { idPermCount } from '../exhaustive/group.ts';
import { makeSymmetry } from '../exhaustive/symmetry.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Exploration } from '../properties/explore.ts';
import type { OpCoverage } from '../properties/stats.ts';
import type { Property, Violation } from '../properties/types.ts';
import type { Start } from '../properties/counterexample.ts';
import type { Op } from '../model/ops.ts';

/** `--shard k/n`, k 0-based. */
export interface Shard {
  readonly k: number;
  readonly n: number;
}

/** One policy's random exploration. */
export interface SampledPolicy {
  readonly policy: string;
  readonly exploration: Exploration;
  /** How often each operation kind ran and with what result (`--stats`). */
  readonly coverage: readonly OpCoverage[];
  /** The properties some step exercised (properties/exercised.ts); the others are vacuous. */
  readonly exercised: ReadonlySet<string>;
  /** `--engine hybrid`: the search before the walks, and the frontier states the walks started from. */
  readonly search?: HybridSearch;
}

/** The search phase of a hybrid run (bin/check-hybrid.ts): its depth, states and the walks' starts. */
export interface HybridSearch {
  /** The depth of its last complete level, the walks' frontier. */
  readonly depth: number;
  readonly states: number;
  readonly frontier: number;
  readonly starts: number;
  readonly ms: number;
}

/** One policy's exhaustive search. */
export interface SearchedPolicy {
  readonly policy: string;
  readonly result: ExhaustiveResult;
  /** Worker threads it ran on (1: in this thread). */
  readonly workers: number;
}

interface RunBase {
  readonly scope: Scope;
  /** The properties checked, for every policy. */
  readonly props: readonly Property[];
  readonly shard?: Shard;
  /** The base every policy was checked against (`apmc check --base`), by name. */
  readonly base?: string;
  /** The kernel mechanisms whose ops the engine generated (`--mechanisms`, model/op-values.ts). */
  readonly mechanisms?: readonly string[];
  /** `--from FILE`: every case started from the state FILE's trace reaches; its findings start with its ops. */
  readonly from?: string;
  /** `--from`: FILE's initial configuration and real ids, where its counterexamples start. */
  readonly start?: Start;
  /** A signal's name if one stopped the run, else null ('time' for the budget shows per policy). */
  readonly stoppedBy: string | null;
}

export interface RandomRun extends RunBase {
  readonly engine: 'random';
  /** The seed this run used (a shard's own) and the cases it tries per policy. */
  readonly seed: number;
  readonly runs: number;
  readonly policies: readonly SampledPolicy[];
}

export interface SearchRun extends RunBase {
  readonly engine: 'exhaustive';
  /** The policies searched, in order; a signal ends the run before the next one. */
  readonly policies: readonly SearchedPolicy[];
}

export type EngineRun = RandomRun | SearchRun;

/**
 * A finding of a run `--from` a trace, as a counterexample from the trace's initial state: the trace's ops
 * (fixed: shrinking never touches them), then the explored ops; a second history starts with them too.
 */
/**
 * Part `i` of `parts` of a run's time budget `timeMs` (ms, from `t0`): what is left, shared out evenly among the
 * parts still to run (at least 1 ms); none without a budget.
 */
export function timeShare(timeMs: number | undefined, t0: number, i: number, parts: number): number | undefined {
  return timeMs === undefined ? undefined : Math.max(1, (timeMs - (Date.now() - t0)) / (parts - i));
}

export function withPrefix<F extends Violation>(f: F, prefix: readonly Op[]): F {
  if (prefix.length === 0) return f;
  return {
    ...f,
    ops: [...prefix, ...f.ops],
    at: f.at === null ? null : f.at + prefix.length,
    ...(f.other ? { other: [...prefix, ...f.other] } : {}),
  };
}

/** The most id permutations under which the random engine's coverage key is canonical. */
const COVERAGE_ID_PERMS = 36;

/**
 * The random engine's coverage abstraction (properties/guided.ts): a state's canonical packed key, as the exhaustive
 * engine stores it (exhaustive/codec.ts, symmetry.ts), as a string of 16-bit halves; beyond 3×3×1, its own packed
 * key. A state the codec cannot
 * encode (a name or a mask outside what it packs) counts as its JSON text.
 */
export function canonicalCoverage(scope: Scope): (s: State) => string {
  const codec = makeCodec(scope);
  // Canonical under the symmetry group while it is small (3×3×1: 36 id permutations, 0.05 ms a state); beyond, the
  // state's own packed key, which every step can afford.
  const sym = idPermCount(scope) <= COVERAGE_ID_PERMS ? makeSymmetry(scope, codec) : null;
  const out = new Uint32Array(codec.words);
  return (s) => {
    try {
      if (sym) sym.canonical(s, out);
      else codec.encode(s, out, 0);
    } catch {
      return JSON.stringify({ ...s, log: [] });
    }
    let k = '';
    for (let i = 0; i < out.length; i++) k += String.fromCharCode(out[i]! & 0xffff, out[i]! >>> 16);
    return k;
  };
}
