/**
 * The random explorer: the guided generator (properties/guided.ts) draws cases for one policy, every selected
 * property is checked after every step and on the case's histories, and each violation found is shrunk by apmc's
 * passes (properties/shrink.ts) for the property it broke. Deterministic for a given seed.
 *
 * It is asynchronous only so that it can be stopped: before each case it lets the event loop turn now and then
 * and polls the stop request and the time budget (properties/sampling.ts Budget). Shrinking a violation runs to
 * its end (apmc's passes are short: tens of steps per candidate, a few hundred candidates).
 */
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { AbortFlag } from './abort.ts';
import { mechanismSet } from './arbitraries.ts';
import { type Coverage, GuidedCases, historyViolation } from './guided.ts';
import type { Mechanism } from '../model/op-values.ts';
import { checkCase, type Case, type StepHook, type Violation } from './case.ts';
import { faultIn, policyErrorOf, type PolicyError } from './policy-error.ts';
import { copyState, type PolicyGuard } from './policy-guard.ts';
import { Budget } from './sampling.ts';
import { shrinkViolation } from './shrink.ts';
import type { Property } from './types.ts';

export interface ExploreOptions {
  readonly seed: number;
  /** Cases to try in all (shared by the properties still unviolated). */
  readonly runs: number;
  /** Wall-clock budget in ms (a run that hits it ends with 'unknown' for what it did not finish). */
  readonly timeMs?: number;
  readonly maxOps?: number;
  /** The kernel mechanisms the cases have ops of (model/op-values.ts; default: every one). */
  readonly mechanisms?: readonly Mechanism[];
  /** Polled before each case and while shrinking. */
  readonly signal?: AbortFlag;
  /** The guard whose `policy` is cfg.policy: a policy error ends the exploration (see policy-guard.ts). */
  readonly guard?: PolicyGuard;
  /** Every step of the generated cases' first histories (not the shrinking replays): stats, vacuity. */
  readonly onStep?: StepHook;
  /** Each violation as soon as it is shrunk (to save it at once). */
  readonly onFound?: (f: Found) => void;
  /**
   * The abstraction of states that guides generation (properties/guided.ts): cases that reach a new abstract state
   * are extended later. Without it, cases are drawn from the swarm and the setups alone.
   */
  readonly coverage?: Coverage;
  /**
   * Each case before it runs, shrinking candidates included (the policy sandbox records it). A case drawn op by op
   * (properties/guided.ts) is given before each of its ops with the ops so far and `done`, how many of them ran.
   */
  readonly onCase?: (c: Case, done?: number) => void;
}

export interface Found extends Violation {
  /** Cases tried when it was found; ms since the start when found, and when shrunk. */
  readonly afterRuns: number;
  readonly foundMs: number;
  readonly afterMs: number;
  /** The seed, and the number of the case that showed it (as a string: fast-check's path in other explorers). */
  readonly seed: number;
  readonly path: string;
}

/**
 * What an exploration of a variant against its base found besides `found` (violations the base does not
 * share on the same case): per property, a case violating under both (`inherited`), and one violating
 * under the base while the variant holds (`fixed`).
 */
export interface BaseFound {
  /** The base's name. */
  readonly policy: string;
  readonly inherited: Found[];
  readonly fixed: Found[];
}

export interface Exploration {
  /** The violations found, one per property; with a base, only those the base does not share. */
  readonly found: Found[];
  /** An exploration against a base (`apmc check --base`). */
  readonly base?: BaseFound;
  /** Cases executed in all, and whether the budget or a signal ended the run before `runs` cases. */
  readonly runs: number;
  readonly ms: number;
  readonly interrupted: boolean;
  readonly ops: number;
  /** Why it ended early: 'time' (the budget), a signal's name, or 'policy-error'; null if it did not. */
  readonly stoppedBy: string | null;
  readonly policyError?: PolicyError;
}

/** Thrown from the op hook when the budget ends in the middle of a case. */
class CaseStopped {
  readonly why: string;
  constructor(why: string) {
    this.why = why;
  }
}

/** One case in how many runs with the policy guard thorough. */
export const THOROUGH_EVERY = 128;

