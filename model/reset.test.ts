/**
 * Queue resets from spec §9's text: every ZAPQ outcome, the work item that polls TAPQ and re-issues
 * the ZAPQ after an in-progress answer, the WARN on an unexpected TAPQ code, callers that wait
 * (6.6+: upstream, d0) and callers that run on (the 5.x reset of static and v12-fcfs), and
 * VFIO_DEVICE_RESET's result as each era's vfio_ap_mdev_reset_queues() computes it (item 9).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { KernelEvent } from './events.ts';
import {
  d0,
  DEFAULT_SCOPE,
  ERA_6_6,
  extend,
  initialState,
  issueReset,
  pendingResets,
  qix,
  resetPoll,
  run,
  staticPolicy,
  step,
  upstream,
  v12Fcfs,
  zapq,
} from './index.ts';
import type { Config, Op, Policy, State } from './index.ts';

const cfgOf = (policy: Policy): Config => ({ scope: DEFAULT_SCOPE, policy });

function ok(cfg: Config, s: State, ops: readonly Op[]): State {
  const steps = run(cfg, s, ops);
  assert.equal(
    steps.map((r) => r.result),
    ops.map(() => 'ok'),
    `${cfg.policy.name}: every setup op succeeds`,
  );
  return steps.at(-1)?.state ?? s;
}

const fault = (apid: number, apqi: number, f: 'none' | 'checkstop' | 'reset_fails' | 'busy'): Op => ({
  kind: 'fault',
  apid,
  apqi,
  fault: f,
});
const poll = (apid: number, apqi: number): Op => ({ kind: 'reset_poll', apid, apqi });
const i00 = qix(DEFAULT_SCOPE, 0, 0);
const q00 = (s: State) => s.queues[i00]!;
const warns = (events: readonly KernelEvent[]): string[] =>
  events.flatMap((e) => (e.kind === 'warn' ? [e.reason] : []));
const logs = (events: readonly KernelEvent[]): string[] => events.flatMap((e) => (e.kind === 'log' ? [e.text] : []));

/** 00.0000 used by vm1 through m1 (matrix {0}×{0}): the queue is vfio_ap-bound, linked and dirty. */
const inGuest: Op[] = [
  { kind: 'apmask', value: '-0,-1' },
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  { kind: 'assign_domain', mdev: 'm1', id: 0 },
  { kind: 'start', mdev: 'm1', vm: 'vm1' },
];
const setUp = (p: Policy): { cfg: Config; s: State } => {
  const cfg = cfgOf(p);
  return { cfg, s: ok(cfg, initialState(cfg.scope), inGuest) };
};

// ---------------------------------------------------------------------------------------------
const outcomes = suite('§9: what ZAPQ answers');

outcomes('normal wipes the queue (dirty cleared); in progress, deconfigured, checkstopped, failed do not', () => {
  const { cfg, s } = setUp(upstream);
  assert.is(s.dirty[i00], 'vm1');
  const answer = (ops: Op[]) => {
    const z = zapq(cfg, ok(cfg, s, ops), 0, 0);
    return [z.status, z.state.dirty[i00]];
  };
  assert.equal(answer([]), ['normal', null]);
  assert.equal(answer([fault(0, 0, 'busy')]), ['in_progress', 'vm1']);
  assert.equal(answer([{ kind: 'card_config', apid: 0, config: 0 }]), ['deconfigured', 'vm1']);
  assert.equal(answer([fault(0, 0, 'checkstop')]), ['checkstopped', 'vm1']);
  assert.equal(answer([fault(0, 0, 'reset_fails')]), ['failed', 'vm1']);
  // Outside the host configuration: 0x01, APQN not valid (the host change alone, no scan yet).
  assert.equal(answer([{ kind: 'host', action: 'remove', resource: 'domain', id: 0, async: true }])[0], 'failed');
});

