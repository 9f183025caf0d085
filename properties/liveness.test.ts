/**
 * settled-guests-get-their-queues: the continuation that settles a state (faults cleared, the kernel's work
 * done, a filter event), and verdicts from both engines: d0's filter scoped by matrix.aqm keeps an adapter
 * out for a domain that left the host; upstream gives it back.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { formatOp } from '../trace/format.ts';
import { counterexampleDoc, parseCounterexample, replay } from './counterexample.ts';
import { explore } from './explore.ts';
import { livenessAfter, settledGuestsGetTheirQueues as p, settling } from './settled-guests-get-their-queues.ts';

const SCOPE: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 1, vms: 1 };
const d0 = POLICIES['d0']!;
const upstream = POLICIES['upstream']!;

/** Every queue to vfio_ap, m1 = {0}×{0,1} attached. */
const SETUP: Op[] = [
  { kind: 'apmask', value: '-0,-1' },
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  { kind: 'assign_domain', mdev: 'm1', id: 0 },
  { kind: 'assign_domain', mdev: 'm1', id: 1 },
  { kind: 'start', mdev: 'm1', vm: 'vm1' },
];
/** Domain 1 leaves the host (its scan not run yet), and 00.0001 is unbound: adapter 0 leaves the guest. */
const AWAY: Op[] = [
  { kind: 'host', action: 'remove', resource: 'domain', id: 1, async: true },
  { kind: 'unbind', apid: 0, apqi: 1 },
];

const run = (policy = upstream, ops: readonly Op[] = SETUP): State => {
  let s = initialState(SCOPE);
  for (const op of ops) s = step({ scope: SCOPE, policy }, s, op).state;
  return s;
};

const t = suite('liveness: settled-guests-get-their-queues');

t('the continuation clears the faults, runs the pending scan, and re-probes a missing queue', () => {
  const cfg = { scope: SCOPE, policy: d0 };
  const faulted = step(cfg, run(d0, [...SETUP, ...AWAY]), { kind: 'fault', apid: 1, apqi: 0, fault: 'reset_fails' });
  const c = settling(cfg, faulted.state);
  assert.equal(c.ops.map(formatOp), ['scan', 'fault 01.0000 none', 'unbind 00.0000', 'bind 00.0000 vfio_ap']);
  assert.match(c.reason ?? '', 'vm1 lacks 00.0000');
  // Settled and nothing missing: no ops, no violation.
  assert.equal(settling(cfg, run(d0)), { ops: [], reason: null });
});

t('a counterexample whose settling is empty (the work never ends) saves its tail, 0, and replays', () => {
  // linux-2025: the scan dies on the NULL matrix_mdev->kvm of m2 (no guest) each time: nothing can settle.
  const scope: Scope = { ...SCOPE, mdevs: 2 };
  const cfg = { scope, policy: POLICIES['linux-2025']! };
  const ops: Op[] = [
    { kind: 'create', mdev: 'm1' },
    { kind: 'start', mdev: 'm1', vm: 'vm1' },
    { kind: 'host', action: 'remove', resource: 'adapter', id: 0, async: true },
    { kind: 'create', mdev: 'm2' },
  ];
  const v = livenessAfter(cfg, initialState(scope), ops);
  assert.ok(v !== null);
  assert.is(v.tail, 0);
  const found = { ...v, afterRuns: 1, foundMs: 0, afterMs: 0, unshrunk: 4, seed: 0, path: '' };
  const doc = counterexampleDoc(scope, 'linux-2025', found, 'violates', '');
  assert.is(doc['tail'], 0);
  const cx = parseCounterexample(JSON.parse(JSON.stringify(doc)), 'l1.json');
  assert.ok(replay(cfg, cx, p));
});

t('d0 keeps the adapter out; upstream gives it back', () => {
  const v = livenessAfter({ scope: SCOPE, policy: d0 }, initialState(SCOPE), [...SETUP, ...AWAY]);
  assert.ok(v !== null);
  assert.is(v.tail, 3);
  // The counterexample's histories give the violation again (replay, shrinking).
  assert.equal(p.recheck({ scope: SCOPE, policy: d0 }, initialState(SCOPE), v), v);
  assert.is(livenessAfter({ scope: SCOPE, policy: upstream }, initialState(SCOPE), [...SETUP, ...AWAY]), null);
});

t('the exhaustive engine finds d0 within two ops of the set-up, and upstream holds there', () => {
  const r = exploreExhaustive({ scope: SCOPE, policy: d0 }, [p], { depth: 2, initial: run(d0) });
  assert.is(r.found.length, 1);
  assert.ok(r.found[0]!.ops.length <= 2 + 4, r.found[0]!.ops.map(formatOp).join('; '));
  const u = exploreExhaustive({ scope: SCOPE, policy: upstream }, [p], { depth: 2, initial: run() });
  assert.is(u.found.length, 0);
  assert.ok(u.exercised.includes(p.name));
});

t('the random engine finds d0', async () => {
  const r = await explore({ scope: SCOPE, policy: d0 }, initialState(SCOPE), [p], { seed: 1, runs: 5000 });
  assert.is(r.found.length, 1);
  assert.match(r.found[0]!.reason, 'lacks');
});

t.run();
