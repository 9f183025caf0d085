/**
 * The guided generator (properties/guided.ts): deterministic for a seed, cases that are valid traces, ops that need
 * something in flight drawn where it is, and the deep target (properties/targets.ts) reached on purpose.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalCoverage } from '../check/run.ts';
import { upstream } from '../model/policies/upstream.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { ALL_MECHANISMS, caseArb } from './arbitraries.ts';
import { guidedSetup, GuidedCases } from './guided.ts';
import { prng } from './prng.ts';
import { queueMovedBetweenGuests } from './targets.ts';
import type { Case } from './types.ts';

const cfg: Config = { scope: DEFAULT_SCOPE, policy: upstream };
const s0 = initialState(DEFAULT_SCOPE);
const t = suite('guided cases');

const cases = (seed: number, n: number, coverage = true): Case[] => {
  const g = new GuidedCases(
    DEFAULT_SCOPE,
    20,
    ALL_MECHANISMS,
    seed,
    coverage ? canonicalCoverage(DEFAULT_SCOPE) : undefined,
  );
  return Array.from({ length: n }, () => g.next(cfg, s0, []).c);
};

/** Whether the case's history reaches the target. */
function reaches(c: Case): boolean {
  const hit = queueMovedBetweenGuests(DEFAULT_SCOPE);
  let s: State = s0;
  for (const op of c.ops) {
    s = step(cfg, s, op).state;
    if (hit(s)) return true;
  }
  return false;
}

t('the same seed gives the same cases', () => {
  assert.equal(JSON.stringify(cases(7, 300)), JSON.stringify(cases(7, 300)));
  assert.not.equal(JSON.stringify(cases(7, 300)), JSON.stringify(cases(8, 300)));
});

t('every case names only mdevs it creates (a valid trace file)', () => {
  for (const c of cases(3, 1000)) {
    const created = new Set<string>();
    for (const op of c.ops) {
      if (op.kind === 'create') created.add(op.mdev);
      if ('mdev' in op) assert.ok(created.has(op.mdev), JSON.stringify(op));
    }
  }
});

/** Scan steps in the cases' histories, and how many of them were refused. */
function scanSteps(cs: readonly Case[]): { steps: number; refused: number } {
  let steps = 0;
  let refused = 0;
  for (const c of cs) {
    let s = s0;
    for (const op of c.ops) {
      const r = step(cfg, s, op);
      if (op.kind === 'scan_step') {
        steps++;
        if (r.result !== 'ok') refused++;
      }
      s = r.state;
    }
  }
  return { steps, refused };
}

t('scan steps are drawn while a scan is under way (the classic generator: mostly refused)', () => {
  const { steps, refused } = scanSteps(cases(5, 3000));
  assert.ok(steps >= 50, `${steps} scan steps`);
  assert.ok(refused < steps / 10, `${refused} of ${steps} scan steps refused`);
  const classic = scanSteps(fc.sample(caseArb(DEFAULT_SCOPE), { seed: 5, numRuns: 3000 }));
  assert.ok(classic.refused > classic.steps / 2, `${classic.refused} of ${classic.steps} refused`);
});

t('a queue moved between two guests: the target', () => {
  const setup = guidedSetup(prng(1), DEFAULT_SCOPE, 4);
  const m1 = setup.find((o) => o.kind === 'assign_adapter' && o.mdev === 'm1') as Op & { id: number };
  const d1 = setup.find((o) => o.kind === 'assign_domain' && o.mdev === 'm1') as Op & { id: number };
  const moved: Op[] = [
    ...setup,
    { kind: 'unassign_adapter', mdev: 'm1', id: m1.id },
    { kind: 'assign_adapter', mdev: 'm2', id: m1.id },
    { kind: 'assign_domain', mdev: 'm2', id: d1.id },
  ];
  assert.ok(reaches({ ops: moved, swaps: [0], disturb: 0, target: 0 }));
  assert.not.ok(reaches({ ops: setup.slice(0, -1), swaps: [0], disturb: 0, target: 0 }));
});

t('the target is reached within 2,000 cases (the classic generator: not)', () => {
  for (const seed of [1, 2, 3]) {
    const n = cases(seed, 2000).findIndex(reaches);
    assert.ok(n >= 0, `seed ${seed}: not reached`);
  }
  const classic = fc.sample(caseArb(DEFAULT_SCOPE), { seed: 1, numRuns: 2000 });
  assert.is(classic.findIndex(reaches), -1);
});

t.run();
