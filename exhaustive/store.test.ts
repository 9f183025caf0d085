import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StateStore } from './store.ts';

const store = suite('state store');

/** Adds n pseudo-random keys twice (and the all-zero key), checking numbers, duplicates and the arena. */
function fill(words: number, bits: number, n: number): void {
  const s = new StateStore(words, bits, 16);
  const key = new Uint32Array(words);
  const keys: number[][] = [];
  let x = 12345;
  const next = (): number => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return x;
  };
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < words; w++) {
      const left = Math.max(0, Math.min(32, bits - 32 * w));
      key[w] = left === 0 ? 0 : left === 32 ? next() : next() & ((1 << left) - 1);
    }
    if (i === 0) key.fill(0);
    const id = key.join(',');
    const got = s.add(key, 0, i - 1, i & 7);
    if (seen.has(id)) assert.is(got, -1);
    else {
      assert.is(got, seen.size, `key ${i}: the next state number`);
      seen.add(id);
      keys.push([...key]);
    }
  }
  assert.is(s.count, seen.size);
  for (let i = 0; i < keys.length; i++) {
    assert.equal([...s.arena.subarray(i * words, (i + 1) * words)], keys[i]);
    key.set(keys[i]!);
    assert.is(s.add(key, 0, 0, 0), -1, `state ${i} is found again after the table grew`);
  }
}

store('keys with spare bits (marked in the last word), across many doublings', () => fill(2, 52, 20_000));
store('keys using every bit (a marker word), across many doublings', () => fill(2, 64, 20_000));
store('one-word keys, few distinct (duplicates)', () => fill(1, 6, 5_000));

store('path follows parents and ops', () => {
  const s = new StateStore(1, 8, 4);
  const k = new Uint32Array(1);
  for (let i = 0; i < 5; i++) {
    k[0] = i + 1;
    s.add(k, 0, i - 1, 10 + i);
  }
  assert.equal(s.path(4), [11, 12, 13, 14]);
});

store('ops past 255 are kept whole (the op array widens)', () => {
  const s = new StateStore(1, 8, 4);
  const k = new Uint32Array(1);
  const ops = [3, 255, 256, 70_000 & 0xffff, 1];
  for (let i = 0; i < ops.length; i++) {
    k[0] = i + 1;
    s.add(k, 0, i - 1, ops[i]!);
  }
  assert.equal(s.path(4), ops.slice(1));
});

store("at most 24 bytes per stored state (table included) at the Spin comparison's count of 2-word keys", () => {
  const s = new StateStore(2, 59);
  const key = new Uint32Array(2);
  const n = 1_394_736;
  for (let i = 0; i < n; i++) {
    // Distinct keys, spread over the 59 bits like packed states.
    key[0] = Math.imul(i, 0x9e3779b1) >>> 0;
    key[1] = (i >>> 5) & 0x7ffffff;
    assert.is(s.add(key, 0, i - 1, i % 44), i);
  }
  assert.is(s.count, n);
  assert.ok(s.bytes / n <= 24, `${(s.bytes / n).toFixed(1)} bytes per state`);
  key[0] = Math.imul(n - 1, 0x9e3779b1) >>> 0;
  key[1] = ((n - 1) >>> 5) & 0x7ffffff;
  assert.is(s.add(key, 0, 0, 0), -1);
});

store.run();
