/**
 * Why: the engines run a history property through its own hooks (properties/types.ts), so a history
 * property they have never heard of is checked like the built-in ones; and recovery's disturbances
 * are a named list whose every kind really takes a resource away and gives it back.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import type { Op } from '../model/ops.ts';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { caseArb, setupOps } from './arbitraries.ts';
import { runSettled } from './case.ts';
import { configurationKey } from './configuration.ts';
import { DISTURBANCES } from './disturbances.ts';
import { guestWithQueues } from './exercised.ts';
import { explore } from './explore.ts';
import { settle } from './quiescence.ts';
import { recoveryWith } from './recovery.ts';
import type { HistoryProperty, Violation } from './types.ts';

const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES['upstream']! };
const s0 = initialState(DEFAULT_SCOPE);

/**
 * A history property no engine knows by name: once the kernel has settled, no guest has queues (false
 * as soon as a guest gets one). Its exhaustive check shares each settled class and reports in receive.
 */
function settledGuest(): { p: HistoryProperty; late: () => number } {
  const name = 'no-settled-guest-with-queues';
  const violation = (ops: readonly Op[]): Violation | null =>
    guestWithQueues(runSettled(cfg, s0, ops)) ? { property: name, ops, at: null, reason: 'a guest has queues' } : null;
  let closed = false;
  let late = 0;
  const p: HistoryProperty = {
    kind: 'history',
    name,
    statement: 'No guest has queues once the kernel has settled.',
    spec: 'test',
    shardSafe: true,
    carries: 'other',
    checkCase: (_cfg, _s0, c) => violation(c.ops),
    recheck: (_cfg, _s0, h) => violation(h.ops),
    writeCase: () => {},
    exhaustive: (ctx) => ({
      settled(n, s, depth) {
        if (guestWithQueues(s)) ctx.share({ n, depth });
      },
      receive(r) {
        if (closed) late++;
        closed = true;
        const ops = ctx.trace(r['n'] as number);
        ctx.report({ property: name, ops, at: null, reason: 'a guest has queues' }, r['depth'] as number);
      },
    }),
  };
  return { p, late: () => late };
}

const engines = suite('history properties: the engines run one they do not know by name');

engines('the random engine checks and shrinks it', async () => {
  const { p } = settledGuest();
  const r = await explore(cfg, s0, [p], { seed: 1, runs: 2000 });
  assert.is(r.found.length, 1);
  const f = r.found[0]!;
  assert.is(f.property, p.name);
  assert.ok(guestWithQueues(runSettled(cfg, s0, f.ops)), 'the shrunk trace shows it');
  assert.ok(f.ops.length <= 8, `shrunk to ${f.ops.length} ops`);
});

for (const symmetry of [false, true]) {
  engines(`the exhaustive engine checks it (symmetry ${symmetry ? 'on' : 'off'}) at the least depth`, () => {
    const { p, late } = settledGuest();
    const r = exploreExhaustive(cfg, [p], { symmetry, depth: 6, maxStates: 200_000 });
    assert.is(r.found.length, 1);
    const f = r.found[0]!;
    assert.is(f.property, p.name);
    assert.is(f.depth, f.ops.length);
    assert.ok(guestWithQueues(runSettled(cfg, s0, f.ops)), 'the reported trace shows it');
    assert.is(late(), 0, 'nothing is received once the property is closed');
    // Breadth-first: no shorter trace gives a guest queues (each level's states are all expanded).
    const shorter = exploreExhaustive(cfg, [p], { symmetry, depth: f.depth - 1 });
    assert.is(shorter.found.length, 0);
  });
}

engines.run();

const dist = suite('recovery: the named disturbances');

dist('names are unique; the case generator draws every kind and no other', () => {
  const names = DISTURBANCES.map((d) => d.name);
  assert.is(new Set(names).size, names.length);
  const drawn = new Set(fc.sample(caseArb(DEFAULT_SCOPE), { numRuns: 400, seed: 3 }).map((c) => c.disturb));
  assert.equal(
    [...drawn].sort((a, b) => a - b),
    DISTURBANCES.map((_, i) => i),
  );
});

dist('every target of every kind takes something away and gives it back (upstream, a guest with every queue)', () => {
  const key = (s: State, ignoreResets: boolean) => configurationKey(s, { ignoreResets, ignoreMatrices: true });
  const before = runSettled(cfg, s0, setupOps(DEFAULT_SCOPE, 3));
  assert.ok(guestWithQueues(before));
  for (const kind of DISTURBANCES) {
    for (let t = 0; t < kind.targets(DEFAULT_SCOPE); t++) {
      const dr = kind.ops(cfg, before, t);
      assert.ok(dr, `${kind.name} ${t} applies`);
      let s = before;
      for (const op of dr![0]) s = step(cfg, s, op).state;
      s = settle(cfg, s);
      assert.is.not(key(s, true), key(before, true), `${kind.name} ${t}: something went away`);
      for (const op of dr![1]) s = step(cfg, s, op).state;
      assert.is(key(settle(cfg, s), false), key(before, false), `${kind.name} ${t}: it came back`);
      assert.is(recoveryWith(cfg, s0, [], dr!, before), null, `${kind.name} ${t}: upstream recovers`);
    }
  }
});

dist.run();
