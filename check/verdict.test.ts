/**
 * Why: every reader (the table, --json, the HTML report, merge) shows the statuses and exit codes
 * computed here, so the rules are pinned here: how each engine's verdict compares with the
 * expectation, what a search that stopped early says, and how shards' verdicts merge.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { ExhaustiveResult } from '../exhaustive/engine.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import type { Expectation } from '../properties/expected.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { mergeVerdict } from './merge.ts';
import type { SearchRun } from './run.ts';
import { summarize } from './summary.ts';
import { extend } from '../model/policy.ts';
import { staticPolicy, upstream } from '../model/policies/index.ts';
import { cellsOf, expectationBeyond, statusOf, type Status, type Verdict } from './verdict.ts';

const design: Expectation = { why: 'w', kind: 'design' };
const bySearch: Expectation = { why: 'w', kind: 'design', foundBy: 'exhaustive' };

// ---
const status = suite('statusOf: a verdict against its expectation, per engine');

status('a violation is expected or new; a policy error is one, whatever the engine', () => {
  for (const engine of ['random', 'exhaustive'] as const) {
    assert.is(statusOf('violated', design, engine), 'as-expected');
    assert.is(statusOf('violated', null, engine), 'new');
    assert.is(statusOf('policy-error', design, engine), 'policy-error');
  }
});

status('an expected violation not found: missing, unless the verdict is undecided', () => {
  const rows: [Verdict, Expectation | null, 'random' | 'exhaustive', boolean, Status][] = [
    ['holds', design, 'random', false, 'missing'],
    ['holds', design, 'exhaustive', false, 'missing'],
    ['vacuous', design, 'exhaustive', false, 'missing'],
    // Sampling cut short by --time decides nothing: an expected violation is missed.
    ['unknown', design, 'random', false, 'missing'],
    // A search that stopped, or a merge with a shard missing, left it open.
    ['unknown', design, 'exhaustive', true, 'unknown'],
    ['unknown', design, 'random', true, 'unknown'],
    // Only a search is expected to find it: a sample that did not holds as far as it went.
    ['holds', bySearch, 'random', false, 'holds'],
    ['vacuous', bySearch, 'random', false, 'holds'],
    ['unknown', bySearch, 'random', false, 'unknown'],
    ['holds', bySearch, 'exhaustive', false, 'missing'],
    ['holds', null, 'random', false, 'holds'],
    ['vacuous', null, 'exhaustive', false, 'vacuous'],
    ['unknown', null, 'random', false, 'unknown'],
  ];
  for (const [v, e, engine, undecided, want] of rows) {
    assert.is(statusOf(v, e, engine, undecided), want, `${v} ${e?.foundBy ?? (e ? 'expected' : '-')} ${engine}`);
  }
});

status("against a base: what the base is expected to violate is not the variant's to find", () => {
  const p = 'order-independence';
  const patch = extend(upstream, { name: 'patch' });
  const declared = extend(upstream, { name: 'declared', expected: { [p]: design } });
  // The base below the variant: only what lies between them counts.
  assert.is(expectationBeyond(patch, upstream, p), null);
  assert.is(expectationBeyond(declared, upstream, p), design);
  // A base that is not below it (another file extending upstream): its own expected violations do not count.
  const other = extend(upstream, { name: './copy.ts' });
  assert.is(expectationBeyond(patch, other, p), null);
  // Nor do they by name only, for a built-in base; what the base does not expect stays the variant's.
  assert.is(expectationBeyond(patch, 'upstream', p), null);
  assert.ok(expectationBeyond(patch, staticPolicy, p) !== null, 'static does not expect order-independence');
});

status.run();

// ---
const search = suite('a search: what its end says of each property');

const result = (over: Partial<ExhaustiveResult>): ExhaustiveResult => ({
  states: 10,
  transitions: 20,
  depth: 3,
  complete: false,
  bound: 'time',
  ms: 1,
  bytes: 0,
  alphabet: 5,
  found: [],
  reduction: 1,
  exercised: [],
  ...over,
});
const state = PROPERTIES.find((p) => p.kind === 'state')!;
const crossShard = PROPERTIES.find((p) => p.kind === 'history' && !p.shardSafe)!;
const run = (r: ExhaustiveResult, sharded = false): SearchRun => ({
  engine: 'exhaustive',
  scope: DEFAULT_SCOPE,
  props: [state, crossShard],
  policies: [{ policy: 'no-such-policy', result: r, workers: 1 }],
  stoppedBy: null,
  ...(sharded ? { shard: { k: 0, n: 2 } } : {}),
});
const ends = (r: ExhaustiveResult, sharded = false) =>
  cellsOf(run(r, sharded)).map((c) => [c.verdict, c.bound ?? null]);

search('a bound reached, an interruption, an early end: unknown, with why', () => {
  assert.equal(ends(result({ bound: 'time' }))[0], ['unknown', 'time bound reached at depth 3']);
  assert.equal(ends(result({ bound: 'interrupted' }))[0], ['unknown', 'interrupted at depth 3']);
  assert.equal(ends(result({ bound: null }))[0], ['unknown', 'search ended at depth 3']);
});

search('complete or depth-bounded: holds where exercised, else vacuous', () => {
  assert.equal(ends(result({ complete: true, bound: null, exercised: [state.name] })), [
    ['holds', null],
    ['vacuous', null],
  ]);
  assert.equal(ends(result({ bound: 'depth', exercised: [crossShard.name] })), [
    ['vacuous', null],
    ['holds', null],
  ]);
});

search('sharded: a property compared across shards stays unknown; the others are decided', () => {
  const cells = ends(result({ complete: true, bound: null, exercised: [state.name, crossShard.name] }), true);
  assert.equal(cells[0], ['holds', null]);
  assert.equal(cells[1], ['unknown', 'sharded: order dependences across shards are not compared']);
  // Undecided: never a success.
  assert.is(summarize(run(result({ complete: true, bound: null, exercised: [state.name] }), true), false).exit, 6);
});

search.run();

// ---
const merge = suite('mergeVerdict: one verdict from the shards');

merge('a violation in any shard wins; the shortest counterexample is kept, the first of equals', () => {
  const v = (length: number) => ({ verdict: 'violated' as const, length });
  assert.equal(mergeVerdict([{ verdict: 'holds' }, v(5), v(3), v(3)], true), { verdict: 'violated', best: 2 });
});

merge('a shard missing, absent or unfinished: unknown, with the first bound given', () => {
  assert.equal(mergeVerdict([{ verdict: 'holds' }], true), { verdict: 'unknown', bound: 'a shard is missing' });
  const absent = mergeVerdict([{ verdict: 'holds' }, undefined], false);
  assert.equal(absent, { verdict: 'unknown', bound: 'not finished in every shard' });
  const b = mergeVerdict([{ verdict: 'unknown', bound: 'time bound reached at depth 2' }, { verdict: 'holds' }], false);
  assert.equal(b, { verdict: 'unknown', bound: 'time bound reached at depth 2' });
});

merge('holds if any shard exercised it, vacuous if none did; a policy error over both', () => {
  assert.equal(mergeVerdict([{ verdict: 'vacuous' }, { verdict: 'holds' }], false), { verdict: 'holds' });
  assert.equal(mergeVerdict([{ verdict: 'vacuous' }, { verdict: 'vacuous' }], false), { verdict: 'vacuous' });
  assert.equal(mergeVerdict([{ verdict: 'policy-error' }, { verdict: 'holds' }], false), { verdict: 'policy-error' });
});

merge.run();
