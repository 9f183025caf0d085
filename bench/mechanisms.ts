/**
 * npm run bench:mechanisms — the state space each kernel mechanism adds: the exhaustive engine, with no
 * property, explores a policy (BENCH_POLICY, default upstream) at a small scope (BENCH_SCOPE, adapters,
 * domains, control domains, mdevs, VMs; default 2,2,1,1,1) to a fixed depth (BENCH_DEPTH, default 5),
 * symmetry reduction on, with no mechanism (the classic ops), each mechanism alone, and all of them.
 * Printed per run: the alphabet, states and transitions within the depth, and their ratios to the run
 * without any mechanism. A run the time bound (BENCH_TIME s, default 120) stops is marked: its figures
 * are not those of the whole depth.
 */
import { type ExhaustiveResult, exploreExhaustive } from '../exhaustive/engine.ts';
import { type Mechanism, MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import { type Scope, scopeProblem } from '../model/scope.ts';

const DEPTH = Number(process.env['BENCH_DEPTH'] ?? 5);
const TIME = Number(process.env['BENCH_TIME'] ?? 120) * 1000;
const name = process.env['BENCH_POLICY'] ?? 'upstream';
const policy = POLICIES[name];
if (policy === undefined) throw new Error(`BENCH_POLICY: no built-in policy '${name}'`);
const [adapters, domains, control_domains, mdevs, vms] = (process.env['BENCH_SCOPE'] ?? '2,2,1,1,1')
  .split(',')
  .map(Number);
const scope = { adapters, domains, control_domains, mdevs, vms } as Scope;
const bad = scopeProblem(scope);
if (bad !== null) throw new Error(`BENCH_SCOPE: ${bad}`);

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');
const ratio = (a: number, b: number): string => `×${(a / b).toFixed(2)}`;

const runs: [string, readonly Mechanism[]][] = [
  ['none', []],
  ...MECHANISMS.map((m): [string, readonly Mechanism[]] => [m, [m]]),
  ['all', MECHANISMS],
];
const s = `${adapters}×${domains}×${control_domains}, ${mdevs} mdev(s), ${vms} VM(s)`;
console.log(`apmc state-space growth per mechanism (node ${process.version}): ${name}, scope ${s}`);
console.log(
  `every ordering of up to ${DEPTH} ops, symmetry reduction on, no property, ${TIME / 1000} s per run at most`,
);
console.log('');
console.log(
  `${'mechanisms'.padEnd(16)} ${'ops'.padStart(4)} ${'states'.padStart(11)} ${'transitions'.padStart(13)}` +
    `  ${'states'.padStart(7)} ${'trans.'.padStart(7)} ${'s'.padStart(6)}  covered`,
);
let base: ExhaustiveResult | null = null;
for (const [label, mechanisms] of runs) {
  const r = exploreExhaustive({ scope, policy }, [], { depth: DEPTH, timeMs: TIME, symmetry: true, mechanisms });
  base ??= r;
  const covered = r.complete ? 'all reachable' : r.bound === 'depth' ? `all ≤ ${r.depth} ops` : `${r.bound} bound`;
  console.log(
    `${label.padEnd(16)} ${String(r.alphabet).padStart(4)} ${fmt(r.states).padStart(11)} ` +
      `${fmt(r.transitions).padStart(13)}  ${ratio(r.states, base.states).padStart(7)} ` +
      `${ratio(r.transitions, base.transitions).padStart(7)} ${(r.ms / 1000).toFixed(1).padStart(6)}  ${covered}`,
  );
}
