/** A loaded policy file must have every callback of the Policy interface, each a function (or null where optional). */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CALLBACK_NAMES, CALLBACKS, POLICIES, upstream } from '../model/index.ts';
import { policyProblem } from './load-policy.ts';

const shape = suite('the shape of a loaded policy');

shape('every built-in policy passes', () => {
  for (const p of Object.values(POLICIES)) assert.is(policyProblem({ ...p }), null, p.name);
});

shape('a policy without any one callback is refused, naming it; null only where a design may have none', () => {
  for (const k of CALLBACK_NAMES) {
    assert.match(policyProblem({ ...upstream, [k]: undefined }) ?? '', `'${k}'`, k);
    assert.is(policyProblem({ ...upstream, [k]: null }) === null, CALLBACKS[k].optional, k);
  }
});

shape.run();
