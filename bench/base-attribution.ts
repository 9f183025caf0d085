/**
 * npm run bench:base — for each example patch against upstream (examples/patch-*.ts), explore against the
 * base with seeds 1..5 (env BENCH_SEEDS), up to BENCH_TIME s each (default 60), and print per seed the time to
 * the first new (attributable) counterexample, the cases tried, its property and its shrunk length.
 * BENCH_PROPERTY restricts the properties checked (default: all); BENCH_SCOPE=a,d,m,v sets the adapters, domains,
 * mdevs and VMs (default: the default scope, 2,2,2,2); BENCH_PATCH picks one patch.
 */
import { resolve } from 'node:path';
import { loadPolicy } from '../bin/load-policy.ts';
import { upstream } from '../model/policies/index.ts';
import { DEFAULT_SCOPE, type Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import type { AbortFlag } from '../properties/abort.ts';
import { exploreAgainst } from '../properties/attribution-explore.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';

const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 5);
const TIME_S = Number(process.env['BENCH_TIME'] ?? 60);
const only = process.env['BENCH_PROPERTY'];
const props = only ? [propertyByName(only)!] : PROPERTIES;
const PATCHES = [
  'examples/patch-remove-skips-reset.ts',
  'examples/patch-probe-no-refilter.ts',
  'examples/patch-reset-early.ts',
].filter((p) => p.includes(process.env['BENCH_PATCH'] ?? ''));
const [a, d, m, v] = (process.env['BENCH_SCOPE'] ?? '2,2,2,2').split(',').map(Number);
const scope: Scope = { ...DEFAULT_SCOPE, adapters: a!, domains: d!, mdevs: m!, vms: v! };

console.log(
  `first new counterexample against upstream, seeds 1..${SEEDS}, up to ${TIME_S} s each, scope ${a}×${d}×1, ` +
    `${m} mdevs, ${v} VMs, ${only ?? 'every property'} (node ${process.version})`,
);
console.log('patch                           seed  found ms  cases   property                         ops');
for (const file of PATCHES) {
  const variant = await loadPolicy(resolve(file));
  const cfg = { scope, policy: variant };
  const base = { cfg: { scope, policy: upstream } };
  for (let seed = 1; seed <= SEEDS; seed++) {
    // The first new violation ends the run.
    const signal: AbortFlag = { aborted: false, reason: null };
    const x = await exploreAgainst(cfg, base, initialState(scope), props, {
      seed,
      runs: 1e9,
      timeMs: TIME_S * 1000,
      signal,
      onFound: () => {
        signal.aborted = true;
        signal.reason = 'found';
      },
    });
    const f = [...x.found].sort((a, b) => a.foundMs - b.foundMs)[0];
    const name = file.replace(/^examples\//, '').padEnd(32);
    if (!f) console.log(`${name}${String(seed).padStart(4)}  none in ${x.ms} ms (${x.runs} cases)`);
    else {
      const row = `${String(f.foundMs).padStart(8)}  ${String(f.afterRuns).padStart(6)}  ${f.property.padEnd(32)} `;
      console.log(`${name}${String(seed).padStart(4)}  ${row}${Math.max(f.ops.length, f.other?.length ?? 0)}`);
    }
  }
}