export async function explore(
  cfg: Config,
  s0: State,
  props: readonly Property[],
  opt: ExploreOptions,
): Promise<Exploration> {
  const t0 = Date.now();
  const budget = new Budget(t0, opt.timeMs, opt.signal);
  const guard = opt.guard;
  const found: Found[] = [];
  let remaining = [...props];
  let runs = 0;
  let ops = 0;
  let stoppedBy: string | null = null;
  let policyError: PolicyError | undefined;
  const mechs = mechanismSet(opt.mechanisms);
  const gen = new GuidedCases(
    cfg.scope,
    opt.maxOps ?? 20,
    mechs,
    opt.seed,
    opt.coverage,
    guard ? copyState : undefined,
  );
  // Unsampled cases and shrinking step with the raw policy (see PolicyGuard.raw).
  const fast: Config = guard ? { ...cfg, policy: guard.raw } : cfg;

  while (remaining.length > 0 && runs < opt.runs) {
    await budget.turn();
    stoppedBy = budget.stopRequested();
    if (stoppedBy !== null) break;
    runs++;
    if (guard) guard.thorough = (runs - 1) % THOROUGH_EVERY === 0;
    const cx = guard?.thorough ? cfg : fast;
    const start = guard ? copyState(s0) : s0;
    let c: Case | null = null;
    let failed: boolean;
    try {
      const onCase = opt.onCase;
      // A case at a large scope can take seconds: the budget is polled before each of its ops as well.
      const before = (d: Case, i: number): void => {
        const why = budget.stopRequested();
        if (why !== null) throw new CaseStopped(why);
        onCase?.({ ...d, ops: d.ops.slice(0, i + 1) }, i);
      };
      const g = gen.next(cx, start, remaining, opt.onStep, before);
      c = g.c;
      onCase?.(c, c.ops.length);
      // The history replays step with the raw policy: a thorough case checks the calls of its first history, whose
      // cost grows with the scope's size (a 32×32 state is written out twice per call).
      failed = g.v !== null || historyViolation(fast, start, g, remaining, guard ? copyState : undefined) !== null;
    } catch (e) {
      if (e instanceof CaseStopped) {
        // The case is dropped, unfinished.
        stoppedBy = e.why;
        runs--;
        break;
      }
      c ??= gen.current;
      if (!guard || c === null) throw e;
      failed = true;
    }
    ops += c.ops.length;
    if (!failed) continue;
    const foundMs = Date.now() - t0;
    const where = { afterRuns: runs, seed: opt.seed, path: String(runs) };
    const outcome = settleFailure(cfg, fast, guard ? copyState(s0) : s0, c, remaining, guard, where);
    if ('policy' in outcome) {
      policyError = outcome;
      stoppedBy = 'policy-error';
      break;
    }
    const f: Found = { ...outcome, ...where, foundMs, afterMs: Date.now() - t0 };
    found.push(f);
    opt.onFound?.(f);
    remaining = remaining.filter((p) => p.name !== f.property);
  }
  return {
    found,
    runs,
    ms: Date.now() - t0,
    interrupted: stoppedBy !== null && stoppedBy !== 'policy-error',
    ops,
    stoppedBy,
    ...(policyError ? { policyError } : {}),
  };
}

/**
 * A failing case, once more with the guard thorough: the property violation it shows, shrunk, or
 * the policy error. Without a guard a case that does not fail again cannot happen (the model is
 * deterministic); with one it means the policy is not.
 */
function settleFailure(
  cfg: Config,
  fast: Config,
  s0: State,
  ce: Case,
  active: readonly Property[],
  guard: PolicyGuard | undefined,
  where: { afterRuns: number; seed: number; path: string },
): Violation | PolicyError {
  if (!guard) {
    const v = checkCase(cfg, s0, ce, active);
    if (v === null) throw new Error('a failing case passed when run again: the model is not deterministic');
    return shrinkViolation(cfg, s0, v, active.find((p) => p.name === v.property)!);
  }
  // The case and the shrunk violation are run thoroughly; the shrinking replays in between are not.
  try {
    guard.thorough = true;
    const v = checkCase(cfg, s0, ce, active);
    if (v !== null) {
      const shrunk = shrinkViolation(fast, s0, v, active.find((p) => p.name === v.property)!);
      if (!faultIn(cfg, guard, s0, shrunk.ops) && !(shrunk.other && faultIn(cfg, guard, s0, shrunk.other)))
        return shrunk;
    }
  } catch {
    // A policy fault: below.
  }
  return policyErrorOf(cfg, guard, s0, ce, where);
}
