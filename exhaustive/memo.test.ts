import { types } from 'node:util';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Op } from '../model/ops.ts';
import { POLICIES, upstream } from '../model/policies/index.ts';
import { extend, type Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step, stepUnmarked } from '../model/step.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { alphabet } from './alphabet.ts';
import { fieldOf, makeCodec, type Range } from './codec.ts';
import { exploreExhaustive } from './engine.ts';
import { asyncHostChange, type Split, type StepFn, TransitionMemo } from './memo.ts';
import { StateStore } from './store.ts';
import { ReadTracker } from './track.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const DEFAULT: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };

const plainStep =
  (policy: Policy, scope: Scope): StepFn =>
  (s, op) => ({ ...step({ scope, policy }, s, op), flags: 0 });
/** Synchronous host changes as their asynchronous form, unmarked, then a scan (what the engine uses). */
const hostSplit = (policy: Policy, scope: Scope): Split => ({
  first: asyncHostChange,
  firstStep: (s, op) => ({ ...stepUnmarked({ scope, policy }, s, op), flags: 0 }),
  second: { kind: 'scan' },
});

/**
 * Breadth-first to `depth`, comparing the memo's successor and result with the reducer's on every
 * transition; the number of transitions that differ.
 */
function differential(
  policy: Policy,
  scope: Scope,
  depth: number,
  verifyEvery = 0,
  split?: Split,
): { bad: number; transitions: number; memo: TransitionMemo } {
  const codec = makeCodec(scope);
  const ops = alphabet(scope);
  const W = codec.words;
  const step1 = plainStep(policy, scope);
  const memo = new TransitionMemo(codec, ops, step1, verifyEvery, step1, split);
  const store = new StateStore(W);
  const key = new Uint32Array(W);
  const ref = new Uint32Array(W);
  codec.encode(initialState(scope), key, 0);
  store.add(key, 0, -1, 0);
  let bad = 0;
  let transitions = 0;
  let start = 0;
  let end = 1;
  for (let d = 0; d < depth; d++) {
    for (let i = start; i < end; i++) {
      const s = codec.decode(store.arena, i * W);
      for (let k = 0; k < ops.length; k++) {
        const r = step({ scope, policy }, s, ops[k]!);
        codec.encode(r.state, ref, 0);
        const c = memo.next(store.arena, i * W, i, k, key);
        transitions++;
        if (memo.result(c) !== r.result || key.some((x, w) => x !== ref[w])) bad++;
        store.add(ref, 0, i, k);
      }
    }
    start = end;
    end = store.count;
  }
  return { bad, transitions, memo };
}

const memo = suite('transition cache');

memo('on every transition within 5 ops at 1×1×1, every policy: the successor and result of the reducer', () => {
  for (const policy of Object.values(POLICIES)) {
    const { bad, transitions, memo: m } = differential(policy, TINY, 5);
    assert.is(bad, 0, policy.name);
    assert.ok(m.stats.hits > transitions / 2, `${policy.name}: ${m.stats.hits} hits of ${transitions}`);
  }
});

memo('on every transition within 2 ops at 2×2×1 with 2 mdevs and 2 VMs, every policy', () => {
  for (const policy of Object.values(POLICIES)) assert.is(differential(policy, DEFAULT, 2).bad, 0, policy.name);
});

memo(
  'a synchronous host change is its asynchronous form without the ghost marking, then a scan ' +
    '(random walks, every policy)',
  () => {
    const ops = alphabet(DEFAULT);
    const codec = makeCodec(DEFAULT);
    const a = new Uint32Array(codec.words);
    const b = new Uint32Array(codec.words);
    let split = 0;
    for (const policy of Object.values(POLICIES)) {
      const cfg = { scope: DEFAULT, policy };
      fc.assert(
        fc.property(fc.array(fc.nat(ops.length - 1), { minLength: 1, maxLength: 30 }), (picks) => {
          let s = initialState(DEFAULT);
          for (const k of picks) {
            for (const op of ops) {
              const first = asyncHostChange(op);
              if (first === null) continue;
              split++;
              const direct = step(cfg, s, op);
              const part = stepUnmarked(cfg, s, first);
              const two =
                part.result === 'ok' ? step(cfg, part.state, { kind: 'scan' }) : { state: s, result: part.result };
              codec.encode(direct.state, a, 0);
              codec.encode(two.state, b, 0);
              assert.is(two.result, direct.result);
              assert.equal([...b], [...a], `${policy.name}: ${JSON.stringify(op)}`);
            }
            s = step(cfg, s, ops[k]!).state;
          }
        }),
        { numRuns: 40, seed: 3 },
      );
    }
    assert.ok(split > 1000);
  },
);

