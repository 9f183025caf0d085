/**
 * The cheaper ways the exhaustive engine checks properties give what checking every property on
 * every decoded state and transition gives: the idle-step short cut of the step properties, and the
 * per-state verdicts and settled classes on the packed key (exhaustive/memo-states.ts) that the
 * transition cache uses.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { quiescent, settle } from '../properties/quiescence.ts';
import { PROPERTIES } from '../properties/registry.ts';
import type { Property, StateInvariant, StepProperty } from '../properties/types.ts';
import { has } from '../model/bits.ts';
import { qix, apqnName } from '../model/scope.ts';
import { noHandoverWhileResetting, resetInProgress } from '../properties/no-handover-while-resetting.ts';
import { removedMdevLeavesNothing } from '../properties/removed-mdev-leaves-nothing.ts';
import { scanKeepsGuestQueues } from '../properties/scan-keeps-guest-queues.ts';
import { guestWithQueues } from '../properties/exercised.ts';
import { cross, queue, sharedApqn } from '../properties/util.ts';
import type { Config } from '../model/policy.ts';
import type { Op } from '../model/ops.ts';
import type { Step } from '../model/step.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { alphabet } from './alphabet.ts';
import { makeCodec } from './codec.ts';
import { type ExhaustiveOptions, type ExhaustiveResult, exploreExhaustive } from './engine.ts';
import { StateMemo } from './memo-states.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const DEFAULT: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const NAMES = Object.keys(POLICIES);
const ALL = { mechanisms: MECHANISMS };

/** What a search reports that a property check decides: the counts, every violation whole, the exercised set. */
function outcome(r: ExhaustiveResult) {
  const found = r.found.map((f) => [f.property, f.depth, f.reason, JSON.stringify([f.ops, f.other ?? null])]);
  return { states: r.states, transitions: r.transitions, found: found.sort(), exercised: [...r.exercised].sort() };
}

/** The properties as they were before `holdsWhenIdle`: every step property checked on every step. */
const withoutIdle = (ps: readonly Property[]): Property[] =>
  ps.map((p) => (p.kind === 'step' ? ({ ...p, holdsWhenIdle: false } satisfies StepProperty) : p));

const idle = suite('idle steps');

idle('a check that holds when idle gives null on every idle step of the built-ins (2×2×1, 2 ops)', () => {
  const declared = PROPERTIES.filter((p): p is StepProperty => p.kind === 'step' && p.holdsWhenIdle === true);
  assert.ok(declared.length >= 5, 'most step properties hold when idle');
  let idleSteps = 0;
  for (const name of NAMES) {
    const cfg = { scope: DEFAULT, policy: POLICIES[name]! };
    const spy: StepProperty = {
      kind: 'step',
      name: 'spy',
      statement: '',
      spec: '',
      check: (c, s, op, r) => {
        if (r.state !== s || r.events.length > 0) return null;
        idleSteps++;
        for (const p of declared) assert.is(p.check(c, s, op, r), null, `${name} ${p.name} ${op.kind}`);
        return null;
      },
    };
    exploreExhaustive(cfg, [spy], { depth: 2, symmetry: true, ...ALL });
  }
  assert.ok(idleSteps > 10000, `${idleSteps} idle steps`);
});

idle('the engine with and without the short cut: the same counts, violations and exercised properties', () => {
  let found = 0;
  for (const name of NAMES) {
    // Every mechanism at the default scope; the classic alphabet deeper at 1×1×1.
    for (const [scope, depth, mechanisms] of [
      [DEFAULT, 3, MECHANISMS],
      [TINY, 5, []],
    ] as const) {
      const cfg = { scope, policy: POLICIES[name]! };
      const opt: ExhaustiveOptions = { depth, symmetry: true, mechanisms };
      const a = exploreExhaustive(cfg, withoutIdle(PROPERTIES), opt);
      const b = exploreExhaustive(cfg, PROPERTIES, opt);
      assert.equal(outcome(b), outcome(a), `${name} at depth ${depth}`);
      found += a.found.length;
    }
  }
  assert.ok(found >= 20, `${found} violations compared`);
});

