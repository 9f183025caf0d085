/**
 * The policy guard: no false alarms on the built-in policies (checked thoroughly on every call), each
 * kind of misbehaviour caught in-process, and the explorer's stop flag.
 */
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CALLBACK_NAMES, extend, POLICIES, upstream, type Policy, type State } from '../model/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { abortFlag } from './abort.ts';
import { caseArb } from './arbitraries.ts';
import { explore } from './explore.ts';
import { faultIn } from './policy-error.ts';
import { guardPolicy, MAX_THOROUGH_CALLS, PolicyFault } from './policy-guard.ts';
import { PROPERTIES } from './registry.ts';

const s0 = initialState(DEFAULT_SCOPE);
const NUM_RUNS = Number(process.env['NUM_RUNS'] ?? 150);

// ---
const clean = suite('the guard raises no false alarm');

for (const p of Object.values(POLICIES)) {
  clean(`${p.name}: every callback, thoroughly, on generated cases`, () => {
    const g = guardPolicy(p);
    const cfg = { scope: DEFAULT_SCOPE, policy: g.policy };
    fc.assert(
      fc.property(caseArb(DEFAULT_SCOPE, 20), (c) => {
        const f = faultIn(cfg, g, s0, c.ops);
        return f === null || assert.unreachable(f.fault.message);
      }),
      { seed: 7, numRuns: NUM_RUNS },
    );
  });
}

clean.run();

// ---
const caught = suite('the guard catches each kind of misbehaviour');

function faultOf(policy: Policy, ops: Parameters<typeof step>[2][]): PolicyFault {
  const g = guardPolicy(policy);
  g.thorough = true;
  const cfg = { scope: DEFAULT_SCOPE, policy: g.policy };
  let s: State = s0;
  try {
    for (const op of ops) s = step(cfg, s, op).state;
  } catch (e) {
    if (e instanceof PolicyFault) return e;
    throw e;
  }
  assert.unreachable('no fault');
  throw new Error('unreachable');
}

caught('every callback of a policy is guarded', () => {
  for (const cb of CALLBACK_NAMES) {
    const g = guardPolicy(
      extend(upstream, {
        name: 'x',
        [cb]: () => {
          throw new RangeError('nope');
        },
      }),
    );
    const f = (g.policy as unknown as Record<string, (...a: unknown[]) => unknown>)[cb]!;
    const isFault = (e: unknown) => e instanceof PolicyFault && e.callback === cb;
    assert.throws(() => f({ scope: DEFAULT_SCOPE, policy: g.policy }, s0), isFault, cb);
  }
});

caught('an exception', () => {
  const f = faultOf(
    extend(upstream, {
      name: 'x',
      create: () => {
        throw new RangeError('nope');
      },
    }),
    [{ kind: 'create', mdev: 'm1' }],
  );
  assert.is(f.kind, 'threw');
  assert.is(f.callback, 'create');
  assert.match(f.message, /RangeError: nope/);
});

caught('a write to the input state, by path, strict or not', () => {
  const p = extend(upstream, {
    name: 'x',
    create: (cfg, s, m) => {
      (s.queues as (typeof s.queues)[number][])[0] = null;
      return upstream.create(cfg, s, m);
    },
  });
  const f = faultOf(p, [{ kind: 'create', mdev: 'm1' }]);
  assert.is(f.kind, 'mutated');
  assert.match(f.message, /state\.queues\[0\]/);
});

caught('an errno that is not one', () => {
  const f = faultOf(extend(upstream, { name: 'x', create: () => 'ENOPE' as 'EBUSY' }), [
    { kind: 'create', mdev: 'm1' },
  ]);
  assert.is(f.kind, 'malformed');
  assert.match(f.message, /"ENOPE" is not an errno name/);
});

caught('a malformed state, even without thorough checks', () => {
  const g = guardPolicy(extend(upstream, { name: 'x', create: () => ({}) as State }));
  const cfg = { scope: DEFAULT_SCOPE, policy: g.policy };
  assert.throws(
    () => step(cfg, s0, { kind: 'create', mdev: 'm1' }),
    (e: unknown) => e instanceof PolicyFault && e.kind === 'malformed',
  );
});

caught('two different answers to the same question', () => {
  let n = 0;
  const p = extend(upstream, {
    name: 'x',
    create: (cfg, s, m) => (++n % 2 === 0 ? 'EBUSY' : upstream.create(cfg, s, m)),
  });
  const f = faultOf(p, [{ kind: 'create', mdev: 'm1' }]);
  assert.is(f.kind, 'nondeterministic');
  assert.match(f.message, /an object vs "EBUSY"/);
});

