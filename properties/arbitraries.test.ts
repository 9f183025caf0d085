/**
 * The random engine's op generator and the exhaustive engine's alphabet draw from one list of ops and
 * values (model/op-values.ts): both give every generated op kind, and the ops the generator draws
 * with ids in scope are exactly the alphabet's.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { alphabet, apConfigWrites } from '../exhaustive/alphabet.ts';
import { explored, GENERATED, idCount, MECHANISMS, type Mechanism, mechanismOf } from '../model/op-values.ts';
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

const ALL: ReadonlySet<Mechanism> = new Set(MECHANISMS);
/** Mechanism sets whose ops both generators give alike (the alphabet holds a fixed few ap_config writes). */
const SETS: readonly (readonly Mechanism[])[] = [[], [...MECHANISMS]];

for (const scope of [
  { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  { adapters: 3, domains: 1, control_domains: 2, mdevs: 1, vms: 3 },
  { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 },
]) {
  ops(`both generators give every generated kind with every mechanism (${JSON.stringify(scope)})`, () => {
    const drawn = fc.sample(opArb(scope, ALL), { seed: 5, numRuns: 30_000 });
    assert.equal([...new Set(alphabet(scope, ALL).map((o) => o.kind))].sort(), [...GENERATED].sort());
    assert.equal([...new Set(drawn.map((o) => o.kind))].sort(), [...GENERATED].sort());
  });
  for (const set of SETS) {
    ops(`the generator's ops in scope are the alphabet's, every one drawn ([${set}] ${JSON.stringify(scope)})`, () => {
      const mechanisms = new Set(set);
      const drawn = fc.sample(opArb(scope, mechanisms), { seed: 5, numRuns: 30_000 });
      const all = alphabet(scope, mechanisms);
      const want = new Set(all.map(text));
      const got = new Set(drawn.filter((o) => inScope(scope, o)).map(text));
      // The generator draws any ap_config write; the alphabet holds apConfigWrites(scope).
      for (const o of got) assert.ok(want.has(o) || o.includes('"ap_config"'), `drawn, not in the alphabet: ${o}`);
      for (const o of want) assert.ok(got.has(o), `in the alphabet, never drawn: ${o}`);
    });
  }
}

ops('with no mechanism the generator draws no op of one', () => {
  const scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
  const classic = fc.sample(opArb(scope, new Set()), { seed: 9, numRuns: 5000 });
  for (const o of classic) assert.ok(explored(o, new Set()), JSON.stringify(o));
});

ops('without a mechanism, a seed gives the cases it gave before the mechanisms', () => {
  // The fingerprint of the cases of seed 11 from the generator before any mechanism was generated.
  const cases = fc.sample(caseArb(DEFAULT_SCOPE, 20, new Set()), { seed: 11, numRuns: 300 });
  const hash = createHash('sha256').update(JSON.stringify(cases)).digest('hex').slice(0, 16);
  assert.is(hash, '6eee1f0cfab3a377');
  assert.ok(cases.every((c) => c.ops.every((o) => mechanismOf(o) === null)));
});

ops('ap_config writes of the alphabet: every subset at a tiny scope, 2 + adapters × domains otherwise', () => {
  assert.is(apConfigWrites({ adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 }).length, 8);
  const big = { adapters: 6, domains: 8, control_domains: 4, mdevs: 3, vms: 3 };
  const w = apConfigWrites(big);
  assert.is(w.length, 2 + 6 * 8);
  assert.equal(w[1], { apm: [0, 1, 2, 3, 4, 5], aqm: [0, 1, 2, 3, 4, 5, 6, 7], adm: [0, 1, 2, 3] });
  assert.ok(w.some((x) => x.apm.join() === '5' && x.aqm.join() === '7' && x.adm.length === 0));
  assert.is(alphabet(big, new Set(['ap_config'])).length - alphabet(big).length, 3 * w.length);
});

ops.run();
