import { Worker } from 'node:worker_threads';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnPart } from '../bin/check-exhaustive.ts';
import { workerEntry } from '../bin/worker-entry.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';
import { type ExhaustiveOptions, type ExhaustiveResult, exploreExhaustive } from './engine.ts';
import { exploreParallel } from './parallel.ts';
import { joinGrow, type SharedBuffers, SharedStateStore, sharedBuffers } from './shared-store.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const SMALL: Scope = { adapters: 2, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };

const par = suite('parallel search');

async function parallel(
  policy: string,
  scope: Scope,
  props: typeof PROPERTIES,
  opt: ExhaustiveOptions,
  workers = 2,
): Promise<ExhaustiveResult> {
  const entry = await workerEntry();
  // A states bound well above these searches, which sizes their shared buffers (test/cli-harness.ts RESERVE_BOUND).
  const bounded = { maxStates: 20_000_000, ...opt };
  return exploreParallel({ scope, policy: POLICIES[policy]! }, props, bounded, workers, (d) =>
    spawnPart(entry, d, policy, scope, false),
  );
}

const depths = (r: ExhaustiveResult): Record<string, number> =>
  Object.fromEntries(r.found.map((f) => [f.property, f.depth]));

par(
  'two workers store exactly the states and transitions of one thread (pure exploration, transition cache)',
  async () => {
    // Depth 8: 79,454 states, 1.7 million transitions over eight levels split between the workers (depth 12 took
    // 527,139 states and several seconds of CPU for the same comparison).
    const cfg = { scope: TINY, policy: POLICIES['static']! };
    const one = exploreExhaustive(cfg, [], { depth: 8, memo: true });
    const two = await parallel('static', TINY, [], { depth: 8, memo: true });
    assert.is(two.states, one.states);
    assert.is(two.transitions, one.transitions);
    assert.is(two.depth, one.depth);
    assert.is(two.bound, 'depth');
    assert.ok(two.memo !== undefined && two.memo.hits > 0);
  },
);

par(
  'with every property: the same violations at the same (shortest) depths, symmetry on, order independence included',
  async () => {
    for (const policy of ['v12-fcfs', 'd0']) {
      const cfg = { scope: SMALL, policy: POLICIES[policy]! };
      const opt = { depth: 5, symmetry: true };
      const one = exploreExhaustive(cfg, PROPERTIES, opt);
      const two = await parallel(policy, SMALL, PROPERTIES, opt);
      assert.equal(depths(two), depths(one), policy);
      assert.is(two.complete, one.complete, policy);
      if (one.bound === 'depth') assert.is(two.states, one.states, policy);
      assert.equal([...two.exercised].sort(), [...one.exercised].sort(), policy);
      // Every reported trace reproduces its violation (re-run by the reporting thread).
      for (const f of two.found) assert.ok(f.ops.length > 0, `${policy} ${f.property}`);
    }
  },
);

par('order independence is one functional dependency over the states of every worker', async () => {
  const oi = [propertyByName('order-independence')!];
  const opt = { depth: 6, symmetry: true };
  const one = exploreExhaustive({ scope: SMALL, policy: POLICIES['d0']! }, oi, opt);
  const two = await parallel('d0', SMALL, oi, opt);
  assert.is(one.found[0]?.depth, 6);
  assert.is(two.found[0]?.depth, 6);
  const f = two.found[0]!;
  assert.ok(f.other !== undefined && f.other.length > 0, 'two traces to the same configuration');
});

par('--max-states ends a parallel search cleanly with the states bound', async () => {
  const r = await parallel('upstream', { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 }, PROPERTIES, {
    maxStates: 3000,
  });
  assert.is(r.bound, 'states');
  assert.is(r.complete, false);
  assert.ok(r.states >= 3000 && r.states < 3000 + 200, `${r.states}`);
});

par(
  'a shard over workers numbers the levels before its split as one thread does: the same states as a one-thread shard',
  async () => {
    const cfg = { scope: SMALL, policy: POLICIES['static']! };
    for (const k of [0, 1]) {
      const opt = { depth: 4, shard: { k, n: 2, depth: 2 } };
      const one = exploreExhaustive(cfg, [], opt);
      const two = await parallel('static', SMALL, [], opt);
      assert.is(two.states, one.states, `shard ${k}`);
      assert.is(two.transitions, one.transitions, `shard ${k}`);
    }
  },
);

const shared = suite('shared state store');

