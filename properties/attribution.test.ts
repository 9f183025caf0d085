/**
 * Why: against a base, a violation counts against the variant only when the base holds on the same trace. The
 * rule itself: whenever a generated case violates P under the variant and holds P under the base (each
 * policy checked on its own, P alone), the exploration of that one case reports a counterexample for P, and
 * every counterexample it reports is still attributable after shrinking. A violation of P the base shares
 * must not hide one of Q in the same case.
 */
import { resolve } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import type { Config, Policy } from '../model/policy.ts';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { caseArb } from './arbitraries.ts';
import { exploreAgainst } from './attribution-explore.ts';
import { classifyCase, shrinkAttributed } from './attribution.ts';
import { checkCase, firstStepViolation, type Case } from './case.ts';
import { PROPERTIES } from './registry.ts';
import type { Property, Violation } from './types.ts';

const s0 = initialState(DEFAULT_SCOPE);
const arb = caseArb(DEFAULT_SCOPE, 20);
const cfgOf = (policy: Policy): Config => ({ scope: DEFAULT_SCOPE, policy });
const root = resolve(import.meta.dirname, '..');
const removeSkipsReset = await loadPolicy(resolve(root, 'examples/patch-remove-skips-reset.ts'));
const probeNoRefilter = await loadPolicy(resolve(root, 'examples/patch-probe-no-refilter.ts'));
const upstream = POLICIES['upstream']!;

/** P violated on exactly v's trace under cfg: the oracle, written without the code under test. */
function violatesOn(cfg: Config, p: Property, v: Violation): boolean {
  if (p.kind === 'history') return p.recheck(cfg, s0, { ops: v.ops, other: v.other, tail: v.tail }) !== null;
  return firstStepViolation(cfg, s0, v.ops, [p]) !== null;
}

/** The properties c violates under the variant (P checked alone) while the base holds on that trace. */
function attributable(variant: Config, base: Config, c: Case): string[] {
  return PROPERTIES.filter((p) => {
    const v = checkCase(variant, s0, c, [p]);
    return v !== null && !violatesOn(base, p, v);
  }).map((p) => p.name);
}

// Variant / base pairs: the two example patches, and two designs far apart (many differences both ways).
const PAIRS: [Policy, Policy][] = [
  [probeNoRefilter, upstream],
  [removeSkipsReset, upstream],
  [POLICIES['static']!, upstream],
  [upstream, POLICIES['v12-fcfs']!],
];

const t = suite('attribution against a base: the rule');

t('classifyCase: new exactly when the variant violates P and the base holds P on the same trace', () => {
  let positive = 0;
  for (const [v, b] of PAIRS) {
    fc.assert(
      fc.property(arb, (c) => {
        const want = attributable(cfgOf(v), cfgOf(b), c);
        positive += want.length;
        const got = classifyCase(cfgOf(v), cfgOf(b), s0, c, PROPERTIES).filter((a) => a.kind === 'new');
        assert.equal(
          got.map((a) => a.property),
          want,
        );
      }),
      { seed: 7, numRuns: 150 },
    );
  }
  assert.ok(positive > 20, `only ${positive} attributable violations generated: the test would not bite`);
});

t('explore with one case reports a counterexample for every attributable P, each still attributable', async () => {
  let positive = 0;
  for (const [v, b] of PAIRS) {
    for (let seed = 1; seed <= 12; seed++) {
      let first: Case | null = null;
      const x = await exploreAgainst(cfgOf(v), { cfg: cfgOf(b) }, s0, PROPERTIES, {
        seed,
        runs: 1,
        // Called with the case as it grows (done: the op about to run), then whole (done: its length).
        onCase: (k, done) => {
          if (done === k.ops.length) first ??= k;
        },
      });
      // The one case generated.
      const want = attributable(cfgOf(v), cfgOf(b), first!);
      positive += want.length;
      assert.equal(x.found.map((f) => f.property).sort(), [...want].sort(), `${v.name} vs ${b.name}, seed ${seed}`);
      for (const f of x.found) {
        const p = PROPERTIES.find((q) => q.name === f.property)!;
        assert.ok(violatesOn(cfgOf(v), p, f), `${f.property}: the variant violates the shrunk trace`);
        assert.not.ok(violatesOn(cfgOf(b), p, f), `${f.property}: the base holds on the shrunk trace`);
      }
      // Inherited: both violate; fixed: only the base. Each kept so after shrinking.
      for (const f of x.base!.inherited) {
        const p = PROPERTIES.find((q) => q.name === f.property)!;
        assert.ok(violatesOn(cfgOf(v), p, f) && violatesOn(cfgOf(b), p, f), `${f.property} inherited`);
      }
      for (const f of x.base!.fixed) {
        const p = PROPERTIES.find((q) => q.name === f.property)!;
        assert.ok(!violatesOn(cfgOf(v), p, f) && violatesOn(cfgOf(b), p, f), `${f.property} fixed`);
      }
    }
  }
  assert.ok(positive > 3, `only ${positive} attributable violations in the sampled cases: the test would not bite`);
});

