/**
 * npm run bench:coverage — the random engine's generators side by side: the classic one (properties/arbitraries.ts
 * caseArb, the generator before swarm and coverage guidance) and the guided one (properties/guided.ts), each run
 * through the same loop (every property checked on every case, violations not shrunk, the canonical packed key of
 * every state reached recorded: check/run.ts canonicalCoverage). It prints, per policy, the distinct keys reached
 * per second of CPU time (one thread: wall time on an idle machine) with the ratio, and per seed the case at which
 * each generator's sequence (no property checked, so no shrinking in between) reaches the target of
 * properties/targets.ts (a queue moved between two guests) within 50,000 cases. BENCH_SEEDS (20), BENCH_CASES
 * (10,000: the timed run), BENCH_TARGET (50,000; 0: no target runs), BENCH_POLICIES (upstream) change it.
 */
import fc from 'fast-check';
import { canonicalCoverage } from '../check/run.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Config } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { ALL_MECHANISMS, caseArb } from '../properties/arbitraries.ts';
import { checkCase } from '../properties/case.ts';
import { GuidedCases, historyViolation } from '../properties/guided.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { queueMovedBetweenGuests } from '../properties/targets.ts';
import type { Case, Property } from '../properties/types.ts';

const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 20);
const CASES = Number(process.env['BENCH_CASES'] ?? 10_000);
const TARGET_BUDGET = Number(process.env['BENCH_TARGET'] ?? 50_000);
const NAMES = (process.env['BENCH_POLICIES'] ?? 'upstream').split(',');
const scope = DEFAULT_SCOPE;
const s0 = initialState(scope);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** A case source: the next case, run with `props` (every property in the timed runs, none for the target). */
type Source = (cfg: Config, seen: Set<string>, props: readonly Property[]) => Case;

function classic(seed: number, n: number): Source {
  const cases = fc.sample(caseArb(scope), { seed, numRuns: n });
  let i = 0;
  const key = canonicalCoverage(scope);
  return (cfg, seen, props) => {
    const c = cases[i++]!;
    checkCase(cfg, s0, c, props, (before, _op, after) => {
      if (after.state !== before) seen.add(key(after.state));
    });
    return c;
  };
}

function guided(seed: number): Source {
  let gen: GuidedCases | null = null;
  const key = canonicalCoverage(scope);
  return (cfg, seen, props) => {
    gen ??= new GuidedCases(scope, 20, ALL_MECHANISMS, seed, (s) => {
      const x = key(s);
      seen.add(x);
      return x;
    });
    const g = gen.next(cfg, s0, props);
    // As properties/explore.ts: the histories only of a case whose first history held.
    if (g.v === null) historyViolation(cfg, s0, g, props);
    return g.c;
  };
}

/** Distinct keys over `n` cases, and the CPU time they took in ms (the machine may be shared: not wall time). */
function rate(cfg: Config, src: Source, n: number): { keys: number; ms: number } {
  const seen = new Set<string>();
  const t = process.cpuUsage();
  for (let i = 0; i < n; i++) src(cfg, seen, PROPERTIES);
  const u = process.cpuUsage(t);
  return { keys: seen.size, ms: (u.user + u.system) / 1000 };
}

/** The 1-based case at which the target is first reached, or null within the budget. */
function firstTarget(cfg: Config, src: Source): number | null {
  const seen = new Set<string>();
  for (let i = 1; i <= TARGET_BUDGET; i++) {
    const c = src(cfg, seen, []);
    const hit = queueMovedBetweenGuests(scope);
    let s = s0;
    for (const op of c.ops) {
      s = step(cfg, s, op).state;
      if (hit(s)) return i;
    }
  }
  return null;
}

console.log(`random generators, scope 2×2×1, 2 mdevs, 2 VMs, ${SEEDS} seeds (node ${process.version})`);
for (const name of NAMES) {
  const cfg: Config = { scope, policy: POLICIES[name]! };
  const before: number[] = [];
  const after: number[] = [];
  const tb: (number | null)[] = [];
  const ta: (number | null)[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const a = rate(cfg, classic(seed, CASES), CASES);
    const b = rate(cfg, guided(seed), CASES);
    before.push((a.keys * 1000) / a.ms);
    after.push((b.keys * 1000) / b.ms);
    tb.push(TARGET_BUDGET > 0 ? firstTarget(cfg, classic(seed, TARGET_BUDGET)) : null);
    ta.push(TARGET_BUDGET > 0 ? firstTarget(cfg, guided(seed)) : null);
    const fmt = (x: number | null) => (x === null ? '-' : String(x)).padStart(7);
    console.log(
      `${name} seed ${String(seed).padStart(2)}: keys/s ${before.at(-1)!.toFixed(0).padStart(6)} → ` +
        `${after.at(-1)!.toFixed(0).padStart(6)} (${a.keys} → ${b.keys} keys in ${CASES} cases)` +
        (TARGET_BUDGET > 0 ? `; target at case ${fmt(tb.at(-1)!)} → ${fmt(ta.at(-1)!)}` : ''),
    );
  }
  const mb = median(before);
  const ma = median(after);
  const reached = (xs: (number | null)[]) => xs.filter((x) => x !== null).length;
  console.log(
    `${name}: median distinct keys/s ${mb.toFixed(0)} → ${ma.toFixed(0)} (×${(ma / mb).toFixed(2)})` +
      (TARGET_BUDGET > 0
        ? `; target reached in ${reached(tb)}/${SEEDS} → ${reached(ta)}/${SEEDS} seeds within ${TARGET_BUDGET} cases`
        : '; target not run (BENCH_TARGET=0)'),
  );
}
