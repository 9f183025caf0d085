/**
 * The transient property of the asynchronous reset (spec §9): it judges the states between the steps of
 * the reset work item. A guest started again while its queue's reset runs is a violation under the 5.x
 * reset (static, v12-fcfs), under a patch whose callers do not wait, and not under upstream or d0.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  d0,
  DEFAULT_SCOPE,
  extend,
  initialState,
  issueReset,
  staticPolicy,
  step,
  upstream,
  v12Fcfs,
} from '../model/index.ts';
import type { Config, Op, Policy } from '../model/index.ts';
import { noHandoverWhileResetting } from './no-handover-while-resetting.ts';
import { propertyByName } from './registry.ts';

const trace: Op[] = [
  { kind: 'apmask', value: '-0,-1' },
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  { kind: 'assign_domain', mdev: 'm1', id: 0 },
  { kind: 'start', mdev: 'm1', vm: 'vm1' },
  { kind: 'fault', apid: 0, apqi: 0, fault: 'busy' },
  { kind: 'stop', mdev: 'm1' },
  { kind: 'start', mdev: 'm1', vm: 'vm1' },
];

/** The first step of `ops` the property rejects, with its reason; exercised: was it ever? */
function judge(policy: Policy, ops: readonly Op[]): { at: number | null; reason: string | null; exercised: boolean } {
  const cfg: Config = { scope: DEFAULT_SCOPE, policy };
  let s = initialState(cfg.scope);
  let exercised = false;
  for (const [i, op] of ops.entries()) {
    const r = step(cfg, s, op);
    exercised ||= noHandoverWhileResetting.exercised!(cfg, s, op, r);
    const why = noHandoverWhileResetting.check(cfg, s, op, r);
    if (why !== null) return { at: i, reason: why, exercised };
    s = r.state;
  }
  return { at: null, reason: null, exercised };
}

const t = suite('no-handover-while-resetting');

t('registered, as I9', () => {
  assert.is(propertyByName('no-handover-while-resetting'), noHandoverWhileResetting);
  assert.is(noHandoverWhileResetting.spec, 'I9');
});

for (const p of [staticPolicy, v12Fcfs]) {
  t(`${p.name}: the 5.x detach reset gives up on a busy queue; the next start hands it back`, () => {
    assert.equal(judge(p, trace), {
      at: 7,
      reason: "00.0000 entered vm1's CRYCB while its reset is in progress",
      exercised: true,
    });
  });
}

for (const p of [upstream, d0]) {
  t(`${p.name}: detach waits for the reset, so the next start is fine`, () => {
    assert.equal(judge(p, trace), { at: null, reason: null, exercised: false });
  });
}

t('a patch whose callers do not wait: the work item still polls when the guest starts again', () => {
  const noWait = extend(upstream, { name: 'no-wait', blocks: { resetQueue: (c, s, a, d) => issueReset(c, s, a, d) } });
  assert.equal(judge(noWait, trace).at, 7);
  // Once the work item has run to its end (the hardware finished, a poll re-issued the ZAPQ), the start is fine.
  const settled: Op[] = [
    ...trace.slice(0, 7),
    { kind: 'fault', apid: 0, apqi: 0, fault: 'none' },
    { kind: 'reset_poll', apid: 0, apqi: 0 },
    trace[7]!,
  ];
  assert.equal(judge(noWait, settled), { at: null, reason: null, exercised: true });
});

t('binding to the default driver while the reset runs', () => {
  // The 5.x VFIO reset leaves 00.0000's reset running; a mask write then re-probes it to cex4queue.
  const ops: Op[] = [...trace.slice(0, 6), { kind: 'vfio_reset', mdev: 'm1' }, { kind: 'apmask', value: '+0' }];
  const r = judge(staticPolicy, ops);
  assert.is(r.at, 7);
  assert.is(r.reason, '00.0000 bound to cex4queue while its reset is in progress');
  assert.is(judge(upstream, ops).at, null, 'upstream: the VFIO reset waits, and in_use refuses the mask write');
});

t.run();