caught('a write between two thorough calls on the same state is still seen, and past the cap calls are cheap', () => {
  // `status` runs once per queue on the same state: the first call's JSON is kept for the next (one write-out per
  // call); a later call that writes to it is caught against that text.
  let n = 0;
  const p = extend(upstream, {
    name: 'x',
    status: (cfg, s, apid, apqi) => {
      if (++n === 7) (s as unknown as Record<string, unknown>)['extra'] = 1;
      return upstream.status(cfg, s, apid, apqi);
    },
  });
  const g = guardPolicy(p);
  g.thorough = true;
  const cfg = { scope: DEFAULT_SCOPE, policy: g.policy };
  const s = { ...s0 };
  const ask = () => g.policy.status(cfg, s, 0, 0);
  ask(); // calls 1 and 2 (a thorough call calls twice)
  ask(); // 3, 4
  ask(); // 5, 6
  assert.throws(
    ask,
    (e: unknown) => e instanceof PolicyFault && e.kind === 'mutated' && /state\.extra/.test(e.message),
  );
  // Past MAX_THOROUGH_CALLS of one callback, a call is made once, with the cheap checks only.
  const counted: Policy['status'] = (...a) => {
    n++;
    return upstream.status(...a);
  };
  const h = guardPolicy(extend(upstream, { name: 'y', status: counted }));
  h.thorough = true;
  const hc = { scope: DEFAULT_SCOPE, policy: h.policy };
  n = 0;
  for (let i = 0; i < MAX_THOROUGH_CALLS + 10; i++) h.policy.status(hc, s0, 0, 0);
  assert.is(n, 2 * MAX_THOROUGH_CALLS + 10);
  // Turned on again (the next sampled case): thorough again.
  h.thorough = false;
  h.thorough = true;
  n = 0;
  h.policy.status(hc, s0, 0, 0);
  assert.is(n, 2);
});

caught.run();

// ---
const stop = suite('the explorer stops when asked');

stop('an abort flag set during a long run ends it promptly, with how far it got', async () => {
  const flag = abortFlag();
  setTimeout(() => {
    flag.aborted = true;
    flag.reason = 'test';
  }, 300);
  const t0 = Date.now();
  const x = await explore({ scope: DEFAULT_SCOPE, policy: upstream }, s0, PROPERTIES.slice(0, 2), {
    seed: 1,
    runs: 10_000_000,
    signal: flag,
  });
  assert.ok(Date.now() - t0 < 1500, `${Date.now() - t0} ms`);
  assert.ok(x.interrupted);
  assert.is(x.stoppedBy, 'test');
  assert.ok(x.runs > 0 && x.ops > 0);
});

stop('a flag never set changes nothing: same counterexamples as without one', async () => {
  const cfg = { scope: DEFAULT_SCOPE, policy: POLICIES['d0']! };
  const a = await explore(cfg, s0, PROPERTIES, { seed: 3, runs: 1500 });
  const b = await explore(cfg, s0, PROPERTIES, { seed: 3, runs: 1500, signal: abortFlag() });
  assert.equal(
    b.found.map((f) => [f.property, f.ops, f.path]),
    a.found.map((f) => [f.property, f.ops, f.path]),
  );
});

stop('the time budget ends a long case between its ops, not only between cases', async () => {
  // A case can take seconds (a large scope; here every callback takes 40 ms): the budget is polled before each op.
  const spin = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };
  const slowed: Record<string, unknown> = {};
  for (const n of CALLBACK_NAMES) {
    const f = (upstream as unknown as Record<string, unknown>)[n];
    if (typeof f === 'function')
      slowed[n] = (...a: unknown[]) => {
        spin(40);
        return f(...a);
      };
  }
  const slow = extend(upstream, { name: 'slow', ...(slowed as Partial<Policy>) });
  const t0 = Date.now();
  const x = await explore({ scope: DEFAULT_SCOPE, policy: slow }, s0, PROPERTIES, { seed: 1, runs: 1000, timeMs: 200 });
  // Without the poll the first case alone runs about 50 callbacks (2 s).
  assert.ok(Date.now() - t0 < 1000, `${Date.now() - t0} ms`);
  assert.is(x.stoppedBy, 'time');
});

stop.run();
