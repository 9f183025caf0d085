/**
 * The guided generator (properties/guided.ts): deterministic for a seed, cases that are valid traces, ops that need
 * something in flight drawn where it is, and the deep target (properties/targets.ts) reached on purpose.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { canonicalCoverage } from '../check/run.ts';
import { upstream } from '../model/policies/upstream.ts';
import { v12Fcfs } from '../model/policies/v12-fcfs.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { ALL_MECHANISMS, caseArb } from './arbitraries.ts';
import { guidedSetup, GuidedCases, historyViolation } from './guided.ts';
import { prng } from './prng.ts';
import { PROPERTIES } from './registry.ts';
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

t("a case's states are those a replay from s0 reaches (corpus entries and setups run once)", () => {
  const g = new GuidedCases(DEFAULT_SCOPE, 20, ALL_MECHANISMS, 5, canonicalCoverage(DEFAULT_SCOPE));
  for (let n = 0; n < 600; n++) {
    const { c, states } = g.next(cfg, s0, []);
    assert.is(states.length, c.ops.length + 1);
    let s = s0;
    for (let i = 0; i < c.ops.length; i++) {
      s = step(cfg, s, c.ops[i]!).state;
      assert.equal(states[i + 1], s, `case ${n}, op ${i}`);
    }
  }
});

t('the history properties from the stored states give what they give from s0', () => {
  const history = PROPERTIES.filter((p) => p.kind === 'history');
  const violated = new Set<string>();
  // v12-fcfs violates each of them (properties/expected.ts); up to 8,000 cases until each has been violated.
  for (const [policy, n0] of [
    [upstream, 1000],
    [v12Fcfs, 8000],
  ] as const) {
    const c = { ...cfg, policy };
    const g = new GuidedCases(DEFAULT_SCOPE, 20, ALL_MECHANISMS, 1, canonicalCoverage(DEFAULT_SCOPE));
    for (let n = 0; n < n0 && (policy === upstream || violated.size < history.length); n++) {
      const x = g.next(c, s0, []);
      for (const p of history) {
        const want = p.checkCase(c, s0, x.c);
        assert.equal(historyViolation(c, s0, x, [p]), want, `${p.name}, ${policy.name}, case ${n}`);
        if (want) violated.add(p.name);
      }
    }
  }
  // Each shortcut is compared on a violation too.
  assert.equal([...violated].sort(), history.map((p) => p.name).sort());
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
