import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { fieldOf } from './codec.ts';
import { hashNode, multipliers } from './hashed-node.ts';

const hashed = suite('hashed walk nodes');

/**
 * Up to four disjoint fields (at·32 + n) of 1–4 bits within a 96-bit key, in random order, 8 bits at most
 * (as in the walk trees).
 */
const fieldSets = fc
  .uniqueArray(fc.record({ at: fc.integer({ min: 0, max: 92 }), n: fc.integer({ min: 1, max: 4 }) }), {
    minLength: 1,
    maxLength: 4,
    selector: (f) => f.at >> 2,
  })
  .map((fs) => fs.map((f) => ({ at: f.at - (f.at & 3), n: f.n })).map((f) => f.at * 32 + f.n))
  .filter((fs) => fs.reduce((b, f) => b + (f & 31), 0) <= 8);

hashed('every value of the fields gets its own slot, and a key reaches the slot of its fields’ values', () => {
  let built = 0;
  let unhashed = 0;
  fc.assert(
    fc.property(
      fieldSets,
      fc.array(fc.integer({ min: 0, max: 0xffffffff }), { minLength: 3, maxLength: 3 }),
      (fields, words) => {
        const h = hashNode(fields, multipliers());
        const span = new Set(fields.flatMap((f) => [(f >>> 5) >>> 5, ((f >>> 5) + (f & 31) - 1) >>> 5]));
        if (h === null) {
          unhashed += span.size <= 2 ? 1 : 0;
          return true;
        }
        assert.ok(span.size <= 2, 'two words at most');
        built++;
        const bits = fields.reduce((b, f) => b + (f & 31), 0);
        assert.ok(h.bits >= bits && h.bits <= bits + 2);
        assert.is(new Set(h.slot).size, 1 << bits, 'one slot per value');
        const key = Uint32Array.from(words);
        let v = 0;
        for (const f of fields) v = (v << (f & 31)) | fieldOf(key, 0, { at: f >>> 5, n: f & 31 });
        const x =
          ((Math.imul((key[h.w0]! & h.m0) >> h.s0, h.k0) + Math.imul((key[h.w1]! & h.m1) >> h.s1, h.k1)) | 0) >>>
          (32 - h.bits);
        assert.is(x, h.slot[v], 'the walk’s formula gives the slot of the key’s values');
        return true;
      },
    ),
    { seed: 7, numRuns: 500 },
  );
  // The walk trees keep a plain node where no multipliers are found (1% of the nodes walked on the
  // Spin comparison’s space); on these random fields, 450 of 500 hash and the other 50 span three words.
  assert.ok(built > 350 && unhashed < 25, `hashed ${built} of 500, ${unhashed} within two words not`);
});

hashed('fields in the top bits of both words hash (shifted down before the product)', () => {
  const h = hashNode([28 * 32 + 2, 60 * 32 + 2], multipliers());
  assert.ok(h !== null);
  assert.is(new Set(h.slot).size, 16);
});

hashed('the same fields give the same node on every run (deterministic multipliers)', () => {
  const fields = [3 * 32 + 1, 40 * 32 + 2, 17 * 32 + 3];
  assert.equal(hashNode(fields, multipliers()), hashNode(fields, multipliers()));
});

hashed.run();
