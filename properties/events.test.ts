/**
 * The kernel-event properties (no-kernel-warning, log-lines-name-the-right-resources): a policy file whose
 * only change is an event is caught by both engines, the exhaustive one with the transition cache on
 * (which keeps step-property verdicts as flags, not events) and off; static holds.
 */
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { warn, logLine } from '../model/blocks/events.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, patchState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { firstStepViolation } from './case.ts';
import { explore } from './explore.ts';
import { logLinesNameTheRightResources } from './log-lines-name-the-right-resources.ts';
import { noKernelWarning } from './no-kernel-warning.ts';
import type { StepProperty } from './types.ts';

const root = resolve(import.meta.dirname, '..');
const warns = await loadPolicy(resolve(root, 'test/fixtures/warns.ts'));
const logsWrong = await loadPolicy(resolve(root, 'test/fixtures/logs-wrong-apqn.ts'));
const upstream = POLICIES['upstream']!;
const staticPolicy = POLICIES['static']!;
const SCOPE: Scope = { adapters: 2, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };

const t = suite('kernel-event properties');

const cases: [StepProperty, Policy, number][] = [
  [noKernelWarning, warns, 3],
  [logLinesNameTheRightResources, logsWrong, 2],
];

for (const [p, policy, depth] of cases) {
  t(`${p.name}: the exhaustive engine finds ${policy.name}, transition cache on and off`, () => {
    const cfg = { scope: SCOPE, policy };
    for (const memo of [true, false]) {
      const r = exploreExhaustive(cfg, [p], { depth, memo, symmetry: true });
      assert.is(r.memo !== undefined, memo);
      assert.is(r.found.length, 1, `memo ${memo}`);
      assert.is(r.found[0]!.property, p.name);
      assert.is(r.found[0]!.ops.length, depth);
      // static holds both at this depth (upstream WARNs in the window before a scan: an expected violation).
      const held = exploreExhaustive({ scope: SCOPE, policy: staticPolicy }, [p], { depth, memo, symmetry: true });
      assert.is(held.found.length, 0, `static, memo ${memo}`);
    }
  });

  t(`${p.name}: the random engine finds ${policy.name}`, async () => {
    const cfg = { scope: SCOPE, policy };
    const r = await explore(cfg, initialState(SCOPE), [p], { seed: 3, runs: 300 });
    assert.is(r.found.length, 1);
    assert.is(r.found[0]!.property, p.name);
    const v = firstStepViolation(cfg, initialState(SCOPE), r.found[0]!.ops, [p]);
    assert.ok(v !== null);
  });
}

t('a WARN about a queue whose hardware the trace made fail does not count; about another queue it does', () => {
  const cfg = { scope: SCOPE, policy: upstream };
  const s = step(cfg, initialState(SCOPE), { kind: 'fault', apid: 1, apqi: 0, fault: 'reset_fails' }).state;
  const op = { kind: 'scan' } as const;
  const after = (apid: number) => ({ state: s, result: 'ok' as const, events: warn(s, 'x', [apid, 0]).log });
  assert.is(noKernelWarning.check(cfg, s, op, after(1)), null);
  assert.match(noKernelWarning.check(cfg, s, op, after(0)) ?? '', 'WARN: x (00.0000)');
  const noApqn = { state: s, result: 'ok' as const, events: warn(s, 'y').log };
  assert.ok(noKernelWarning.check(cfg, s, op, noApqn) !== null);
});

t('log lines: a refused apmask write may name the assigned APQNs it would reserve, and their mdev', () => {
  const cfg = { scope: SCOPE, policy: upstream };
  let s = initialState(SCOPE);
  for (const op of [
    { kind: 'apmask', value: '-0,-1' },
    { kind: 'create', mdev: 'm1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 1 },
    { kind: 'assign_domain', mdev: 'm1', id: 0 },
  ] as const)
    s = step(cfg, s, op).state;
  const op = { kind: 'apmask', value: '+0,+1' } as const;
  const r = step(cfg, s, op);
  const line = (apqn: [number, number], mdev: string | null) => ({
    ...r,
    events: logLine(patchState(s, {}), 'warning', 'in use', { apqns: [apqn], mdev }).log,
  });
  assert.is(logLinesNameTheRightResources.check(cfg, s, op, line([1, 0], 'm1')), null);
  // 00.0000 is reserved too, but no mdev has it assigned; m2 does not exist.
  assert.match(logLinesNameTheRightResources.check(cfg, s, op, line([0, 0], null)) ?? '', 'names 00.0000');
  assert.match(logLinesNameTheRightResources.check(cfg, s, op, line([1, 0], 'm2')) ?? '', 'names mdev m2');
});

t.run();
