/**
 * Why: against a base (`apmc check --base`) a violation counts against the variant only when the base holds on
 * the same trace. The verdict layer reads each engine's base findings the same way, and a policy's own
 * declarations (a policy file's `expected`) decide what is expected, through the Policy object.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExhaustiveFound, ExhaustiveResult } from '../exhaustive/engine.ts';
import { extend } from '../model/policy.ts';
import { upstream } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import type { Found } from '../properties/explore.ts';
import { propertyByName } from '../properties/registry.ts';
import type { RandomRun, SearchRun } from './run.ts';
import { summarize } from './summary.ts';
import { cellWord } from './verdict.ts';

const P = ['no-apqn-in-two-mdevs', 'order-independence', 'reset-before-reuse', 'recovery', 'assign-idempotent'];
const props = P.map((n) => propertyByName(n)!);
const variant = extend(upstream, { name: './patch.ts' });
const op = { kind: 'create', mdev: 'm1' } as const;

const searched = (property: string, depth: number): ExhaustiveFound => ({
  property,
  ops: Array.from({ length: depth }, () => op),
  at: depth - 1,
  reason: `${property} broken`,
  afterStates: 7,
  depth,
  foundMs: 3,
});

const result = (over: Partial<ExhaustiveResult>): ExhaustiveResult => ({
  states: 10,
  transitions: 20,
  depth: 4,
  complete: true,
  bound: null,
  ms: 1,
  bytes: 0,
  alphabet: 5,
  found: [],
  reduction: 1,
  exercised: P,
  ...over,
});

/** A hand-made search against upstream: P0 new, P1 inherited, P2 fixed, P3 inherited and new (new wins). */
const search = (policy = variant, over: Partial<ExhaustiveResult> = {}): SearchRun => ({
  engine: 'exhaustive',
  scope: DEFAULT_SCOPE,
  props,
  base: 'upstream',
  policies: [
    {
      policy: policy.name,
      workers: 1,
      result: result({
        found: [searched(P[0]!, 2), searched(P[3]!, 5)],
        base: {
          policy: 'upstream',
          inherited: [searched(P[1]!, 3), searched(P[3]!, 4)],
          fixed: [searched(P[2]!, 6)],
        },
        ...over,
      }),
    },
  ],
  stoppedBy: null,
});

const t = suite('check against a base: new, inherited, fixed');

t('an exhaustive result: each property new, inherited, fixed or holds, with the finding to show', () => {
  const s = summarize(search(), false, [variant, upstream]);
  const by = (n: string) => s.cells.find((c) => c.property.name === n)!;
  assert.equal(
    P.map((n) => by(n).status),
    ['new', 'inherited', 'fixed', 'new', 'holds'],
  );
  assert.equal(
    P.map((n) => cellWord(by(n))),
    ['new!', 'inherited', 'fixed', 'new!', 'holds'],
  );
  assert.is(by(P[1]!).found?.ops.length, 3);
  assert.is(by(P[2]!).found?.ops.length, 6);
  assert.is(by(P[3]!).found?.ops.length, 5, 'the new violation is shown, not the inherited one');
  assert.ok(s.cells.every((c) => c.base === 'upstream'));
  assert.is(s.exit, 1);
});

t('inherited and fixed are not failures: exit 4, 0 with --ci', () => {
  const r = search(variant, { found: [] });
  assert.is(summarize(r, false, [variant, upstream]).exit, 4);
  assert.is(summarize(r, true, [variant, upstream]).exit, 0);
  const onlyFixed = search(variant, {
    found: [],
    base: { policy: 'upstream', inherited: [], fixed: [searched(P[2]!, 6)] },
  });
  assert.is(summarize(onlyFixed, false, [variant, upstream]).exit, 0);
  assert.match(
    summarize(r, true, [variant, upstream]).closing,
    /2 violations: 0 new, 2 inherited, 0 expected; 1 fixed/,
  );
});

t("a new violation the variant declares is expected (its Policy object's own declaration counts)", () => {
  const why = { why: 'the patch trades this for that', kind: 'design' as const };
  const declares = extend(upstream, { name: './declares.ts', expected: { [P[0]!]: why, [P[3]!]: why } });
  const s = summarize(search(declares), true, [declares, upstream]);
  assert.is(s.cells.find((c) => c.property.name === P[0])!.status, 'as-expected');
  assert.is(s.exit, 0);
  // The same run without the object: the name alone expects nothing, so the violations are new.
  assert.is(summarize(search(declares), true, []).exit, 1);
});

t("the base's own expected violations are not the variant's to find: never missing", () => {
  // upstream expects order-independence; a variant that shows neither a new nor an inherited one holds.
  const s = summarize(search(variant, { found: [], base: { policy: 'upstream', inherited: [], fixed: [] } }), false, [
    variant,
    upstream,
  ]);
  assert.is(s.cells.find((c) => c.property.name === 'order-independence')!.status, 'holds');
  assert.is(s.exit, 0);
});

t('a random exploration: the same reading of Exploration.base', () => {
  const f = (property: string, n: number): Found => ({
    ...searched(property, n),
    afterRuns: 9,
    foundMs: 1,
    afterMs: 2,
    seed: 1,
    path: '0',
  });
  const run: RandomRun = {
    engine: 'random',
    scope: DEFAULT_SCOPE,
    props,
    seed: 1,
    runs: 10,
    base: 'upstream',
    stoppedBy: null,
    policies: [
      {
        policy: variant.name,
        coverage: [],
        exercised: new Set(P),
        exploration: {
          found: [f(P[0]!, 2)],
          base: { policy: 'upstream', inherited: [f(P[1]!, 3)], fixed: [f(P[2]!, 4)] },
          runs: 10,
          ms: 1,
          interrupted: false,
          ops: 50,
          stoppedBy: null,
        },
      },
    ],
  };
  const s = summarize(run, false, [variant, upstream]);
  assert.equal(
    s.cells.map((c) => c.status),
    ['new', 'inherited', 'fixed', 'holds', 'holds'],
  );
  assert.is(s.exit, 1);
});

t.run();
