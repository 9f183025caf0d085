/** `apmc check`, random engine: explore every selected policy with every selected property at once. */
import { initialState, type State } from '../model/state.ts';
import type { Mechanism } from '../model/op-values.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { Case } from '../properties/case.ts';
import { explore, type ExploreOptions } from '../properties/explore.ts';
import { exploreAgainst } from '../properties/attribution-explore.ts';
import type { Property } from '../properties/types.ts';
import type { AbortFlag } from '../properties/abort.ts';
import { exerciseTracker } from '../properties/exercised.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { coverage, opStats } from '../properties/stats.ts';
import { sampledFinding, type Finding } from '../check/finding.ts';
import { canonicalCoverage, type RandomRun, type SampledPolicy, type Shard, timeShare } from '../check/run.ts';

export interface CheckHooks {
  /** Polled by the engine; bin/signals.ts sets it. */
  readonly signal?: AbortFlag;
  /** Each violation as soon as it is found and shrunk. */
  readonly onFound?: (policy: string, f: Finding) => void;
  /** Each case as it starts, and each step of its first history done (the policy sandbox records them). */
  readonly onCase?: (policy: string, c: Case, done?: number) => void;
  readonly onStepDone?: () => void;
}

/** Explore each policy in turn, each against `base` if given (check/summary.ts draws the verdicts). */
export async function runCheck(
  policies: readonly Policy[],
  props: readonly Property[],
  scope: Scope,
  seed: number,
  runs: number,
  timeMs: number | undefined,
  hooks: CheckHooks = {},
  shard?: Shard,
  base?: Policy,
  mechanisms?: readonly Mechanism[],
  from?: (policy: Policy) => State,
): Promise<RandomRun> {
  const explored: SampledPolicy[] = [];
  const t0 = Date.now();
  for (const [i, policy] of policies.entries()) {
    // Every policy runs guarded: a misbehaving one is a policy error, not a crash (properties/policy-guard.ts).
    const guard = guardPolicy(policy);
    const cfg = { scope, policy: guard.policy };
    const stats = opStats();
    const tracker = exerciseTracker(cfg, props);
    // The time budget is shared out evenly among the policies still to run.
    const left = timeShare(timeMs, t0, i, policies.length);
    // Against a base, the base runs guarded too: its policy errors are reported as such.
    const bguard = base ? guardPolicy(base) : undefined;
    const opt: ExploreOptions = {
      seed,
      runs,
      guard,
      coverage: canonicalCoverage(scope),
      ...(mechanisms !== undefined ? { mechanisms } : {}),
      ...(left !== undefined ? { timeMs: left } : {}),
      ...recording(hooks, policy.name, stats, tracker),
      onFound: (f) => hooks.onFound?.(policy.name, sampledFinding(f)),
    };
    // `--from`: every case starts where the trace leaves the machine under this policy.
    const s0 = from ? from(policy) : initialState(scope);
    const exploration = bguard
      ? await exploreAgainst(cfg, { cfg: { scope, policy: bguard.policy }, guard: bguard }, s0, props, opt)
      : await explore(cfg, s0, props, opt);
    explored.push({ policy: policy.name, exploration, coverage: coverage(stats), exercised: tracker.exercised });
  }
  const stoppedBy = hooks.signal?.aborted ? (hooks.signal.reason ?? 'signal') : null;
  return { engine: 'random', scope, props, seed, runs, policies: explored, stoppedBy, ...(shard ? { shard } : {}) };
}

/**
 * The explorer options that feed a policy's run record and the caller's hooks: each step of a first history counted
 * (`--stats`) and tracked for exercise, and each case given to `hooks.onCase` (the policy sandbox records it).
 */
export function recording(
  hooks: CheckHooks,
  policy: string,
  stats: ReturnType<typeof opStats>,
  tracker: ReturnType<typeof exerciseTracker>,
): Pick<ExploreOptions, 'signal' | 'onStep' | 'onCase'> {
  return {
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    onStep: (before, op, after) => {
      hooks.onStepDone?.();
      stats.recordOp(op.kind, after.result);
      tracker.observe(before, op, after);
    },
    ...(hooks.onCase ? { onCase: (c: Case, done?: number) => hooks.onCase!(policy, c, done) } : {}),
  };
}