/** Deterministic pseudo-random keys of W words with the top bit clear (an encoding's spare bit). */
function keys(n: number, W: number, seed: number): Uint32Array {
  const out = new Uint32Array(n * W);
  let x = seed;
  for (let i = 0; i < out.length; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    out[i] = (x >>> 3) % 5000; // many repeats between the threads
  }
  return out;
}

shared('one thread: numbers in order, duplicates refused, the table doubles, paths follow parents', () => {
  const b = sharedBuffers(2, 62, 10_000, 16);
  const s = new SharedStateStore(b);
  const ks = keys(5000, 2, 7);
  const seen = new Map<string, number>();
  for (let i = 0; i < 5000; i++) {
    const id = `${ks[2 * i]},${ks[2 * i + 1]}`;
    const n = s.add(ks, 2 * i, seen.size - 1, i & 7);
    if (seen.has(id)) assert.is(n, -1);
    else {
      assert.is(n, seen.size);
      seen.set(id, n);
    }
    if (s.growing) joinGrow([s], 1, () => false);
  }
  assert.is(s.count, seen.size);
  for (const [id, n] of seen) {
    const [a, c] = id.split(',').map(Number);
    assert.is(s.add(Uint32Array.of(a!, c!), 0, 0, 0), -1, `${id} still found after the table grew`);
    assert.is(s.arena[2 * n], a);
  }
  assert.is(s.path(3).length, 3);
});

/** A worker thread adding its keys to the shared store, joining every table growth. */
const WORKER = `
const { workerData, parentPort } = require('node:worker_threads');
import('tsx/esm/api').then(async ({ register }) => {
  register();
  const { SharedStateStore, joinGrow } = await import(workerData.module);
  const s = new SharedStateStore(workerData.b);
  const ks = workerData.keys;
  const ctl = new Int32Array(workerData.go);
  Atomics.wait(ctl, 0, 0);
  const mine = [];
  for (let i = 0; i < ks.length / 2; i++) {
    if (s.growing) joinGrow([s], workerData.workers, () => false);
    const n = s.add(ks, 2 * i, -1, 0);
    if (n >= 0) mine.push(n);
  }
  // Stay for the others' growths until every worker is done.
  Atomics.add(ctl, 1, 1);
  while (Atomics.load(ctl, 1) < workerData.workers) {
    if (s.growing) joinGrow([s], workerData.workers, () => false);
    Atomics.wait(ctl, 1, Atomics.load(ctl, 1), 5);
  }
  parentPort.postMessage(mine);
});
`;

shared(
  'several threads adding overlapping keys at once (growing the table as they go): ' +
    'each distinct key stored exactly once',
  async () => {
    const W = 2;
    const workers = 3;
    const b: SharedBuffers = sharedBuffers(W, 62, 60_000, 16);
    const go = new SharedArrayBuffer(8);
    const all = [1, 2, 3].map((seed) => keys(20_000, W, seed));
    const runs = all.map(
      (ks) =>
        new Promise<number[]>((resolve, reject) => {
          const w = new Worker(WORKER, {
            eval: true,
            workerData: { b, keys: ks, go, workers, module: new URL('./shared-store.ts', import.meta.url).href },
          });
          w.once('message', (m: number[]) => {
            resolve(m);
            void w.terminate();
          });
          w.once('error', reject);
        }),
    );
    await new Promise((r) => setTimeout(r, 300));
    Atomics.store(new Int32Array(go), 0, 1);
    Atomics.notify(new Int32Array(go), 0);
    const numbers = (await Promise.all(runs)).flat();
    const distinct = new Set<string>();
    for (const ks of all) for (let i = 0; i < ks.length / W; i++) distinct.add(`${ks[W * i]},${ks[W * i + 1]}`);
    const s = new SharedStateStore(b);
    assert.is(s.count, distinct.size, 'one number per distinct key');
    assert.equal(
      [...numbers].sort((x, y) => x - y),
      Array.from({ length: distinct.size }, (_, i) => i),
      'numbers 0..count-1, each once',
    );
    const stored = new Set<string>();
    for (let n = 0; n < s.count; n++) stored.add(`${s.arena[W * n]},${s.arena[W * n + 1]}`);
    assert.is(stored.size, distinct.size, 'no key stored twice');
    for (const id of distinct) assert.ok(stored.has(id), id);
    for (const ks of all) for (let i = 0; i < 200; i++) assert.is(s.add(ks, W * i, 0, 0), -1);
  },
);

par.run();
shared.run();
