/**
 * npm run bench:xprops — the exhaustive engine's rate with every property checked against its pure
 * exploration rate (no property), side by side in one run, one thread:
 * - every built-in at the default scope (every mechanism, symmetry, the policy guard: what
 *   `apmc check --engine exhaustive` runs), plain steps, to XPROPS_DEPTH ops (default 5);
 * - the transition cache's space (`static` at 1×1×1, symmetry off, the Spin comparison's), cached,
 *   to XPROPS_TINY_DEPTH ops (default: the whole space).
 * Rates are states per CPU second of this thread (the machine may be shared) and per wall second.
 */
import { type ExhaustiveOptions, type ExhaustiveResult, exploreExhaustive } from '../exhaustive/engine.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE, type Scope } from '../model/scope.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { PROPERTIES } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';

const DEPTH = Number(process.env['XPROPS_DEPTH'] ?? 5);
const TINY_DEPTH = process.env['XPROPS_TINY_DEPTH'];
const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const only = process.env['BENCH_POLICY'];
const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

interface Run {
  readonly r: ExhaustiveResult;
  readonly cpuMs: number;
}

function run(scope: Scope, policy: Policy, props: readonly Property[], opt: ExhaustiveOptions): Run {
  const t = process.cpuUsage();
  const r = exploreExhaustive({ scope, policy }, props, opt);
  const c = process.cpuUsage(t);
  return { r, cpuMs: (c.user + c.system) / 1000 };
}

const perCpu = (x: Run): number => (x.r.states / Math.max(1, x.cpuMs)) * 1000;
const perWall = (x: Run): number => (x.r.states / Math.max(1, x.r.ms)) * 1000;

function line(label: string, pure: Run, props: Run): void {
  if (pure.r.states !== props.r.states) throw new Error(`${label}: ${pure.r.states} states pure, ${props.r.states}`);
  const cols = [
    label.padEnd(40),
    fmt(pure.r.states).padStart(10),
    fmt(perCpu(pure)).padStart(9),
    fmt(perCpu(props)).padStart(9),
    (perCpu(props) / perCpu(pure)).toFixed(2).padStart(6),
    fmt(perWall(pure)).padStart(9),
    fmt(perWall(props)).padStart(9),
    (perWall(props) / perWall(pure)).toFixed(2).padStart(6),
    props.r.memo ? `  ${fmt(props.r.memo.misses)} misses` : '',
  ];
  console.log(cols.join(' '));
}

console.log(`apmc exhaustive: every property against none (node ${process.version}), one thread`);
console.log(
  `${'search'.padEnd(40)} ${'states'.padStart(10)} ${'pure/cpu s'.padStart(9)} ${'props'.padStart(9)} ` +
    `${'ratio'.padStart(6)} ${'pure/s'.padStart(9)} ${'props'.padStart(9)} ${'ratio'.padStart(6)}`,
);
for (const [name, policy] of Object.entries(POLICIES)) {
  if (only && name !== only) continue;
  const opt = (): ExhaustiveOptions => ({
    depth: DEPTH,
    symmetry: true,
    mechanisms: MECHANISMS,
    guard: guardPolicy(policy),
  });
  const pure = run(DEFAULT_SCOPE, policy, [], opt());
  const props = run(DEFAULT_SCOPE, policy, PROPERTIES, opt());
  line(`${name}, default scope, depth ${DEPTH}`, pure, props);
}
if (!only || only === 'static') {
  const opt: ExhaustiveOptions = {
    memo: true,
    symmetry: false,
    ...(TINY_DEPTH !== undefined ? { depth: Number(TINY_DEPTH) } : {}),
  };
  const policy = POLICIES['static']!;
  line(
    `static, 1×1×1, cached${TINY_DEPTH ? `, depth ${TINY_DEPTH}` : ''}`,
    run(TINY, policy, [], opt),
    run(TINY, policy, PROPERTIES, opt),
  );
}
