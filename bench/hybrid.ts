/**
 * npm run bench:hybrid — time to the first reported counterexample of a few deep targets (violations whose
 * shortest counterexample is longer than the exhaustive engine reaches at the default scope within a minute),
 * for the random engine, the exhaustive engine and the hybrid engine (`apmc check --engine hybrid`) side by side,
 * each given the same budget (BENCH_MS, default 30 s) in one thread, with every mechanism's ops as on the command
 * line. The random engine's time is to its shrunk counterexample (`afterMs`), the hybrid's to its report (shrunk),
 * the exhaustive engine's to its (shortest, unshrunk) trace. Ratios are random / hybrid and exhaustive / hybrid,
 * with a budget that ran out counted as the budget (so a ratio with ">" is at least that).
 */
import { runHybridCheck } from '../bin/check-hybrid.ts';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { explore } from '../properties/explore.ts';
import { propertyByName } from '../properties/registry.ts';

const MS = Number(process.env['BENCH_MS'] ?? 30_000);
const SEED = Number(process.env['BENCH_SEED'] ?? 1);
const RUNS = 10_000_000;
const TARGETS: readonly (readonly [string, string, number])[] = [
  // [policy, property, ops of the shortest counterexample known]
  ['linux-2025', 'no-apqn-in-two-guests', 10],
  ['linux-2025', 'recovery', 9],
  ['upstream', 'reset-before-reuse', 8],
];

interface Outcome {
  readonly ms: number | null;
  readonly ops: number | null;
}

async function random(policy: string, property: string): Promise<Outcome> {
  const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES[policy]! };
  const x = await explore(cfg, initialState(DEFAULT_SCOPE), [propertyByName(property)!], {
    seed: SEED,
    runs: RUNS,
    timeMs: MS,
  });
  const f = x.found[0];
  return f ? { ms: f.afterMs, ops: f.ops.length } : { ms: null, ops: null };
}

function exhaustive(policy: string, property: string): Outcome & { depth: number } {
  const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES[policy]! };
  const r = exploreExhaustive(cfg, [propertyByName(property)!], { timeMs: MS, symmetry: true, mechanisms: MECHANISMS });
  const f = r.found[0];
  return { ms: f ? f.foundMs : null, ops: f ? f.ops.length : null, depth: r.depth };
}

async function hybrid(policy: string, property: string): Promise<Outcome> {
  const t0 = Date.now();
  let first: Outcome = { ms: null, ops: null };
  const settings = { symmetry: true, mechanisms: MECHANISMS };
  await runHybridCheck([POLICIES[policy]!], [propertyByName(property)!], DEFAULT_SCOPE, SEED, RUNS, MS, settings, {
    onFound: (_p, f) => {
      if (first.ms === null) first = { ms: Date.now() - t0, ops: f.ops.length };
    },
  });
  return first;
}

const shown = (o: Outcome): string =>
  (o.ms === null ? `> ${(MS / 1000).toFixed(0)} s` : `${(o.ms / 1000).toFixed(2)} s (${o.ops})`).padStart(14);
const ratio = (a: Outcome, h: Outcome): string => {
  if (h.ms === null) return (a.ms === null ? 'neither' : '< 1 (hybrid none)').padStart(17);
  const x = (a.ms ?? MS) / Math.max(h.ms, 1);
  return `${a.ms === null ? '> ' : ''}${x.toFixed(1)}×`.padStart(17);
};

console.log(
  `time to first counterexample (ops), seed ${SEED}, budget ${MS / 1000} s per engine, one thread, ` +
    `scope 2×2×1, 2 mdevs, 2 VMs, every mechanism (node ${process.version})`,
);
console.log(
  'policy      property                shortest          random    exhaustive        hybrid' +
    '    random/hybrid  exhaust./hybrid',
);
for (const [policy, property, shortest] of TARGETS) {
  const r = await random(policy, property);
  const e = exhaustive(policy, property);
  const h = await hybrid(policy, property);
  console.log(
    `${policy.padEnd(11)} ${property.padEnd(23)} ${String(shortest).padStart(8)}  ${shown(r)}  ${shown(e)}` +
      `  ${shown(h)}  ${ratio(r, h)}  ${ratio(e, h)}   (exhaustive reached depth ${e.depth})`,
  );
}