const keyed = suite('per-state checks on the packed key');

keyed('every invariant verdict and settled key equal the decoded state computation (every built-in)', () => {
  const invariants = PROPERTIES.filter((p): p is StateInvariant => p.kind === 'state');
  for (const name of NAMES) {
    for (const [scope, depth] of [
      [TINY, 4],
      [DEFAULT, 2],
    ] as const) {
      const cfg = { scope, policy: POLICIES[name]! };
      const codec = makeCodec(scope);
      const sm = new StateMemo(cfg, codec, invariants, true);
      const key = new Uint32Array(codec.words);
      const settledKey = new Uint32Array(codec.words);
      const want = new Uint32Array(codec.words);
      const states: State[] = [];
      const spy: StateInvariant = {
        kind: 'state',
        name: 'spy',
        statement: '',
        spec: '',
        quiescentOnly: false,
        check: (_c, s) => {
          states.push(s);
          return null;
        },
      };
      exploreExhaustive(cfg, [spy], { depth, symmetry: false, ...ALL });
      // Twice over: the first round mostly misses, the second mostly hits.
      for (let round = 0; round < 2; round++) {
        states.forEach((s, n) => {
          codec.encode(s, key, 0);
          invariants.forEach((p, j) => {
            const broken = (!p.quiescentOnly || quiescent(cfg, s)) && p.check(cfg, s) !== null;
            assert.is(sm.broken(key, 0, n, j), broken, `${name} ${p.name}`);
          });
          const q = quiescent(cfg, s);
          assert.is(sm.settled(key, 0, n, settledKey), q, `${name}: quiescent`);
          codec.encode(q ? s : settle(cfg, s), want, 0);
          assert.equal([...settledKey], [...want], `${name}: the settled state's key`);
        });
      }
      assert.ok(sm.memo.stats.hits > sm.memo.stats.misses, `${name}: ${JSON.stringify(sm.memo.stats)}`);
    }
  }
});

keyed('the engine with every property, cached and not: the same counts, violations and exercised properties', () => {
  let found = 0;
  for (const name of NAMES) {
    for (const symmetry of [false, true]) {
      const cfg = { scope: TINY, policy: POLICIES[name]! };
      const opt: ExhaustiveOptions = { depth: 4, symmetry };
      const a = exploreExhaustive(cfg, PROPERTIES, { ...opt, memo: false });
      const b = exploreExhaustive(cfg, PROPERTIES, { ...opt, memo: true });
      assert.equal(outcome(b), outcome(a), `${name}, symmetry ${symmetry}`);
      assert.ok(b.memo !== undefined && a.memo === undefined);
      found += a.found.length;
    }
  }
  assert.ok(found >= 20, `${found} violations compared`);
});

const checks = suite('step checks made cheaper');

type Check = (cfg: Config, before: State, op: Op, after: Step) => string | null;