outcomes('a queue leaves a checkstop only through a reset (ap_bus.c, checkstop off): its dirty mark goes', () => {
  const { cfg, s } = setUp(upstream);
  // vm1's queue fails (a checkstop, or resets that fail) and its detach reset does not wipe it; vm2 gets it.
  const handed = (f: 'checkstop' | 'reset_fails') =>
    ok(cfg, s, [fault(0, 0, f), { kind: 'stop', mdev: 'm1' }, { kind: 'start', mdev: 'm1', vm: 'vm2' }]);
  assert.is(handed('checkstop').dirty[i00], 'vm1', 'a checkstop is no reset');
  // Back from the checkstop the queue is wiped: what vm2 uses from then on is its own.
  for (const f of ['none', 'busy', 'reset_fails'] as const)
    assert.is(ok(cfg, handed('checkstop'), [fault(0, 0, f)]).dirty[i00], 'vm2', f);
  // Resets that fail, then work again: no reset happened, vm1's mark stays (upstream's expected I9 violation).
  assert.is(ok(cfg, handed('reset_fails'), [fault(0, 0, 'none')]).dirty[i00], 'vm1');
});

outcomes('vfio_ap_mdev_reset_queue: what is stored, whether the work item is queued, what WARNs', () => {
  const { cfg, s } = setUp(upstream);
  const issue = (ops: Op[], era = undefined as typeof ERA_6_6 | undefined) => {
    const r = issueReset(cfg, ok(cfg, s, ops), 0, 0, era);
    return { reset: q00(r).reset, polling: q00(r).polling, dirty: r.dirty[i00], warns: warns(r.log) };
  };
  // Normal: the verification poll is compressed (it would change nothing).
  assert.equal(issue([]), { reset: 'normal', polling: false, dirty: null, warns: [] });
  assert.equal(issue([fault(0, 0, 'busy')]), { reset: 'in_progress', polling: true, dirty: 'vm1', warns: [] });
  assert.equal(issue([{ kind: 'card_config', apid: 0, config: 0 }]), {
    reset: 'deconfigured',
    polling: false,
    dirty: 'vm1',
    warns: [],
  });
  assert.equal(issue([fault(0, 0, 'checkstop')]), { reset: 'checkstopped', polling: false, dirty: 'vm1', warns: [] });
  // 6.6–6.7 list no checkstopped case: it falls to the default branch.
  assert.equal(issue([fault(0, 0, 'checkstop')], ERA_6_6).warns, ['PQAP/ZAPQ for 00.0000 failed with invalid rc=4']);
  assert.equal(issue([fault(0, 0, 'reset_fails')]).warns, [
    'PQAP/ZAPQ for 00.0000 failed with invalid rc=<an error response code>',
  ]);
  const gone = issue([{ kind: 'host', action: 'remove', resource: 'adapter', id: 0, async: true }]);
  assert.equal([gone.reset, gone.warns], ['failed', ['PQAP/ZAPQ for 00.0000 failed with invalid rc=1']]);
});

outcomes.run();

// ---------------------------------------------------------------------------------------------
const work = suite('§9: the reset work item (reset_poll), a caller that does not wait');

/** upstream with a reset that is issued and not waited for: the work item runs as `reset_poll` steps. */
const noWait = extend(upstream, { name: 'no-wait', blocks: { resetQueue: (c, s, a, d) => issueReset(c, s, a, d) } });

work('nothing queued: reset_poll is EAGAIN', () => {
  const { cfg, s } = setUp(upstream);
  assert.is(step(cfg, s, poll(0, 0)).result, 'EAGAIN');
  assert.is(resetPoll(cfg, s, 1, 1), 'EAGAIN');
});

work('in progress: a notice per poll; once TAPQ answers normal, ZAPQ again and stop', () => {
  const { cfg, s: s0 } = setUp(noWait);
  const s1 = ok(cfg, s0, [fault(0, 0, 'busy'), { kind: 'stop', mdev: 'm1' }]);
  assert.equal([q00(s1).reset, q00(s1).polling, s1.dirty[i00]], ['in_progress', true, 'vm1']);
  assert.equal(pendingResets(cfg, s1), [[0, 0]]);
  const p1 = step(cfg, s1, poll(0, 0));
  assert.is(p1.result, 'ok');
  assert.is(p1.state, s1, 'still in progress: only a log line');
  assert.equal(logs(p1.events), ['Waited 20ms for reset of queue 00.0000']);
  assert.equal(p1.events[0]?.kind === 'log' ? p1.events[0].apqns : null, [[0, 0]]);
  const p2 = step(cfg, ok(cfg, s1, [fault(0, 0, 'none')]), poll(0, 0));
  assert.equal([q00(p2.state).reset, q00(p2.state).polling, p2.state.dirty[i00]], ['normal', false, null]);
  assert.equal(p2.events, []);
  assert.is(step(cfg, p2.state, poll(0, 0)).result, 'EAGAIN');
  assert.equal(pendingResets(cfg, p2.state), []);
});

