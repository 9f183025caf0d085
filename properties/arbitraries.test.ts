/**
 * The random engine's op generator and the exhaustive engine's alphabet draw from one list of ops and
 * values (model/op-values.ts): both give every generated op kind, and the ops the generator draws
 * with ids in scope are exactly the alphabet's.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { alphabet } from '../exhaustive/alphabet.ts';
import { createHash } from 'node:crypto';
import { explored, GENERATED, idCount, type Mechanism, MECHANISMS, mechanismOf } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { caseArb, opArb } from './arbitraries.ts';

/** An op as a string, its keys sorted. */
const text = (op: Op): string => JSON.stringify(op, Object.keys(op).sort());

/** The op's ids are in scope (the generator draws one just outside now and then). */
function inScope(scope: Scope, op: Op): boolean {
  if ('apid' in op && op.apid >= scope.adapters) return false;
  if ('apqi' in op && op.apqi >= scope.domains) return false;
  if (op.kind === 'apmask' || op.kind === 'aqmask') {
    return Number(op.value.slice(1)) < idCount(scope, op.kind === 'apmask' ? 'adapter' : 'domain');
  }
  if (op.kind.startsWith('assign_') || op.kind.startsWith('unassign_')) {
    const res = op.kind.replace(/^(un)?assign_/, '') as 'adapter' | 'domain' | 'control_domain';
    return (op as { id: number }).id < idCount(scope, res);
  }
  return true;
}

const ops = suite('one op space for both engines');

const NONE: ReadonlySet<Mechanism> = new Set();
const ALL: ReadonlySet<Mechanism> = new Set(MECHANISMS);

for (const scope of [
  { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  { adapters: 3, domains: 1, control_domains: 2, mdevs: 1, vms: 3 },
]) {
  for (const [name, mechanisms] of [
    ['none', NONE],
    ['all', ALL],
  ] as const) {
    ops(`the generator's ops in scope are the alphabet's, every one drawn (${JSON.stringify(scope)}, ${name})`, () => {
      const drawn = fc.sample(opArb(scope, mechanisms), { seed: 5, numRuns: 30_000 });
      const all = alphabet(scope, mechanisms);
      // Every kind generated, except those of a mechanism left out.
      const kinds = GENERATED.filter((k) => all.some((o) => o.kind === k));
      assert.equal([...new Set(all.map((o) => o.kind))].sort(), [...kinds].sort());
      assert.equal([...new Set(drawn.map((o) => o.kind))].sort(), [...kinds].sort());
      if (mechanisms === ALL) assert.equal([...kinds].sort(), [...GENERATED].sort());
      for (const o of drawn) assert.ok(explored(o, mechanisms), `drawn, of a mechanism left out: ${text(o)}`);
      const want = new Set(all.map(text));
      const got = new Set(drawn.filter((o) => inScope(scope, o)).map(text));
      for (const o of got) assert.ok(want.has(o), `drawn, not in the alphabet: ${o}`);
      for (const o of want) assert.ok(got.has(o), `in the alphabet, never drawn: ${o}`);
    });
  }
}

ops('without a mechanism, a seed gives the cases it gave before the mechanisms', () => {
  // The fingerprint of the cases of seed 11 from the generator before any mechanism was generated.
  const cases = fc.sample(caseArb(DEFAULT_SCOPE, 20, NONE), { seed: 11, numRuns: 300 });
  const hash = createHash('sha256').update(JSON.stringify(cases)).digest('hex').slice(0, 16);
  assert.is(hash, '6eee1f0cfab3a377');
  assert.ok(cases.every((c) => c.ops.every((o) => mechanismOf(o) === null)));
});

ops.run();
