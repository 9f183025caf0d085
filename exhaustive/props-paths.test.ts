/**
 * The cheaper ways the exhaustive engine checks properties give what checking every property on
 * every decoded state and transition gives: the idle-step short cut of the step properties, and the
 * per-state verdicts and settled classes on the packed key (exhaustive/memo-states.ts) that the
 * transition cache uses.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import { PROPERTIES } from '../properties/registry.ts';
import type { Property, StateInvariant, StepProperty } from '../properties/types.ts';
import { makeCodec } from './codec.ts';
import { type ExhaustiveOptions, type ExhaustiveResult, exploreExhaustive } from './engine.ts';
import { StateMemo } from './memo-states.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const DEFAULT: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const NAMES = Object.keys(POLICIES);
const ALL = { mechanisms: MECHANISMS };

/** What a search reports that a property check decides: the counts, every violation whole, the exercised set. */
function outcome(r: ExhaustiveResult) {
  const found = r.found.map((f) => [f.property, f.depth, f.reason, JSON.stringify([f.ops, f.other ?? null])]);
  return { states: r.states, transitions: r.transitions, found: found.sort(), exercised: [...r.exercised].sort() };
}

/** The properties as they were before `holdsWhenIdle`: every step property checked on every step. */
const withoutIdle = (ps: readonly Property[]): Property[] =>
  ps.map((p) => (p.kind === 'step' ? ({ ...p, holdsWhenIdle: false } satisfies StepProperty) : p));

const idle = suite('idle steps');

idle('a check that holds when idle gives null on every idle step of the built-ins (2×2×1, 2 ops)', () => {
  const declared = PROPERTIES.filter((p): p is StepProperty => p.kind === 'step' && p.holdsWhenIdle === true);
  assert.ok(declared.length >= 5, 'most step properties hold when idle');
  let idleSteps = 0;
  for (const name of NAMES) {
    const cfg = { scope: DEFAULT, policy: POLICIES[name]! };
    const spy: StepProperty = {
      kind: 'step',
      name: 'spy',
      statement: '',
      spec: '',
      check: (c, s, op, r) => {
        if (r.state !== s || r.events.length > 0) return null;
        idleSteps++;
        for (const p of declared) assert.is(p.check(c, s, op, r), null, `${name} ${p.name} ${op.kind}`);
        return null;
      },
    };
    exploreExhaustive(cfg, [spy], { depth: 2, symmetry: true, ...ALL });
  }
  assert.ok(idleSteps > 10000, `${idleSteps} idle steps`);
});

idle('the engine with and without the short cut: the same counts, violations and exercised properties', () => {
  let found = 0;
  for (const name of NAMES) {
    // Every mechanism at the default scope; the classic alphabet deeper at 1×1×1.
    for (const [scope, depth, mechanisms] of [
      [DEFAULT, 3, MECHANISMS],
      [TINY, 5, []],
    ] as const) {
      const cfg = { scope, policy: POLICIES[name]! };
      const opt: ExhaustiveOptions = { depth, symmetry: true, mechanisms };
      const a = exploreExhaustive(cfg, withoutIdle(PROPERTIES), opt);
      const b = exploreExhaustive(cfg, PROPERTIES, opt);
      assert.equal(outcome(b), outcome(a), `${name} at depth ${depth}`);
      found += a.found.length;
    }
  }
  assert.ok(found >= 20, `${found} violations compared`);
});

const keyed = suite('per-state checks on the packed key');

keyed('every invariant verdict and settled key equal the decoded state computation (every built-in)', () => {
  const invariants = PROPERTIES.filter((p): p is StateInvariant => p.kind === 'state');
  for (const name of NAMES) {
    for (const [scope, depth] of [
      [TINY, 4],
      [DEFAULT, 2],
    ] as const) {
      const cfg = { scope, policy: POLICIES[name]! };
      const codec = makeCodec(scope);
      const sm = new StateMemo(cfg, codec, invariants, true);
      const key = new Uint32Array(codec.words);
      const settledKey = new Uint32Array(codec.words);
      const want = new Uint32Array(codec.words);
      const states: State[] = [];
      const spy: StateInvariant = {
        kind: 'state',
        name: 'spy',
        statement: '',
        spec: '',
        quiescentOnly: false,
        check: (_c, s) => {
          states.push(s);
          return null;
        },
      };
      exploreExhaustive(cfg, [spy], { depth, symmetry: false, ...ALL });
      // Twice over: the first round mostly misses, the second mostly hits.
      for (let round = 0; round < 2; round++) {
        states.forEach((s, n) => {
          codec.encode(s, key, 0);
          invariants.forEach((p, j) => {
            const broken = (!p.quiescentOnly || quiescent(cfg, s)) && p.check(cfg, s) !== null;
            assert.is(sm.broken(key, 0, n, j), broken, `${name} ${p.name}`);
          });
          const q = quiescent(cfg, s);
          assert.is(sm.settled(key, 0, n, settledKey), q, `${name}: quiescent`);
          codec.encode(q ? s : settle(cfg, s), want, 0);
          assert.equal([...settledKey], [...want], `${name}: the settled state's key`);
        });
      }
      assert.ok(sm.memo.stats.hits > sm.memo.stats.misses, `${name}: ${JSON.stringify(sm.memo.stats)}`);
    }
  }
});

keyed('the engine with every property, cached and not: the same counts, violations and exercised properties', () => {
  let found = 0;
  for (const name of NAMES) {
    for (const symmetry of [false, true]) {
      const cfg = { scope: TINY, policy: POLICIES[name]! };
      const opt: ExhaustiveOptions = { depth: 5, symmetry };
      const a = exploreExhaustive(cfg, PROPERTIES, { ...opt, memo: false });
      const b = exploreExhaustive(cfg, PROPERTIES, { ...opt, memo: true });
      assert.equal(outcome(b), outcome(a), `${name}, symmetry ${symmetry}`);
      assert.ok(b.memo !== undefined && a.memo === undefined);
      found += a.found.length;
    }
  }
  assert.ok(found >= 20, `${found} violations compared`);
});

idle.run();
keyed.run();
