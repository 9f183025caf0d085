/**
 * scan-keeps-guest-queues judges the states between a scan's steps: a probe that filters while the scan's
 * adds are pending (test/fixtures/probe-filters-in-scan.ts) takes an adapter from the guest until the scan
 * probes its queue of the new domain; upstream defers the filter to on_scan_complete and holds.
 */
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { firstStepViolation } from './case.ts';
import { explore } from './explore.ts';
import { scanKeepsGuestQueues as p } from './scan-keeps-guest-queues.ts';

const root = resolve(import.meta.dirname, '..');
const patched = await loadPolicy(resolve(root, 'test/fixtures/probe-filters-in-scan.ts'));
const upstream = POLICIES['upstream']!;
const SCOPE: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 1, vms: 1 };

/** Every queue to vfio_ap, domain 1 out of the host, m1 = {0,1}×{0,1} attached: the guest has {0,1}×{0}. */
const SETUP: Op[] = [
  { kind: 'apmask', value: '-0,-1' },
  { kind: 'aqmask', value: '-0,-1' },
  { kind: 'host', action: 'remove', resource: 'domain', id: 1 },
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  { kind: 'assign_adapter', mdev: 'm1', id: 1 },
  { kind: 'assign_domain', mdev: 'm1', id: 0 },
  { kind: 'assign_domain', mdev: 'm1', id: 1 },
  { kind: 'start', mdev: 'm1', vm: 'vm1' },
];
const ADD: Op = { kind: 'host', action: 'add', resource: 'domain', id: 1 };

const setUp = (policy = upstream): State => {
  let s = initialState(SCOPE);
  for (const op of SETUP) s = step({ scope: SCOPE, policy }, s, op).state;
  return s;
};

const t = suite('transient: scan-keeps-guest-queues');

t('a scan whose probe filters early takes 01.0000 in between; upstream keeps it', () => {
  for (const scan of [[ADD], [{ ...ADD, async: true }, { kind: 'scan_start' }]] as Op[][]) {
    const v = firstStepViolation({ scope: SCOPE, policy: patched }, initialState(SCOPE), [...SETUP, ...scan], [p]);
    assert.ok(v !== null);
    assert.match(v.reason, 'vm1 lacks 01.0000');
    assert.is(v.at, SETUP.length + scan.length - 1);
    assert.is(
      firstStepViolation({ scope: SCOPE, policy: upstream }, initialState(SCOPE), [...SETUP, ...scan], [p]),
      null,
    );
  }
});

t('the exhaustive engine finds it in one op from the set-up state, transition cache on and off', () => {
  for (const memo of [true, false]) {
    const r = exploreExhaustive({ scope: SCOPE, policy: patched }, [p], { depth: 1, memo, initial: setUp(patched) });
    assert.is(r.found.length, 1, `memo ${memo}`);
    const u = exploreExhaustive({ scope: SCOPE, policy: upstream }, [p], { depth: 2, memo, initial: setUp() });
    assert.is(u.found.length, 0, `upstream, memo ${memo}`);
    assert.ok(u.exercised.includes(p.name));
  }
});

t('the random engine finds it from the set-up state', async () => {
  const r = await explore({ scope: SCOPE, policy: patched }, setUp(patched), [p], { seed: 1, runs: 500 });
  assert.is(r.found.length, 1);
  assert.match(r.found[0]!.reason, 'lacks');
});

t.run();