memo(
  'with synchronous host changes split in two cached steps: the reducer on every transition ' +
    '(1×1×1 within 5 ops, 2×2×1 within 2)',
  () => {
    for (const policy of Object.values(POLICIES)) {
      const tiny = differential(policy, TINY, 5, 0, hostSplit(policy, TINY));
      assert.is(tiny.bad, 0, policy.name);
      assert.ok(
        tiny.memo.stats.hits > tiny.transitions / 2,
        `${policy.name}: ${tiny.memo.stats.hits} hits of ${tiny.transitions}`,
      );
      assert.is(differential(policy, DEFAULT, 2, 0, hostSplit(policy, DEFAULT)).bad, 0, policy.name);
    }
  },
);

memo('the engine without properties, cached (split host changes) and not: the same states and transitions', () => {
  for (const name of Object.keys(POLICIES)) {
    const cfg = { scope: TINY, policy: POLICIES[name]! };
    // Depth 5 (about 8,000 states and 110,000 transitions per policy): every op of the alphabet, cached and
    // split, is taken from states of every depth below; depth 6 has three times the transitions.
    const a = exploreExhaustive(cfg, [], { depth: 5, memo: false });
    const b = exploreExhaustive(cfg, [], { depth: 5, memo: true });
    assert.is(b.states, a.states, name);
    assert.is(b.transitions, a.transitions, name);
  }
});

memo('along random walks at 2×2×1 (one memo for all walks, so mostly hits): the reducer', () => {
  for (const policy of Object.values(POLICIES)) {
    const codec = makeCodec(DEFAULT);
    const ops = alphabet(DEFAULT);
    const m = new TransitionMemo(codec, ops, plainStep(policy, DEFAULT), 0);
    const cur = new Uint32Array(codec.words);
    const out = new Uint32Array(codec.words);
    const ref = new Uint32Array(codec.words);
    let id = 0;
    fc.assert(
      fc.property(fc.array(fc.nat(ops.length - 1), { minLength: 1, maxLength: 40 }), (picks) => {
        let s = initialState(DEFAULT);
        for (const k of picks) {
          codec.encode(s, cur, 0);
          const c = m.next(cur, 0, id++, k, out);
          const r = step({ scope: DEFAULT, policy }, s, ops[k]!);
          codec.encode(r.state, ref, 0);
          assert.is(m.result(c), r.result);
          assert.equal([...out], [...ref], `${policy.name}: ${JSON.stringify(ops[k])}`);
          s = r.state;
        }
      }),
      { numRuns: 150, seed: 7 },
    );
    assert.ok(m.stats.hits > m.stats.misses, `${policy.name}: ${m.stats.hits} hits, ${m.stats.misses} misses`);
  }
});

memo('the engine with and without the cache: the same states, transitions and shortest violations', () => {
  for (const name of ['static', 'v12-fcfs']) {
    const cfg = { scope: TINY, policy: POLICIES[name]! };
    for (const symmetry of [false, true]) {
      const a = exploreExhaustive(cfg, PROPERTIES, { depth: 5, memo: false, symmetry });
      const b = exploreExhaustive(cfg, PROPERTIES, { depth: 5, memo: true, symmetry });
      assert.is(b.states, a.states, name);
      assert.is(b.transitions, a.transitions, name);
      assert.equal(
        b.found.map((f) => [f.property, f.depth]).sort(),
        a.found.map((f) => [f.property, f.depth]).sort(),
        name,
      );
      assert.equal([...b.exercised].sort(), [...a.exercised].sort(), `${name}: exercised`);
      assert.ok(b.memo !== undefined && a.memo === undefined);
    }
  }
});

