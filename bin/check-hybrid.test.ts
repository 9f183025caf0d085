/**
 * Why: `apmc check --engine hybrid` searches exhaustively to a depth, then walks at random from the frontier; it
 * must find a violation deeper than its search reaches, with a counterexample that replays from the initial
 * state (the frontier state's trace, then the walk's ops), the same one for the same seed, and refuse the flags
 * it does not take (exit 2).
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { summarize } from '../check/summary.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { firstStepViolation } from '../properties/case.ts';
import { oneProperty } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { apmcInProcess } from '../test/cli-harness.ts';
import { frontierStarts, runHybridCheck, settleTimeStop, type WalkTotals } from './check-hybrid.ts';

const t = suite('check --engine hybrid');
const linux = POLICIES['linux-2025']!;
const I16 = oneProperty('links-halves-agree') as Property;
const settings = { depth: 2, symmetry: true, mechanisms: [] } as const;

t('finds a violation deeper than its search depth, and it replays from the initial state', async () => {
  const cfg = { scope: DEFAULT_SCOPE, policy: linux };
  // The search alone, to depth 2, finds nothing: the shortest counterexample is 5 ops.
  assert.is(exploreExhaustive(cfg, [I16], { depth: 2, symmetry: true, mechanisms: [] }).found.length, 0);
  const run = await runHybridCheck([linux], [I16], DEFAULT_SCOPE, 1, 3000, undefined, settings);
  const x = run.policies[0]!.exploration;
  assert.is(x.found.length, 1);
  assert.is(run.policies[0]!.search?.depth, 2);
  assert.ok(run.policies[0]!.search!.starts >= 1);
  const f = x.found[0]!;
  assert.ok(f.ops.length > 2, `${f.ops.length} ops`);
  assert.ok(firstStepViolation(cfg, initialState(DEFAULT_SCOPE), f.ops, [I16]) !== null);
});

t('against a base: a new violation deeper than the search, attributable from the initial state', async () => {
  const upstream = POLICIES['upstream']!;
  const [cl, cu] = [linux, upstream].map((policy) => ({ scope: DEFAULT_SCOPE, policy }));
  const run = await runHybridCheck([linux], [I16], DEFAULT_SCOPE, 1, 3000, undefined, settings, {}, upstream);
  const x = run.policies[0]!.exploration;
  assert.is(x.found.length, 1);
  assert.is(x.base?.policy, 'upstream');
  const f = x.found[0]!;
  assert.ok(f.ops.length > 2, `${f.ops.length} ops`);
  assert.ok(firstStepViolation(cl!, initialState(DEFAULT_SCOPE), f.ops, [I16]) !== null, 'linux-2025 violates it');
  assert.is(firstStepViolation(cu!, initialState(DEFAULT_SCOPE), f.ops, [I16]), null, 'upstream holds');
});

t('against itself: every violation is inherited, none new', async () => {
  const upstream = POLICIES['upstream']!;
  const copy: Policy = { ...upstream, name: 'upstream-copy' };
  const I14 = oneProperty('status-attribute-truthful') as Property;
  const cfg = { scope: DEFAULT_SCOPE, policy: upstream };
  const run = await runHybridCheck([copy], [I14], DEFAULT_SCOPE, 1, 3000, undefined, settings, {}, upstream);
  const x = run.policies[0]!.exploration;
  assert.is(x.found.length, 0);
  assert.is(x.base?.inherited.length, 1);
  const f = x.base!.inherited[0]!;
  assert.ok(f.ops.length > 2, `${f.ops.length} ops: deeper than the search`);
  assert.ok(firstStepViolation(cfg, initialState(DEFAULT_SCOPE), f.ops, [I14]) !== null);
  assert.is(summarize({ ...run, base: 'upstream' }, false, [copy, upstream]).exit, 4);
});

t('the same seed gives the same counterexample; the frontier picks are spread and seeded', async () => {
  const a = await runHybridCheck([linux], [I16], DEFAULT_SCOPE, 7, 3000, undefined, settings);
  const b = await runHybridCheck([linux], [I16], DEFAULT_SCOPE, 7, 3000, undefined, settings);
  const ops = (r: typeof a) => JSON.stringify(r.policies[0]!.exploration.found.map((f) => f.ops));
  assert.is(a.policies[0]!.exploration.found.length, 1);
  assert.is(ops(a), ops(b));
  assert.equal(frontierStarts(100, 200, 10, 3), frontierStarts(100, 200, 10, 3));
  assert.not.equal(frontierStarts(100, 200, 10, 3), frontierStarts(100, 200, 10, 4));
  const picks = frontierStarts(100, 200, 10, 3);
  for (const [i, n] of picks.entries()) assert.ok(n >= 100 + i * 10 && n < 110 + i * 10, `${n} in slice ${i}`);
  assert.equal(frontierStarts(5, 8, 10, 1).length, 3);
});

t('apmc check --engine hybrid: exit 4 with a saved counterexample that apmc explain replays', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-hybrid-'));
  try {
    const args = ['check', '--policy', 'linux-2025', '--property', 'links-halves-agree', '--engine', 'hybrid'];
    const r = await apmcInProcess([...args, '--depth', '2', '--runs', '3000', '--save', dir]);
    assert.is(r.code, 4, r.err);
    const sub = join(dir, 'links-halves-agree');
    const file = join(sub, readdirSync(sub)[0]!);
    assert.ok((JSON.parse(readFileSync(file, 'utf8')) as { ops: unknown[] }).ops.length > 2);
    const e = await apmcInProcess(['explain', '--property', 'links-halves-agree', file]);
    assert.is(e.code, 0, e.err);
    assert.match(e.out, /links-halves-agree breaks here/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('apmc check --engine hybrid --base: the new violation of a patch, exit 1, saved as new', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-hybrid-'));
  try {
    const args = ['check', '--base', 'upstream', '--policy', './examples/patch-reset-early.ts', '--engine', 'hybrid'];
    const r = await apmcInProcess([...args, '--property', 'reset-before-reuse', '--depth', '2', '--save', dir]);
    assert.is(r.code, 1, r.err);
    assert.match(r.out, /1 new; exit 1/);
    const sub = join(dir, 'reset-before-reuse');
    const saved = JSON.parse(readFileSync(join(sub, readdirSync(sub)[0]!), 'utf8')) as { note: string };
    assert.match(saved.note, /new violation/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

t('a policy error the search meets is the policy error of the run: exit 7, not a sample that holds', async () => {
  const upstream = POLICIES['upstream']!;
  const throwing: Policy = {
    ...upstream,
    name: 'throwing',
    assign: (cfg, s, m, res, id) => {
      if (res === 'adapter' && id === 1) throw new Error('adapter 1 is not supported');
      return upstream.assign(cfg, s, m, res, id);
    },
  };
  const run = await runHybridCheck([throwing], [I16], DEFAULT_SCOPE, 1, 300, undefined, settings);
  assert.ok(run.policies[0]!.exploration.policyError, 'no policy error');
  assert.is(summarize(run, false, [throwing]).exit, 7);
});

t('walks cut short by their time shares leave the run unfinished only when cases of the budget did not run', () => {
  const walks = (runs: number, stoppedBy: string | null): WalkTotals => ({
    runs,
    ops: runs * 9,
    interrupted: stoppedBy !== null,
    stoppedBy,
  });
  const all = walks(3000, 'time');
  settleTimeStop(all, 3000, false);
  assert.equal([all.interrupted, all.stoppedBy], [false, null]);
  const short = walks(2999, 'time');
  settleTimeStop(short, 3000, false);
  assert.equal([short.interrupted, short.stoppedBy], [true, 'time']);
  // An interrupted search phase, or a signal, is not made up for by the cases.
  const afterSearch = walks(3000, 'time');
  settleTimeStop(afterSearch, 3000, true);
  assert.equal([afterSearch.interrupted, afterSearch.stoppedBy], [true, 'time']);
  const signal = walks(3000, 'SIGINT');
  settleTimeStop(signal, 3000, false);
  assert.equal([signal.interrupted, signal.stoppedBy], [true, 'SIGINT']);
});

t('flags the hybrid engine does not take: exit 2, one line', async () => {
  const base = ['check', '--policy', 'upstream', '--engine', 'hybrid'];
  for (const extra of [
    ['--workers', '2'],
    ['--max-states', '10'],
    ['--memo', 'on'],
    ['--shard', '1/2'],
    ['--from', 'counterexamples/recovery/d0-domain-outside-host-blocks-adapter.json'],
    ['--depth', '2', '--order', 'plain'],
  ]) {
    const r = await apmcInProcess([...base, ...extra]);
    assert.is(r.code, 2, `${extra.join(' ')}: ${r.err}`);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.ok(r.err.includes(extra[extra.length - 2]!), r.err);
    assert.is(r.out, '');
  }
  const random = await apmcInProcess(['check', '--policy', 'upstream', '--depth', '2']);
  assert.is(random.code, 2);
  assert.match(random.err, /needs --engine exhaustive/);
});

t.run();
