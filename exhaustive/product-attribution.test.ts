/**
 * Why: in a parallel search against a base, a worker does not see the inherited or fixed trace another worker
 * kept until the level ends, and stores pairs past it. A pair whose path already violated the property under a
 * policy must not be taken for a new first violation there: its trace would not reproduce (the earlier step is
 * the first), and the search ended with an internal error (patch-notifier-forgets-kvm.ts against static,
 * `--workers 2 --time 20`).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Op } from '../model/ops.ts';
import { upstream } from '../model/policies/index.ts';
import { extend } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { Attribution, attributionWords } from './product-attribution.ts';
import { exploreAgainstBaseSync } from './product.ts';
import { makePairSpace } from './product-space.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const LOCAL = PROPERTIES.filter((p) => p.kind !== 'history');
const copy = extend(upstream, { name: 'upstream-copy' });
const t = suite('attribution: a path that already violated');

t('a second violation on an inherited path is not confirmed again, in a worker that has not seen the first', () => {
  const cfgA = { scope: TINY, policy: copy };
  const cfgB = { scope: TINY, policy: upstream };
  const r = exploreAgainstBaseSync(cfgA, upstream, LOCAL, { depth: 6, symmetry: true });
  const run = (cfg: typeof cfgA, ops: readonly Op[]): State =>
    ops.reduce((s: State, op) => step(cfg, s, op).state, initialState(TINY));
  const sp = makePairSpace(cfgA, cfgB, attributionWords(LOCAL), { symmetry: true });
  let cases = 0;
  for (const f of r.base!.inherited) {
    const j = LOCAL.findIndex((p) => p.name === f.property);
    const p = LOCAL[j]!;
    const [a, b] = [run(cfgA, f.ops), run(cfgB, f.ops)];
    // An op after which the variant violates the property again (on a changed state, for an invariant).
    const again = sp.ops.find((op) => {
      const ra = step(cfgA, a, op);
      if (p.kind === 'step') return p.check(cfgA, a, op, ra) !== null;
      return p.kind === 'state' && ra.state !== a && p.check(cfgA, ra.state) !== null;
    });
    if (again === undefined) continue;
    cases++;
    // A worker's goal that has kept nothing yet, on a pair whose path violated the property under both.
    const goal = new Attribution(sp, LOCAL, {}, Date.now(), () => 0, true);
    goal.trace = () => [...f.ops];
    const M = Math.ceil(LOCAL.length / 32);
    const words = new Uint32Array(2 * M);
    words[j >>> 5]! |= 1 << (j & 31);
    words[M + (j >>> 5)]! |= 1 << (j & 31);
    goal.step(0, a, b, again, step(cfgA, a, again), step(cfgB, b, again), words);
    assert.equal(goal.inherited, [], f.property);
    assert.equal(goal.found, [], f.property);
  }
  assert.ok(cases > 0, 'no inherited violation that the variant repeats: the test would not bite');
});

t.run();
