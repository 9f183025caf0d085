import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { caseArb } from './arbitraries.ts';
import { checkCase } from './case.ts';
import { EXPECTED } from './expected.ts';
import { explore } from './explore.ts';
import { PROPERTIES } from './registry.ts';

const SEED = Number(process.env['SEED'] ?? 7);
const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 300);
const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES['upstream']! };
const s0 = initialState(DEFAULT_SCOPE);

// ---
const each = suite('every property expected to hold under upstream holds (fc.assert)');

for (const p of PROPERTIES) {
  if (EXPECTED['upstream']![p.name]) continue;
  each(`${p.name} (${p.spec})`, () => {
    fc.assert(
      fc.property(caseArb(DEFAULT_SCOPE), (c) => checkCase(cfg, s0, c, [p]) === null),
      { numRuns: NUM_RUNS, seed: SEED },
    );
  });
}

each.run();

// ---
const reg = suite('the property registry');

reg('names are unique, kebab-case, and every one has a statement and a spec id', () => {
  const names = PROPERTIES.map((p) => p.name);
  assert.is(new Set(names).size, names.length);
  for (const p of PROPERTIES) {
    assert.match(p.name, /^[a-z]+(-[a-z]+)*$/);
    // §11's invariants (I1 … I17, I3c), or a letter of their own and a number (E1: kernel events).
    assert.match(p.spec, /^(I\d+c?|[A-Z]\d+)$/);
    assert.ok(p.statement.endsWith('.'));
  }
});

reg('every expectation names a registered property and a built-in policy', () => {
  for (const [policy, props] of Object.entries(EXPECTED)) {
    assert.ok(POLICIES[policy], policy);
    for (const name of Object.keys(props))
      assert.ok(
        PROPERTIES.some((p) => p.name === name),
        `${policy}: ${name}`,
      );
  }
});

reg.run();

// ---
const ex = suite('the explorer');

// Why: issue #3's acceptance: v12's order dependence within 10 s, no longer than Halil's 9 ops.
ex('finds v12-fcfs order dependence quickly, shrunk to at most 9 operations, with both histories', async () => {
  const v12 = { scope: DEFAULT_SCOPE, policy: POLICIES['v12-fcfs']! };
  const r = await explore(
    v12,
    s0,
    PROPERTIES.filter((p) => p.name === 'order-independence'),
    { seed: 1, runs: 20000, timeMs: 10000 },
  );
  const f = r.found[0];
  assert.ok(f, 'not found');
  assert.ok(f.ops.length <= 9, `${f.ops.length} ops`);
  assert.ok(f.other && f.other.length === f.ops.length);
  assert.ok(r.ms < 10000);
});

ex('is deterministic for a seed', async () => {
  const d0 = { scope: DEFAULT_SCOPE, policy: POLICIES['d0']! };
  const a = await explore(d0, s0, PROPERTIES, { seed: 3, runs: 1500 });
  const b = await explore(d0, s0, PROPERTIES, { seed: 3, runs: 1500 });
  assert.equal(
    a.found.map((f) => [f.property, f.ops]),
    b.found.map((f) => [f.property, f.ops]),
  );
});

ex('finds the static gap: a running guest keeps a queue that was unbound or handed to the default driver', async () => {
  const st = { scope: DEFAULT_SCOPE, policy: POLICIES['static']! };
  const props = PROPERTIES.filter(
    (p) => p.name === 'guest-queues-bound-to-vfio-ap' || p.name === 'no-apqn-shared-with-host',
  );
  const r = await explore(st, s0, props, { seed: 1, runs: 5000 });
  assert.equal(r.found.map((f) => f.property).sort(), ['guest-queues-bound-to-vfio-ap', 'no-apqn-shared-with-host']);
});

ex('finds the CVE-2024-26620 class under d0: a guest holds a queue not bound to vfio_ap', async () => {
  const d0 = { scope: DEFAULT_SCOPE, policy: POLICIES['d0']! };
  const r = await explore(
    d0,
    s0,
    PROPERTIES.filter((p) => p.name === 'guest-queues-bound-to-vfio-ap'),
    { seed: 1, runs: 10000 },
  );
  assert.ok(r.found[0]);
  assert.match(r.found[0]!.reason, /has no driver|bound to cex4queue/);
});

ex('--time bounds a run and reports it as interrupted', async () => {
  const r = await explore(cfg, s0, PROPERTIES, { seed: 1, runs: 10_000_000, timeMs: 300 });
  assert.ok(r.interrupted);
  assert.ok(r.ms < 2000, `${r.ms} ms`);
});

ex.run();
