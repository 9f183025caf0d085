/**
 * The generator offers exactly the alphabet: one d_step per op, labelled with the op. Needs no Spin.
 * Not picked up by `npm test` (bench/ is outside its pattern); run it with
 *   node --import tsx node_modules/uvu/bin.js bench/spin gen-pml.test.ts
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { alphabet } from '../../exhaustive/alphabet.ts';
import type { Scope } from '../../model/scope.ts';
import { genPml, opLabel } from './gen-pml.ts';

for (const scope of [
  { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 },
  { adapters: 2, domains: 3, control_domains: 2, mdevs: 2, vms: 3 },
] as Scope[]) {
  test(`every op of the alphabet is one d_step (${JSON.stringify(scope)})`, () => {
    const pml = genPml(scope);
    const labels = [...pml.matchAll(/:: d_step \{ \/\* (.*) \*\//g)].map((m) => m[1]);
    assert.equal(labels, alphabet(scope).map(opLabel));
    assert.is(new Set(labels).size, labels.length);
  });
}

test.run();
