/**
 * npm run bench: reducer steps per second on seeded random traces, for every built-in policy at two
 * scopes, measured side by side in one run. Each trace starts from a booted host and runs 24 ops.
 */
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { randomOps } from './random-ops.ts';

const SCOPES: Scope[] = [
  { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  { adapters: 3, domains: 3, control_domains: 2, mdevs: 2, vms: 2 },
];
const TRACES = Number(process.env['BENCH_TRACES'] ?? 20000);
const LEN = 24;

function measure(scope: Scope, policyName: string): { perSec: number; okShare: number } {
  const policy = POLICIES[policyName]!;
  const cfg = { scope, policy };
  const traces = Array.from({ length: TRACES }, (_, i) => randomOps(scope, LEN, 1000 + i));
  const s0 = initialState(scope);
  let ok = 0;
  // Warm-up, then the timed pass.
  for (const ops of traces.slice(0, 500)) ops.reduce((s, op) => step(cfg, s, op).state, s0);
  const t0 = process.hrtime.bigint();
  for (const ops of traces) {
    let s = s0;
    for (const op of ops) {
      const r = step(cfg, s, op);
      if (r.result === 'ok') ok++;
      s = r.state;
    }
  }
  const secs = Number(process.hrtime.bigint() - t0) / 1e9;
  return { perSec: (TRACES * LEN) / secs, okShare: ok / (TRACES * LEN) };
}

console.log(`reducer steps/s, ${TRACES} seeded random traces of ${LEN} ops per cell (node ${process.version})`);
console.log(
  'scope (a×d×c, mdevs, vms)   ' +
    Object.keys(POLICIES)
      .map((p) => p.padStart(14))
      .join(''),
);
for (const scope of SCOPES) {
  const cells = Object.keys(POLICIES).map((p) => measure(scope, p));
  const label = `${scope.adapters}×${scope.domains}×${scope.control_domains}, ${scope.mdevs}, ${scope.vms}`;
  console.log(
    label.padEnd(28) + cells.map((c) => `${Math.round(c.perSec).toLocaleString('en-US')}`.padStart(14)).join(''),
  );
  console.log('  accepted ops'.padEnd(28) + cells.map((c) => `${(c.okShare * 100).toFixed(0)}%`.padStart(14)).join(''));
  const base = cells[Object.keys(POLICIES).indexOf('upstream')]!.perSec;
  console.log('  ratio to upstream'.padEnd(28) + cells.map((c) => (c.perSec / base).toFixed(2).padStart(14)).join(''));
}