memo('a policy that behaves differently on the tracked view is caught by verification and stepped plainly', () => {
  // A policy that tells proxies apart: the cache must not trust what it learns from such runs.
  const sly = extend(upstream, {
    name: 'sly',
    create: (cfg, s, m) => (types.isProxy(s) ? 'EEXIST' : upstream.create(cfg, s, m)),
  });
  const { bad, memo: m } = differential(sly, TINY, 3, 1);
  assert.is(bad, 0);
  const createIx = alphabet(TINY).findIndex((o) => o.kind === 'create');
  assert.ok(m.stats.uncached.includes(createIx), 'create is no longer cached');
});

const track = suite('read tracking');

track('the layout: each leaf of a state is where the key has it', () => {
  const c = makeCodec(DEFAULT);
  const L = c.layout;
  const key = new Uint32Array(c.words);
  const ops = alphabet(DEFAULT);
  fc.assert(
    fc.property(fc.array(fc.nat(ops.length - 1), { maxLength: 30 }), (picks) => {
      let s = initialState(DEFAULT);
      for (const k of picks) s = step({ scope: DEFAULT, policy: upstream }, s, ops[k]!).state;
      c.encode(s, key, 0);
      assert.is(fieldOf(key, 0, L.host.apm), s.host.apm);
      assert.is(fieldOf(key, 0, L.cardOff), s.cardOff);
      assert.is(fieldOf(key, 0, L.info.aqm), s.info.aqm);
      assert.is(fieldOf(key, 0, L.scanFlag), s.bus.scan === null ? 0 : 1);
      s.queues.forEach((q, i) => {
        assert.is(fieldOf(key, 0, L.queues[i]!.driver) === 0, q === null);
        if (q) assert.is(fieldOf(key, 0, L.queues[i]!.link) === 0, q.link === null);
      });
      ['m1', 'm2'].forEach((m, j) => {
        const x = s.mdevs[m];
        if (!x) return;
        assert.is(fieldOf(key, 0, L.mdevs[j]!.matrix.apm), x.matrix.apm);
        assert.is(fieldOf(key, 0, L.mdevs[j]!.kvm) === 0, x.kvm === null);
        assert.is(fieldOf(key, 0, L.mdevs[j]!.shadowFlag), x.shadow === null ? 0 : 1);
      });
    }),
    { numRuns: 100, seed: 3 },
  );
});

track('reads are recorded in the order first read, each once; written() keeps what was not replaced', () => {
  const c = makeCodec(DEFAULT);
  const t = new ReadTracker(c);
  const s = initialState(DEFAULT);
  const v = t.view(s);
  t.reset();
  t.on = true;
  void v.host.aqm;
  void v.host.apm;
  void v.host.aqm;
  void v.queues[3]?.link;
  t.on = false;
  void v.cardOff; // not recorded: tracking is off
  assert.equal(t.seq, [c.layout.host.aqm, c.layout.host.apm, c.layout.queues[3]!.driver, c.layout.queues[3]!.link]);
  // A fault op replaces the fault array only: everything else is kept.
  const op: Op = { kind: 'fault', apid: 1, apqi: 0, fault: 'checkstop' };
  t.reset();
  t.on = true;
  const r = step({ scope: DEFAULT, policy: upstream }, v, op);
  t.on = false;
  t.written(r.state, v);
  const kept = (rg: Range): boolean => fieldOf(t.keep, 0, rg) === 2 ** rg.n - 1;
  assert.ok(kept(c.layout.host.apm) && kept(c.layout.queues[0]!.driver) && kept(c.layout.apmask));
  assert.not.ok(kept(c.layout.fault[2]!));
  // Object spreads read what they copy: the fault array was copied whole.
  assert.ok(t.seq.includes(c.layout.fault[0]!));
});

track('an input object moved elsewhere counts as read whole', () => {
  const c = makeCodec(TINY);
  const t = new ReadTracker(c);
  const s = initialState(TINY);
  const v = t.view(s);
  t.reset();
  // Without reading a field, put the host matrix where info was.
  const moved: State = { ...v, info: v.host };
  t.written(moved, v);
  assert.ok(t.seq.includes(c.layout.host.apm) && t.seq.includes(c.layout.host.adm));
  assert.is(fieldOf(t.keep, 0, c.layout.info.apm), 0);
});

memo.run();
track.run();