t('a prefix: every case continues it from s0, and what is reported is attributable there', async () => {
  const o = (x: object) => x as never;
  const prefix = [o({ kind: 'apmask', value: '-0,-1' }), o({ kind: 'create', mdev: 'm1' })];
  let cases = 0;
  let found = 0;
  for (const [v, b] of PAIRS) {
    const x = await exploreAgainst(cfgOf(v), { cfg: cfgOf(b) }, s0, PROPERTIES, {
      seed: 3,
      runs: 40,
      prefix,
      onCase: (k, done) => {
        if (done !== k.ops.length) return;
        cases++;
        assert.equal(k.ops.slice(0, 2), prefix, JSON.stringify(k.ops.slice(0, 3)));
      },
    });
    found += x.found.length;
    for (const f of x.found) {
      const p = PROPERTIES.find((q) => q.name === f.property)!;
      assert.ok(violatesOn(cfgOf(v), p, f) && !violatesOn(cfgOf(b), p, f), `${f.property} new`);
    }
    for (const f of x.base!.inherited) {
      const p = PROPERTIES.find((q) => q.name === f.property)!;
      assert.ok(violatesOn(cfgOf(v), p, f) && violatesOn(cfgOf(b), p, f), `${f.property} inherited`);
    }
  }
  assert.ok(cases >= 4 * 40, `${cases} cases`);
  assert.ok(found > 0, 'nothing new found: the test would not bite');
});

t('the remove patch: reset-before-reuse, which upstream violates too, is new on the trace where it differs', () => {
  const o = (x: object) => x as never;
  // 00.0001's resets fail. upstream's remove stores the failure, so the filter keeps the queue from m1's next
  // guest; the patch's remove does not reset, vm1 gets the queue, its detach reset fails, and vm2 gets it unreset.
  const ops = [
    o({ kind: 'apmask', value: '-0,-1' }),
    o({ kind: 'create', mdev: 'm1' }),
    o({ kind: 'assign_domain', mdev: 'm1', id: 1 }),
    o({ kind: 'fault', apid: 0, apqi: 1, fault: 'reset_fails' }),
    o({ kind: 'assign_adapter', mdev: 'm1', id: 0 }),
    o({ kind: 'remove', mdev: 'm1' }),
    o({ kind: 'create', mdev: 'm1' }),
    o({ kind: 'assign_adapter', mdev: 'm1', id: 0 }),
    o({ kind: 'assign_domain', mdev: 'm1', id: 1 }),
    o({ kind: 'start', mdev: 'm1', vm: 'vm1' }),
    o({ kind: 'stop', mdev: 'm1' }),
    o({ kind: 'start', mdev: 'm1', vm: 'vm2' }),
  ];
  const c: Case = { ops, swaps: [0], disturb: 0, target: 0 };
  const got = classifyCase(cfgOf(removeSkipsReset), cfgOf(upstream), s0, c, PROPERTIES);
  // New too: guest-queues-linked-and-passable (vm2 gets a queue whose detach reset failed).
  assert.equal(
    got.filter((a) => a.kind === 'new').map((a) => a.property),
    ['guest-queues-linked-and-passable', 'reset-before-reuse'],
  );
  // Shrunk, it stays attributable: shrinking for the variant's violation alone would drop the remove and end in
  // upstream's own violation below.
  const rr = PROPERTIES.find((p) => p.name === 'reset-before-reuse')!;
  const shrunk = shrinkAttributed(cfgOf(removeSkipsReset), cfgOf(upstream), s0, got.find((a) => a.kind === 'new')!, rr);
  assert.ok(violatesOn(cfgOf(removeSkipsReset), rr, shrunk));
  assert.not.ok(violatesOn(cfgOf(upstream), rr, shrunk), 'upstream holds on the shrunk trace');
  assert.ok(shrunk.ops.some((x) => x.kind === 'remove'));
  // Without the remove, upstream's own expected violation: the next guest of m1 gets the queue unreset.
  const own = [...ops.slice(0, 5), ...ops.slice(9)];
  const inherited = classifyCase(cfgOf(removeSkipsReset), cfgOf(upstream), s0, { ...c, ops: own }, PROPERTIES);
  assert.equal(inherited.find((a) => a.property === 'reset-before-reuse')?.kind, 'inherited');
});

t.run();
