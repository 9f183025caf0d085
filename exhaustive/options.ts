/**
 * What a caller gives an exhaustive search and what it gets back (exhaustive/engine.ts runs it in
 * one thread, exhaustive/parallel.ts over worker threads).
 */
import type { Mechanism } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { State } from '../model/state.ts';
import type { Violation } from '../properties/case.ts';
import type { PolicyGuard } from '../properties/policy-guard.ts';

export type Bound = 'depth' | 'states' | 'memory' | 'time' | 'interrupted' | 'policy-error';

export interface ExhaustiveOptions {
  /** Explore states up to this many ops from the initial state (default: no limit). */
  readonly depth?: number;
  /** Stop when this many distinct states are stored. */
  readonly maxStates?: number;
  /** Stop when the process's heap or arena use would pass this many bytes. */
  readonly maxMemory?: number;
  readonly timeMs?: number;
  /** Symmetry reduction over interchangeable adapters, domains, mdevs and VMs. */
  readonly symmetry?: boolean;
  /**
   * The kernel mechanisms whose ops the alphabet has (model/op-values.ts MECHANISMS; `apmc check
   * --mechanisms`). Default: none, the classic alphabet (exhaustive/alphabet.ts `alphabet(scope)`);
   * the command line's default is every one.
   */
  readonly mechanisms?: readonly Mechanism[];
  /** Only expand, at depth `shard.depth`, the states whose number ≡ k (mod n). */
  readonly shard?: { readonly k: number; readonly n: number; readonly depth: number };
  /** Called a few times a second (never on the hot path). */
  readonly progress?: (p: Progress) => void;
  /** Polled between states: set `aborted` to end the run cleanly. */
  readonly signal?: { readonly aborted: boolean };
  /** Each violation as soon as it is found (before the search ends), once per property. */
  readonly onFound?: (f: ExhaustiveFound) => void;
  readonly initial?: State;
  /** The policy's guard (properties/policy-guard.ts): one expanded state in 128 is stepped thoroughly. */
  readonly guard?: PolicyGuard;
  /**
   * The transition cache as the successor strategy (exhaustive/successors-cached.ts, memo.ts): successors
   * computed from packed keys with the effects learnt per op; the reducer runs only on a cache miss.
   * Default off (the plain strategy): it pays only where nearly every lookup hits, and no rule on the
   * options tells where that is: `static` at 1×1×1 without symmetry (the Spin comparison, 1.4 M states,
   * 12,768 misses) takes 0.39× the CPU time of the plain strategy. At 2×2×1 with 2 mdevs and 2 VMs a miss
   * (a tracked run, proxies) comes about once per ten lookups, and the cache takes 2.3× the plain
   * strategy's CPU time with every property checked (`upstream`, depth 5) and 2.0× without (depth 6).
   */
  readonly memo?: boolean;
  /**
   * The order in which the states of a level are expanded. 'guests-first' (the default when a
   * property is checked): the states with a guest, then those with an mdev, then the rest; nearly
   * every property is about what mdevs and guests hold, and at the default scope 95% of the states
   * within 6 ops have no guest. 'plain': state number order. Every state of a level is expanded
   * before the next level either way, so counterexamples are as short, and the counts of states,
   * transitions and depths are the same; which of several equally short counterexamples is reported,
   * and how soon, differ.
   */
  readonly order?: 'guests-first' | 'plain';
  /**
   * Written as the search goes: [0] the state being expanded, [1] the op (alphabet index) being
   * stepped from it, [2] its depth. The policy sandbox (bin/sandbox.ts) reads it when a policy hangs.
   */
  readonly where?: Int32Array;
  /** Before expanding state `state`, give its trace and end the search (the sandbox rebuilding a trace). */
  readonly traceTo?: { readonly state: number; readonly give: (ops: Op[]) => void };
  /**
   * When a search in one thread ends: its last complete level (every state at `depth` stored), the states
   * [start, end), and the trace to any stored state (`apmc check --engine hybrid` walks on from them).
   */
  readonly onFrontier?: (f: FrontierLevel) => void;
  /**
   * Under symmetry reduction: check on a sample of states that the policy treats ids alike, and end the search
   * with AsymmetricPolicy if not (exhaustive/asymmetry.ts). Asked for policy files.
   */
  readonly audit?: boolean;
}

/** The last complete level of a search (`ExhaustiveOptions.onFrontier`). */
export interface FrontierLevel {
  readonly depth: number;
  readonly start: number;
  readonly end: number;
  readonly trace: (n: number) => Op[];
}

/** A misbehaving policy, with the shortest trace that shows it (breadth-first: the first one met). */
export interface ExhaustivePolicyError {
  /** The policy that misbehaved when a search steps two (exhaustive/product.ts); else the one searched. */
  readonly policy?: string;
  readonly kind: string;
  readonly callback: string;
  readonly message: string;
  readonly ops: readonly Op[];
  readonly at: number;
}

export interface Progress {
  readonly states: number;
  readonly transitions: number;
  readonly depth: number;
  readonly ms: number;
}

export interface ExhaustiveFound extends Violation {
  /** Length of the (first) trace; states stored and ms since the start when found. */
  readonly depth: number;
  readonly afterStates: number;
  readonly foundMs: number;
}

/**
 * What a search of a variant against its base found besides `found` (violations the base does not share
 * on the same trace): per property, the first trace violating under both (`inherited`), and the first
 * violating under the base while the variant holds (`fixed`).
 */
export interface BaseFindings {
  /** The base's name. */
  readonly policy: string;
  readonly inherited: ExhaustiveFound[];
  readonly fixed: ExhaustiveFound[];
}

export interface ExhaustiveResult {
  readonly states: number;
  readonly transitions: number;
  /** Every state at this distance or less was expanded (or is a leaf of the depth bound). */
  readonly depth: number;
  /** No state left to expand: the whole reachable state space (within the depth bound) was seen. */
  readonly complete: boolean;
  readonly bound: Bound | null;
  readonly ms: number;
  readonly bytes: number;
  readonly alphabet: number;
  /** The violations found, the first (a shortest) per property; with a base, only those the base does not share. */
  readonly found: ExhaustiveFound[];
  /** A search against a base (`apmc check --base`), stepping both policies on every transition. */
  readonly base?: BaseFindings;
  /** States per symmetry class, estimated on the stored states (1 without symmetry). */
  readonly reduction: number;
  /** The properties some transition exercised (properties/exercised.ts); the others are vacuous. */
  readonly exercised: string[];
  /** Transition cache figures, when it was on. */
  readonly memo?: { readonly hits: number; readonly misses: number; readonly bytes: number };
  readonly policyError?: ExhaustivePolicyError;
  /**
   * Properties the search could not decide whatever its bounds, each with why (a search against a base
   * does not compare history properties): their verdict is unknown, never holds.
   */
  readonly undecided?: readonly { readonly property: string; readonly reason: string }[];
}
