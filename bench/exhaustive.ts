/**
 * npm run bench:exhaustive — both engines side by side, for every built-in policy at two scopes
 * (2×2×1 with 2 mdevs and 2 VMs, and 3×3×1 with 2 mdevs and 2 VMs):
 * - the exhaustive engine without properties: reachable states within BENCH_DEPTH ops (or the time
 *   budget), distinct states per second, with and without symmetry reduction;
 * - for each expected violation: the exhaustive engine's time to its shortest counterexample and its
 *   length (all properties of the policy in one search, BENCH_TIME s), next to the random engine's
 *   time to its first counterexample (seed 1) and its length after shrinking.
 */
import { type ExhaustiveResult, exploreExhaustive } from '../exhaustive/engine.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { EXPECTED } from '../properties/expected.ts';
import { explore } from '../properties/explore.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';

const DEPTH = Number(process.env['BENCH_DEPTH'] ?? 5);
const TIME = Number(process.env['BENCH_TIME'] ?? 60) * 1000;
const SCOPES: [string, Scope][] = [
  ['2×2×1, 2 mdevs, 2 VMs', { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 }],
  ['3×3×1, 2 mdevs, 2 VMs', { adapters: 3, domains: 3, control_domains: 1, mdevs: 2, vms: 2 }],
];
const only = process.env['BENCH_POLICY'];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const rate = (r: ExhaustiveResult): number => (r.ms > 0 ? (r.states / r.ms) * 1000 : 0);

console.log(`apmc exhaustive bench (node ${process.version}); depth ≤ ${DEPTH} or ${TIME / 1000} s per search`);
for (const [label, scope] of SCOPES) {
  console.log(`\n== scope ${label}`);
  console.log('policy     symmetry  states       transitions   depth  states/s   MB    reduction  covered');
  for (const [name, policy] of Object.entries(POLICIES)) {
    if (only && name !== only) continue;
    for (const symmetry of [false, true]) {
      const r = exploreExhaustive({ scope, policy }, [], { depth: DEPTH, timeMs: TIME, symmetry });
      const covered = r.complete
        ? 'all reachable'
        : r.bound === 'depth'
          ? `all ≤ ${r.depth} ops`
          : `${r.bound} bound at depth ${r.depth}`;
      const depth = String(r.depth).padStart(5);
      const counts = `${fmt(r.states).padStart(11)}  ${fmt(r.transitions).padStart(12)}  ${depth}`;
      const mb = (r.bytes / 1048576).toFixed(1).padStart(5);
      const figures = `${fmt(rate(r)).padStart(8)}  ${mb}  ×${r.reduction.toFixed(2).padEnd(8)}`;
      console.log(`${name.padEnd(10)} ${(symmetry ? 'on' : 'off').padEnd(9)} ${counts}  ${figures} ${covered}`);
    }
  }
  console.log(
    `\n${'expected violation'.padEnd(46)} ${'exhaustive: ms to shortest (ops)'.padEnd(34)} ` +
      'random: ms to first, seed 1 (ops shrunk)',
  );
  for (const [name, policy] of Object.entries(POLICIES)) {
    if (only && name !== only) continue;
    const cfg = { scope, policy };
    const ex = exploreExhaustive(cfg, PROPERTIES, { timeMs: TIME, symmetry: true });
    const rnd = await explore(
      cfg,
      initialState(scope),
      Object.keys(EXPECTED[name] ?? {}).map((p) => propertyByName(p)!),
      { seed: 1, runs: 50000, timeMs: TIME },
    );
    for (const prop of Object.keys(EXPECTED[name] ?? {})) {
      const e = ex.found.find((f) => f.property === prop);
      const r = rnd.found.find((f) => f.property === prop);
      const len = (f: { ops: readonly unknown[]; other?: readonly unknown[] }) =>
        Math.max(f.ops.length, f.other?.length ?? 0);
      const left = e
        ? `${fmt(e.foundMs).padStart(8)} (${len(e)})`
        : `not within ${TIME / 1000} s (depth ${ex.depth} done)`;
      const right = r ? `${fmt(r.foundMs).padStart(8)} (${len(r)})` : 'not found';
      console.log(`${`${name} ${prop}`.padEnd(46)} ${left.padEnd(34)} ${right}`);
    }
    console.log(`${''.padEnd(46)} ${fmt(ex.states)} states, ${fmt(rate(ex))} states/s with every property checked`);
  }
}