work('the re-issued ZAPQ answers deconfigured: stored, and the next poll stops', () => {
  const { cfg, s: s0 } = setUp(noWait);
  const s1 = ok(cfg, s0, [fault(0, 0, 'busy'), { kind: 'stop', mdev: 'm1' }, fault(0, 0, 'none')]);
  const s2 = ok(cfg, s1, [{ kind: 'card_config', apid: 0, config: 0 }, poll(0, 0)]);
  assert.equal([q00(s2).reset, q00(s2).polling], ['deconfigured', true]);
  const s3 = ok(cfg, s2, [poll(0, 0)]);
  assert.equal([q00(s3).reset, q00(s3).polling], ['deconfigured', false]);
});

work('an unexpected TAPQ code: WARN and stop, the last stored status stays', () => {
  const { cfg, s: s0 } = setUp(noWait);
  const s1 = ok(cfg, s0, [fault(0, 0, 'busy'), { kind: 'stop', mdev: 'm1' }, fault(0, 0, 'reset_fails')]);
  const r = step(cfg, s1, poll(0, 0));
  assert.equal(warns(r.events), ['failed to verify reset of queue 00.0000: TAPQ rc=<an error response code>']);
  assert.equal(r.events[0]?.kind === 'warn' ? r.events[0].apqn : null, [0, 0]);
  assert.equal([q00(r.state).reset, q00(r.state).polling, r.state.dirty[i00]], ['in_progress', false, 'vm1']);
});

work('a queue whose reset is in progress is not passable: the filter keeps it out of the guest', () => {
  const { cfg, s: s0 } = setUp(noWait);
  const s1 = ok(cfg, s0, [fault(0, 0, 'busy'), { kind: 'unassign_domain', mdev: 'm1', id: 0 }]);
  assert.is(q00(s1).reset, 'in_progress');
  const s2 = ok(cfg, s1, [{ kind: 'assign_domain', mdev: 'm1', id: 0 }]);
  assert.is(s2.vms['vm1']!.crycb.apm, 0);
  for (const p of [upstream, d0, staticPolicy, v12Fcfs]) assert.not.ok(p.passable('in_progress'), p.name);
});

work.run();

// ---------------------------------------------------------------------------------------------
const waits = suite('§9: callers that wait see the final status (6.6+: upstream, d0)');

for (const p of [upstream, d0]) {
  waits(`${p.name}: detach waits for a busy queue's reset; the wait ends when the hardware finishes`, () => {
    const { cfg, s: s0 } = setUp(p);
    const r = step(cfg, ok(cfg, s0, [fault(0, 0, 'busy')]), { kind: 'stop', mdev: 'm1' });
    assert.is(r.result, 'ok');
    const q = q00(r.state);
    assert.equal([q.reset, q.polling, r.state.dirty[i00], r.state.fault[i00]], ['normal', false, null, 'none']);
    assert.equal(logs(r.events), ['Waited 20ms for reset of queue 00.0000']);
    assert.equal(warns(r.events), []);
  });

  waits(`${p.name}: unassign (reset_qlist) and VFIO_DEVICE_RESET wait too`, () => {
    const { cfg, s: s0 } = setUp(p);
    const busy = ok(cfg, s0, [fault(0, 0, 'busy')]);
    const u = ok(cfg, busy, [{ kind: 'unassign_adapter', mdev: 'm1', id: 0 }]);
    assert.equal([q00(u).polling, u.dirty[i00]], [false, null]);
    const v = step(cfg, busy, { kind: 'vfio_reset', mdev: 'm1' });
    assert.equal([v.result, q00(v.state).reset, q00(v.state).polling], ['ok', 'normal', false]);
  });
}