/** The checks as they were before their identity exits (the references). */
const OLD: [StepProperty, Check][] = [
  [
    removedMdevLeavesNothing,
    (_cfg, before, _op, after) => {
      const s = after.state;
      for (const m in before.mdevs) {
        if (s.mdevs[m]) continue;
        const x = before.mdevs[m]!;
        for (const vm in s.vms) {
          const q = sharedApqn(s.vms[vm]!.crycb, x.matrix);
          if (q && !Object.values(s.mdevs).some((o) => o.kvm === vm))
            return `${m} was removed but ${vm} still has ${q}`;
        }
        if (s.queues.some((q) => q?.link === m)) return `${m} was removed but a queue is still linked to it`;
      }
      return null;
    },
  ],
  [
    noHandoverWhileResetting,
    (cfg, before, _op, after) => {
      const s = after.state;
      if (s === before) return null;
      for (const vm in s.vms) {
        for (const [a, d] of cross(s.vms[vm]!.crycb)) {
          const c = before.vms[vm]?.crycb;
          if (a >= cfg.scope.adapters || d >= cfg.scope.domains || (c && has(c.apm, a) && has(c.aqm, d))) continue;
          if (resetInProgress(cfg, s, a, d))
            return `${apqnName(a, d)} entered ${vm}'s CRYCB while its reset is in progress`;
        }
      }
      for (let a = 0; a < cfg.scope.adapters; a++) {
        for (let d = 0; d < cfg.scope.domains; d++) {
          if (queue(cfg, s, a, d)?.driver !== 'cex4queue' || queue(cfg, before, a, d)?.driver === 'cex4queue') continue;
          if (resetInProgress(cfg, before, a, d) && s.fault[qix(cfg.scope, a, d)] === 'busy')
            return `${apqnName(a, d)} bound to cex4queue while its reset is in progress`;
        }
      }
      return null;
    },
  ],
  [
    scanKeepsGuestQueues,
    (cfg, before, op, after) => (guestWithQueues(before) ? scanKeepsGuestQueues.check(cfg, before, op, after) : null),
  ],
];

/** The shipped counterexamples' ops and scopes (counterexamples/<property>/<name>.json). */
function shipped(): { scope: Scope; ops: Op[] }[] {
  const dir = new URL('../counterexamples/', import.meta.url);
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.json'))
    .map((f) => JSON.parse(readFileSync(new URL(f, dir), 'utf8')) as { scope: Scope; ops: Op[]; initial?: unknown })
    .filter((d) => d.initial === undefined);
}

checks('the same verdicts as before along the shipped counterexamples and random ways on from them', () => {
  const broken = new Map<string, number>();
  let seed = 1;
  const next = (n: number): number => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return (seed >>> 8) % n;
  };
  const compare = (cfg: Config, s: State, op: Op): State => {
    const r = step(cfg, s, op);
    for (const [p, old] of OLD) {
      const want = old(cfg, s, op, r);
      assert.is(p.check(cfg, s, op, r), want, `${cfg.policy.name} ${p.name} ${op.kind}`);
      if (want !== null) broken.set(p.name, (broken.get(p.name) ?? 0) + 1);
    }
    // Every mdev gone at once, all else kept (guests, links): removed-mdev-leaves-nothing's violations.
    if (Object.keys(s.mdevs).length > 0) {
      const gone: Step = { state: { ...s, mdevs: {} }, result: 'ok', events: [] };
      const want = OLD[0]![1](cfg, s, op, gone);
      assert.is(removedMdevLeavesNothing.check(cfg, s, op, gone), want, `${cfg.policy.name} every mdev gone`);
      if (want !== null) broken.set('every mdev gone', (broken.get('every mdev gone') ?? 0) + 1);
    }
    return r.state;
  };
  const traces = shipped();
  assert.ok(traces.length >= 10, `${traces.length} counterexamples`);
  for (const { scope, ops } of traces) {
    const alpha = alphabet(scope, new Set(MECHANISMS));
    for (const name of NAMES) {
      const cfg = { scope, policy: POLICIES[name]! };
      let s = initialState(scope);
      for (const op of ops) {
        // From each state of the trace, a few random ways on.
        for (let w = 0; w < 4; w++) {
          let t = s;
          for (let k = 0; k < 6; k++) t = compare(cfg, t, alpha[next(alpha.length)]!);
        }
        s = compare(cfg, s, op);
      }
    }
  }
  // Random ways rarely break removed-mdev-leaves-nothing or scan-keeps-guest-queues: the made-up removals do.
  const seen = [...broken.keys()].sort();
  assert.equal(seen, ['every mdev gone', 'no-handover-while-resetting'], JSON.stringify([...broken]));
});

idle.run();
keyed.run();
checks.run();
