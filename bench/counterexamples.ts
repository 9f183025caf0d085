/**
 * npm run bench:cx — for every (policy, property) violation the built-in policies are expected to
 * have, explore for that property alone with 20 seeds (up to 50,000 cases each) and print the median
 * time to the first counterexample (before shrinking), the median shrunk length and how many seeds found it.
 */
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { EXPECTED } from '../properties/expected.ts';
import { explore } from '../properties/explore.ts';
import { propertyByName } from '../properties/registry.ts';

const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 20);
const RUNS = Number(process.env['BENCH_RUNS'] ?? 50000);
const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

console.log(
  `time to first counterexample, ${SEEDS} seeds × up to ${RUNS} cases, scope 2×2×1, 2 mdevs, 2 VMs` +
    ` (node ${process.version})`,
);
console.log('policy     property                           found  median ms  median cases  median ops (min–max)');
for (const [name, props] of Object.entries(EXPECTED)) {
  const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES[name]! };
  const s0 = initialState(DEFAULT_SCOPE);
  for (const pname of Object.keys(props)) {
    const prop = propertyByName(pname)!;
    const ms: number[] = [];
    const cases: number[] = [];
    const lens: number[] = [];
    for (let seed = 1; seed <= SEEDS; seed++) {
      const f = (await explore(cfg, s0, [prop], { seed, runs: RUNS })).found[0];
      if (!f) continue;
      ms.push(f.foundMs);
      cases.push(f.afterRuns);
      lens.push(f.ops.length);
    }
    const range = lens.length ? `${Math.min(...lens)}–${Math.max(...lens)}` : '-';
    const found = `${ms.length}/${SEEDS}`.padStart(5);
    const medians = [
      median(ms).toFixed(0).padStart(9),
      median(cases).toFixed(0).padStart(12),
      String(median(lens)).padStart(10),
    ].join('  ');
    console.log(`${name.padEnd(10)} ${pname.padEnd(34)} ${found}  ${medians} (${range})`);
  }
}