waits('d0 (§7): a queue gone from the host configuration is still reset on remove, and the ZAPQ WARNs', () => {
  const removal: Op = { kind: 'host', action: 'remove', resource: 'adapter', id: 0 };
  const { cfg, s } = setUp(d0);
  // Both queues of adapter 0 are bound to vfio_ap; the scan removes them after the QCI no longer has them.
  assert.equal(warns(step(cfg, s, removal).events), [
    'PQAP/ZAPQ for 00.0000 failed with invalid rc=1',
    'PQAP/ZAPQ for 00.0001 failed with invalid rc=1',
  ]);
  const up = setUp(upstream);
  assert.equal(warns(step(up.cfg, up.s, removal).events), [], 'upstream skips queues not in info');
});

waits.run();

// ---------------------------------------------------------------------------------------------
const sync = suite('§9 before 6.6: the 5.x reset retries once and runs on (static, v12-fcfs)');

for (const p of [staticPolicy, v12Fcfs]) {
  sync(`${p.name}: an in-progress reset is left running; VFIO_DEVICE_RESET says EBUSY`, () => {
    const { cfg, s: s0 } = setUp(p);
    const v = step(cfg, ok(cfg, s0, [fault(0, 0, 'busy')]), { kind: 'vfio_reset', mdev: 'm1' });
    assert.is(v.result, 'EBUSY');
    assert.equal([q00(v.state).reset, q00(v.state).polling, v.state.dirty[i00]], ['in_progress', false, 'vm1']);
    assert.equal(v.events, []);
    const d = ok(cfg, ok(cfg, s0, [fault(0, 0, 'busy')]), [{ kind: 'stop', mdev: 'm1' }]);
    assert.equal([d.dirty[i00], d.fault[i00]], ['vm1', 'busy'], 'detach does not wait either');
  });
}

sync.run();

// ---------------------------------------------------------------------------------------------
const result = suite("VFIO_DEVICE_RESET's result, from each era's vfio_ap_mdev_reset_queues()");

const reset: Op = { kind: 'vfio_reset', mdev: 'm1' };
const cardOff: Op = { kind: 'card_config', apid: 0, config: 0 };

for (const p of [staticPolicy, v12Fcfs]) {
  result(`${p.name}: deconfigured → EBUSY; no vfio_ap queue → 0 and no ZAPQ; unexpected rc → WARN, EIO`, () => {
    const { cfg, s } = setUp(p);
    assert.is(step(cfg, ok(cfg, s, [cardOff]), reset).result, 'EBUSY');
    assert.is(step(cfg, ok(cfg, s, [fault(0, 0, 'checkstop')]), reset).result, 'EBUSY');
    // 00.0000 unbound: no vfio_ap queue, so vfio_ap_mdev_reset_queue(NULL) is 0 and issues no ZAPQ. Under static
    // the running guest keeps the APQN (the §5 gap), so its dirty mark is back and stays.
    const unbound = ok(cfg, s, [{ kind: 'unbind', apid: 0, apqi: 0 }]);
    const r = step(cfg, unbound, reset);
    assert.is(r.result, 'ok');
    if (p === staticPolicy) assert.equal([unbound.dirty[i00], r.state.dirty[i00]], ['vm1', 'vm1']);
    const f = step(cfg, ok(cfg, s, [fault(0, 0, 'reset_fails')]), reset);
    assert.is(f.result, 'EIO');
    assert.equal(warns(f.events), ['PQAP/ZAPQ completed with invalid rc (<an error response code>)']);
  });
}

result('d0: EIO from d0’s own passable test (a deconfigured queue passes); upstream: any nonzero code', () => {
  for (const [p, decon, chk] of [
    [d0, 'ok', 'EIO'],
    [upstream, 'EIO', 'EIO'],
  ] as const) {
    const { cfg, s } = setUp(p);
    assert.is(step(cfg, ok(cfg, s, [cardOff]), reset).result, decon, `${p.name} deconfigured`);
    const c = step(cfg, ok(cfg, s, [fault(0, 0, 'checkstop')]), reset);
    assert.is(c.result, chk, `${p.name} checkstopped`);
    assert.is(warns(c.events).length, p === d0 ? 1 : 0, `${p.name}: 6.6–6.7 WARN on a checkstopped ZAPQ`);
  }
});

result.run();
