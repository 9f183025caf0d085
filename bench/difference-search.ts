/**
 * npm run bench:diff — the random search of `apmc diff` without a trace: for each example patch against upstream
 * (examples/patch-*.ts), the case at which the search first finds a difference, at `--observe all`, seeds
 * 1..BENCH_SEEDS (default 5); then the classes of first difference between upstream and linux-2025 that
 * `apmc diff --classes` finds in BENCH_CASES cases (default 20,000) per seed, and in all seeds together.
 * Cases, not seconds, so that runs on a busy machine compare.
 */
import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicy } from '../bin/load-policy.ts';
import { linux2025, upstream } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { searchDifference } from '../properties/difference.ts';
import { searchDifferenceClasses } from '../properties/difference-classes.ts';

const ROOT = resolve(import.meta.dirname, '..');
const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 5);
const CASES = Number(process.env['BENCH_CASES'] ?? 20000);
const scope = DEFAULT_SCOPE;
const s0 = initialState(scope);
const base = { scope, policy: upstream };

console.log(`apmc diff's random search, seeds 1..${SEEDS}, default scope, --observe all (node ${process.version})`);
console.log('first difference from upstream: case (ops after shrinking) per seed');
const patches = readdirSync(join(ROOT, 'examples'))
  .filter((f) => /^patch-.*\.ts$/.test(f))
  .sort();
for (const f of patches) {
  const variant = { scope, policy: await loadPolicy(join(ROOT, 'examples', f), ROOT) };
  const cells: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const r = await searchDifference(base, variant, s0, 'all', { seed, runs: 200_000, timeMs: 60_000 });
    cells.push(r.found ? `${r.found.afterRuns} (${r.found.ops.length})` : `none in ${r.runs}`);
  }
  console.log(`  ${f.padEnd(36)} ${cells.join(', ')}`);
}
console.log(`classes of first difference, upstream vs linux-2025, ${CASES.toLocaleString('en-US')} cases per seed`);
const all = new Set<string>();
const per: number[] = [];
for (let seed = 1; seed <= SEEDS; seed++) {
  const r = await searchDifferenceClasses(base, { scope, policy: linux2025 }, s0, 'all', { seed, runs: CASES });
  per.push(r.classes.length);
  for (const c of r.classes) all.add(c.cls);
}
console.log(`  per seed ${per.join(', ')}; ${all.size} distinct in all`);
