import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runExhaustiveCheck, runPolicy } from '../bin/check-exhaustive.ts';
import { deleteMdev } from '../model/blocks/mdev.ts';
import { differences, observation } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import { d0, staticPolicy, upstream, v12Fcfs } from '../model/policies/index.ts';
import { type Config, extend, type Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { type Step, step } from '../model/step.ts';
import { firstStepViolation } from '../properties/case.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { alphabet } from './alphabet.ts';
import { makeCodec } from './codec.ts';
import { exploreExhaustive } from './engine.ts';
import type { ExhaustiveFound, ExhaustiveResult } from './options.ts';
import { exploreAgainstBaseSync, exploreDifferenceSync, HISTORY_UNDECIDED } from './product.ts';
import { PairSymmetry } from './product-symmetry.ts';

const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const DEFAULT: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const LOCAL = PROPERTIES.filter((p) => p.kind !== 'history');

/** upstream under another name: the same design. */
const copy = extend(upstream, { name: 'upstream-copy' });
/** A patch of upstream: mdev remove deletes the mdev at once, its queues never reset (attached or not). */
const skipsReset = extend(upstream, {
  name: 'remove-skips-reset',
  remove_mdev: (cfg, s, m) => deleteMdev(cfg, s, m),
});
/** A patch of upstream that refuses to create m1 before m2 exists: the halves' creation orders part. */
const m2First = extend(upstream, {
  name: 'm2-first',
  create: (cfg, s, m) => (m === 'm1' && s.mdevs['m2'] === undefined ? 'EBUSY' : upstream.create(cfg, s, m)),
});

const cfg = (scope: Scope, policy: Policy): Config => ({ scope, policy });
const depths = (fs: readonly ExhaustiveFound[]): Record<string, number> =>
  Object.fromEntries(fs.map((f) => [f.property, f.depth]));

const sym = suite('product search: symmetry');

/** The pair classes (PairSymmetry.canonical) of every pair within each depth, found by a plain product search. */
function pairClassesByDepth(scope: Scope, a: Policy, b: Policy, depth: number): number[] {
  const ops = alphabet(scope);
  const ca = makeCodec(scope);
  const cb = makeCodec(scope);
  const ps = new PairSymmetry(scope, ca, cb);
  const W1 = ca.words;
  const key = new Uint32Array(2 * W1);
  const raw = (x: State, y: State): string => {
    ca.encode(x, key, 0);
    cb.encode(y, key, W1);
    return `${key.join(',')}/${[x.mdevs, y.mdevs, x.vms, y.vms].map((r) => Object.keys(r).join()).join('/')}`;
  };
  const seen = new Set<string>();
  const classes = new Set<string>();
  const see = (x: State, y: State): void => {
    seen.add(raw(x, y));
    ps.canonical(x, y, key);
    classes.add(key.join(','));
  };
  const s0 = initialState(scope);
  let frontier: [State, State][] = [[s0, s0]];
  see(s0, s0);
  const out: number[] = [];
  for (let d = 0; d < depth; d++) {
    const next: [State, State][] = [];
    for (const [x, y] of frontier) {
      for (const op of ops) {
        const u = step(cfg(scope, a), x, op).state;
        const v = step(cfg(scope, b), y, op).state;
        if (seen.has(raw(u, v))) continue;
        see(u, v);
        next.push([u, v]);
      }
    }
    frontier = next;
    out.push(classes.size);
  }
  return out;
}

sym(
  'the reduced product search stores exactly the classes of the pairs a plain product search reaches, depth by depth',
  () => {
    const S22: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 1, vms: 1 };
    const M2: Scope = { adapters: 1, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
    const cases: [Scope, Policy, Policy, number][] = [
      [S22, d0, upstream, 3],
      [S22, v12Fcfs, upstream, 3],
      [S22, skipsReset, upstream, 3],
      [M2, m2First, upstream, 3],
      [M2, upstream, m2First, 3],
    ];
    for (const [scope, a, b, depth] of cases) {
      const want = pairClassesByDepth(scope, a, b, depth);
      const got = want.map(
        (_, d) => exploreAgainstBaseSync(cfg(scope, a), b, [], { depth: d + 1, symmetry: true }).states,
      );
      assert.equal(got, want, `${a.name} × ${b.name} at ${JSON.stringify(scope)}`);
    }
  },
);

sym('the two halves keep their own creation orders under one joint renaming', () => {
  const scope = DEFAULT;
  const ps = new PairSymmetry(scope, makeCodec(scope), makeCodec(scope));
  const s0 = initialState(scope);
  const run = (p: Policy, ops: Op[]): State => ops.reduce((s, op) => step(cfg(scope, p), s, op).state, s0);
  const ops: Op[] = [
    { kind: 'create', mdev: 'm1' },
    { kind: 'create', mdev: 'm2' },
    { kind: 'create', mdev: 'm1' },
  ];
  const a = run(m2First, ops);
  const b = run(upstream, ops);
  assert.equal(Object.keys(a.mdevs), ['m2', 'm1']);
  assert.equal(Object.keys(b.mdevs), ['m1', 'm2']);
  const [na, nb] = ps.names(a, b);
  // One renaming for both: A's creation order first (m2 → m1, m1 → m2), B's order kept under it.
  assert.equal(Object.keys(na.mdevs), ['m1', 'm2']);
  assert.equal(Object.keys(nb.mdevs), ['m2', 'm1']);
  // The pair (a, b) and the pair (b, a) are not one class: their keys differ.
  const k1 = new Uint32Array(ps.words);
  const k2 = new Uint32Array(ps.words);
  ps.canonical(a, b, k1);
  ps.canonical(a, a, k2);
  assert.not.equal([...k1], [...k2]);
});

sym('symmetry reduction finds every found, inherited and fixed at the same depth as the unreduced product', () => {
  const SMALL: Scope = { adapters: 2, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
  const skipsCopy = extend(skipsReset, { name: 'remove-skips-reset-copy' });
  // Within 4 ops: one new violation, the same one inherited by a copy, and fixed by upstream (upstream's own
  // no-kernel-warning violation, inherited by every patch of it, is left out).
  const props = LOCAL.filter((p) => p.name !== 'no-kernel-warning');
  for (const [a, b] of [
    [skipsReset, upstream],
    [skipsCopy, skipsReset],
    [upstream, skipsReset],
  ] as const) {
    const plain = exploreAgainstBaseSync(cfg(SMALL, a), b, props, { depth: 4 });
    const reduced = exploreAgainstBaseSync(cfg(SMALL, a), b, props, { depth: 4, symmetry: true });
    const all = (r: typeof plain) => [r.found, r.base!.inherited, r.base!.fixed].map(depths);
    assert.equal(
      all(plain).map((x) => Object.keys(x).length),
      a === skipsReset ? [1, 0, 0] : a === upstream ? [0, 0, 1] : [0, 1, 0],
    );
    assert.equal(all(reduced), all(plain), `${a.name} × ${b.name}`);
    assert.ok(reduced.states < plain.states);
  }
});

sym.run();

const att = suite('product search: attribution against a base');

att('a renamed copy of upstream: nothing new, every violation of upstream inherited at its depth, none fixed', () => {
  const r = exploreAgainstBaseSync(cfg(TINY, copy), upstream, PROPERTIES, { depth: 6, symmetry: true });
  const plain = exploreExhaustive(cfg(TINY, upstream), LOCAL, { depth: 6, symmetry: true });
  assert.ok(plain.found.length > 0, 'upstream violates something within 6 ops');
  assert.equal(r.found, []);
  assert.equal(r.base!.policy, 'upstream');
  assert.equal(depths(r.base!.inherited), depths(plain.found));
  assert.equal(r.base!.fixed, []);
  // The history properties are left undecided, never reported as holding.
  const history = PROPERTIES.filter((p) => p.kind === 'history').map((p) => p.name);
  assert.equal(
    r.undecided,
    history.map((property) => ({ property, reason: HISTORY_UNDECIDED })),
  );
  for (const h of history) assert.not.ok(r.exercised.includes(h));
});

att('a patch whose mdev remove skips the resets: new violations, each holding under upstream on its trace', () => {
  const r = exploreAgainstBaseSync(cfg(TINY, skipsReset), upstream, LOCAL, { depth: 6, symmetry: true });
  const plain = exploreExhaustive(cfg(TINY, skipsReset), LOCAL, { depth: 6, symmetry: true });
  assert.ok(r.found.length >= 3, r.found.map((f) => f.property).join());
  const shortest = depths(plain.found);
  for (const f of r.found) {
    const p = propertyByName(f.property)!;
    const under = (q: Policy) => firstStepViolation(cfg(TINY, q), initialState(TINY), f.ops, [p]);
    assert.is(under(skipsReset)?.at, f.ops.length - 1, `${f.property}: violated at its last op under the patch`);
    assert.is(under(upstream), null, `${f.property}: holds under upstream`);
    assert.ok(f.depth <= shortest[f.property]!, `${f.property}: ${f.depth} <= ${shortest[f.property]}`);
  }
  // What upstream violates too is inherited, with a trace violating under both.
  assert.ok(r.base!.inherited.length > 0);
  for (const f of r.base!.inherited) {
    const p = propertyByName(f.property)!;
    assert.ok(firstStepViolation(cfg(TINY, upstream), initialState(TINY), f.ops, [p]) !== null, f.property);
    assert.not.ok(r.found.some((x) => x.property === f.property));
  }
});

att('the new violation on a property the base violates too is found, not masked by the base', () => {
  // upstream violates reset-before-reuse at 1×1×1 after 8 ops; the patch after 7, on a trace upstream passes.
  const props = [propertyByName('reset-before-reuse')!];
  const plainBase = exploreExhaustive(cfg(TINY, upstream), props, { depth: 8, symmetry: true });
  assert.is(plainBase.found[0]?.depth, 8);
  const r = exploreAgainstBaseSync(cfg(TINY, skipsReset), upstream, props, { depth: 8, symmetry: true });
  assert.is(r.found.length, 1);
  const f = r.found[0]!;
  assert.is(f.depth, 7);
  assert.is(firstStepViolation(cfg(TINY, upstream), initialState(TINY), f.ops, props), null);
  assert.is(r.bound, null); // every property has its `found`: the search ends there
});

att('the reverse: the base patched, the variant upstream: what the patch breaks shows as fixed', () => {
  const fwd = exploreAgainstBaseSync(cfg(TINY, skipsReset), upstream, LOCAL, { depth: 5, symmetry: true });
  const rev = exploreAgainstBaseSync(cfg(TINY, upstream), skipsReset, LOCAL, { depth: 5, symmetry: true });
  assert.ok(fwd.found.length > 0);
  assert.equal(rev.found, []);
  assert.equal(depths(rev.base!.fixed), depths(fwd.found));
  for (const f of rev.base!.fixed) {
    const p = propertyByName(f.property)!;
    assert.is(firstStepViolation(cfg(TINY, upstream), initialState(TINY), f.ops, [p]), null);
  }
});

/** A state and a step property that look at the policy's name: the same trace breaks them under one design only. */
function synthetic(
  bad: (policy: string, mdevs: number) => boolean,
  badCreate: (policy: string, m: string, s: State) => boolean,
) {
  const state: Property = {
    kind: 'state',
    name: 'synthetic-state',
    statement: 'test only',
    spec: '-',
    quiescentOnly: false,
    check: (c, s) => (bad(c.policy.name, Object.keys(s.mdevs).length) ? 'bad' : null),
  };
  const stepProp: Property = {
    kind: 'step',
    name: 'synthetic-step',
    statement: 'test only',
    spec: '-',
    check: (c, s, op, r) =>
      op.kind === 'create' && r.state !== s && badCreate(c.policy.name, op.mdev, s) ? 'bad' : null,
  };
  return [state, stepProp];
}
const M2: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 2, vms: 1 };
const named = (name: string): Policy => extend(upstream, { name });

att('a trace is new only if the base never violated the property on it, not merely at its last op', () => {
  // Under `base` one mdev is a violation, and creating m1; under `variant` two mdevs, and creating m2 while
  // m1 exists. Every trace to the variant's violation passes the base's first: inherited, nothing new.
  const props = synthetic(
    (p, n) => n === (p === 'base' ? 1 : 2),
    (p, m, s) => (p === 'base' ? m === 'm1' : m === 'm2' && s.mdevs['m1'] !== undefined),
  );
  const r = exploreAgainstBaseSync(cfg(M2, named('variant')), named('base'), props, { depth: 3 });
  assert.equal(r.found, []);
  assert.equal(depths(r.base!.inherited), { 'synthetic-state': 2, 'synthetic-step': 2 });
  assert.equal(depths(r.base!.fixed), { 'synthetic-state': 1, 'synthetic-step': 1 });
});

att('a trace is fixed only if the variant never violated the property on it', () => {
  // Both violate after creating m1 (inherited); only the base after creating m2 too, but the variant
  // violated on the way there: not a fix.
  const props = synthetic(
    (p, n) => (p === 'base' ? n >= 1 : n === 1),
    (p, m, s) => m === 'm1' || (p === 'base' && s.mdevs['m1'] !== undefined),
  );
  const r = exploreAgainstBaseSync(cfg(M2, named('variant')), named('base'), props, { depth: 3 });
  assert.equal(r.found, []);
  assert.equal(depths(r.base!.inherited), { 'synthetic-state': 1, 'synthetic-step': 1 });
  assert.equal(r.base!.fixed, []);
});

att('a policy error of either policy ends the search with its shortest trace, naming the policy', () => {
  const throws = (name: string): Policy =>
    extend(upstream, {
      name,
      remove_mdev: () => {
        throw new Error('boom');
      },
    });
  const guards = (a: Policy, b: Policy) => ({ symmetry: true, guard: guardPolicy(a), baseGuard: guardPolicy(b) });
  const bad = throws('bad');
  const a = exploreAgainstBaseSync(cfg(TINY, bad), upstream, LOCAL, guards(bad, upstream));
  assert.is(a.bound, 'policy-error');
  assert.is(a.policyError?.policy, 'bad');
  assert.is(a.policyError?.ops.length, 2); // create m1, remove m1
  assert.is(a.policyError?.callback, 'remove_mdev');
  const badBase = throws('bad-base');
  const b = exploreAgainstBaseSync(cfg(TINY, upstream), badBase, LOCAL, guards(upstream, badBase));
  assert.is(b.policyError?.policy, 'bad-base');
  assert.is(b.policyError?.callback, 'remove_mdev');
});

att('the bounds hold as in the plain search', () => {
  const at = (o: object) => exploreAgainstBaseSync(cfg(DEFAULT, copy), upstream, LOCAL, { symmetry: true, ...o });
  assert.is(at({ depth: 2 }).bound, 'depth');
  const s = at({ maxStates: 500 });
  assert.is(s.bound, 'states');
  assert.ok(s.states >= 500 && s.states < 500 + 300);
  const t0 = Date.now();
  assert.is(at({ timeMs: 300 }).bound, 'time');
  assert.ok(Date.now() - t0 < 3000);
  assert.is(at({ signal: { aborted: true } }).bound, 'interrupted');
});

att.run();

const diff = suite('product search: difference');

/** The two designs' observations after ops differ (`differences`, not the search's `differ`). */
function differAfter(a: Policy, b: Policy, scope: Scope, ops: readonly Op[], level: 'guest' | 'sysfs' | 'all') {
  let x = initialState(scope);
  let y = x;
  let [u, v]: [Step | null, Step | null] = [null, null];
  for (const op of ops) {
    u = step(cfg(scope, a), x, op);
    v = step(cfg(scope, b), y, op);
    [x, y] = [u.state, v.state];
  }
  const ox = observation(cfg(scope, a), x, u?.result ?? null, level, u?.events);
  const oy = observation(cfg(scope, b), y, v?.result ?? null, level, v?.events);
  return differences(ox, oy).length > 0;
}

diff('d0 and v12-fcfs each differ from upstream: a shortest distinguishing trace, at each level', () => {
  for (const a of [d0, v12Fcfs]) {
    for (const level of ['guest', 'sysfs', 'all'] as const) {
      const r = exploreDifferenceSync(cfg(DEFAULT, a), cfg(DEFAULT, upstream), level, {
        symmetry: true,
        timeMs: 20_000,
      });
      assert.ok(r.ops !== null, `${a.name} ${level}`);
      const ops = r.ops!;
      assert.is(r.depth, ops.length);
      assert.ok(differAfter(a, upstream, DEFAULT, ops, level), `${a.name} ${level}: differs after the trace`);
      // Shortest: no trace one op shorter differs (the search to that depth finds none).
      const shorter = exploreDifferenceSync(cfg(DEFAULT, a), cfg(DEFAULT, upstream), level, {
        symmetry: true,
        depth: ops.length - 1,
      });
      assert.is(shorter.ops, null, `${a.name} ${level}: nothing shorter`);
      assert.is(shorter.bound, 'depth');
      assert.is(shorter.depth, ops.length - 1);
    }
  }
});

diff('upstream and a renamed copy of it: no difference up to the depth searched', () => {
  for (const level of ['guest', 'all'] as const) {
    const r = exploreDifferenceSync(cfg(TINY, copy), cfg(TINY, upstream), level, { symmetry: true, depth: 5 });
    assert.is(r.ops, null);
    assert.is(r.depth, 5);
    assert.is(r.bound, 'depth');
    assert.not.ok(r.complete);
    // The product of a design with itself is the design's own search: as many states.
    const plain = exploreExhaustive(cfg(TINY, upstream), [], { symmetry: true, depth: 5 });
    assert.is(r.states, plain.states);
  }
});

diff('a difference in links alone shows at `all` only', () => {
  // The patch changes what mdev remove does to links and resets, which the guests see only later.
  const guest = exploreDifferenceSync(cfg(TINY, skipsReset), cfg(TINY, upstream), 'guest', { symmetry: true });
  const all = exploreDifferenceSync(cfg(TINY, skipsReset), cfg(TINY, upstream), 'all', { symmetry: true });
  assert.ok(all.ops !== null && guest.ops !== null);
  assert.ok(all.ops!.length < guest.ops!.length, `${all.ops!.length} < ${guest.ops!.length}`);
  assert.not.ok(differAfter(skipsReset, upstream, TINY, all.ops!, 'guest'));
});

diff('bounds and policy errors: the depth to which no difference exists, or the misbehaving policy', () => {
  const t = exploreDifferenceSync(cfg(DEFAULT, copy), cfg(DEFAULT, upstream), 'all', { symmetry: true, timeMs: 300 });
  assert.is(t.ops, null);
  assert.is(t.bound, 'time');
  assert.not.ok(t.complete);
  const s = exploreDifferenceSync(cfg(DEFAULT, copy), cfg(DEFAULT, upstream), 'all', { maxStates: 400 });
  assert.is(s.bound, 'states');
  const i = exploreDifferenceSync(cfg(DEFAULT, copy), cfg(DEFAULT, upstream), 'all', { signal: { aborted: true } });
  assert.is(i.bound, 'interrupted');
  const bad = extend(upstream, {
    name: 'bad',
    create: () => {
      throw new Error('boom');
    },
  });
  const e = exploreDifferenceSync(cfg(TINY, upstream), cfg(TINY, bad), 'guest', { baseGuard: guardPolicy(bad) });
  assert.is(e.bound, 'policy-error');
  assert.is(e.ops, null);
  assert.is(e.policyError?.policy, 'bad');
  assert.is(e.policyError?.callback, 'create');
  assert.is(e.policyError?.ops.length, 1);
});

diff.run();

const run = suite('apmc check --engine exhaustive with a base (bin/check-exhaustive.ts)');

run('each policy searched against the base: new violations in found, the base figures in result.base', async () => {
  const props = [propertyByName('one-mdev-per-vm')!, propertyByName('reset-before-reuse')!];
  const settings = { symmetry: true, workers: 1, depth: 4, base: upstream };
  const r = await runExhaustiveCheck([skipsReset, copy], [], props, TINY, settings, false);
  const [skips, same] = r.policies;
  assert.equal(
    skips!.result.found.map((f) => f.property),
    ['one-mdev-per-vm'],
  );
  assert.is(skips!.result.base?.policy, 'upstream');
  assert.equal(same!.result.found, []);
  assert.equal(same!.result.base, { policy: 'upstream', inherited: [], fixed: [] });
  // Without a base: the plain search, no base figures.
  const { base: _, ...noBase } = settings;
  const plain = await runExhaustiveCheck([skipsReset], [], props, TINY, noBase, false);
  assert.is(plain.policies[0]!.result.base, undefined);
});

run("without the base's spec, --workers 2 runs the search against a base in one thread", async () => {
  const props = [propertyByName('one-mdev-per-vm')!];
  const settings = { symmetry: true, workers: 2, depth: 3, base: upstream };
  const r = await runPolicy(skipsReset, 'remove-skips-reset', props, TINY, settings);
  assert.is(r.workers, 1);
  assert.is(r.result.found[0]?.property, 'one-mdev-per-vm');
});

run('over 2 worker threads: every found, inherited and fixed at the depth of the search in one thread', async () => {
  const SMALL: Scope = { adapters: 2, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
  const all = (r: ExhaustiveResult) => [r.found, r.base!.inherited, r.base!.fixed].map(depths);
  const cases: [string, Policy, string, Policy][] = [
    ['v12-fcfs', v12Fcfs, 'static', staticPolicy],
    ['upstream', upstream, 'static', staticPolicy],
  ];
  for (const [spec, policy, baseSpec, base] of cases) {
    const settings = { symmetry: true, depth: 4, base, baseSpec };
    const one = await runPolicy(policy, spec, PROPERTIES, SMALL, { ...settings, workers: 1 });
    const two = await runPolicy(policy, spec, PROPERTIES, SMALL, { ...settings, workers: 2 });
    assert.is(two.workers, 2);
    assert.equal(all(two.result), all(one.result), `${spec} × ${baseSpec}`);
    assert.ok(Object.values(all(one.result)).some((x) => Object.keys(x).length > 0));
    assert.equal(two.result.undecided, one.result.undecided);
    assert.is(two.result.bound, 'depth');
  }
});

run.run();
