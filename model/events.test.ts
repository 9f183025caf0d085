/**
 * The built-ins' log lines (vfio_ap_mdev_verify_no_sharing's, as the 2025 code and the code before it print
 * them), the bus's refusal that carries them, and replaced building blocks (one override for every caller).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as bits from './bits.ts';
import { DEFAULT_BLOCKS, type BlockTable } from './blocks/replaceable.ts';
import { formatEvent, type KernelEvent } from './events.ts';
import { d0, staticPolicy, upstream, v12Fcfs } from './policies/index.ts';
import { extend, type Config, type Policy } from './policy.ts';
import { DEFAULT_SCOPE, type Scope } from './scope.ts';
import { initialState, type State } from './state.ts';
import { step, type Step } from './step.ts';
import { parseTextTrace } from '../trace/index.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';

/** Run the text trace `lines` under `policy`: every step. */
function runText(policy: Policy, lines: string): { steps: Step[]; cfg: Config; states: State[] } {
  const t = parseTextTrace(lines, 'test');
  const cfg: Config = { scope: t.scope, policy };
  let s = initialState(t.scope);
  const states = [s];
  const steps = t.steps.map(({ op }) => {
    const r = step(cfg, s, op);
    s = r.state;
    states.push(s);
    return r;
  });
  return { steps, cfg, states };
}

const IN_USE = `scope adapters=2 domains=2
apmask -1
aqmask -0
create m1
m1 assign_adapter 1
m1 assign_domain 0
aqmask +0
apmask +1
`;

const SHARING = `scope adapters=2 domains=2
apmask -1
aqmask -0,-1
create m1
m1 assign_adapter 1
m1 assign_domain 0
create m2
m2 assign_domain 0
m2 assign_domain 1
m2 assign_adapter 1
`;

const logs = suite('log lines of the built-ins');

logs('upstream: a refused reservation logs the 2025 in_use line per APQN, from the mdev that holds it', () => {
  const { steps, states } = runText(upstream, IN_USE);
  const last = steps.at(-1)!;
  assert.is(last.result, 'EBUSY');
  const want: KernelEvent = {
    kind: 'log',
    level: 'warning',
    text: 'm1: Can not reserve queue 01.0000 for host driver: in use by mdev',
    apqns: [[1, 0]],
    mdev: 'm1',
  };
  assert.equal(last.events, [want]);
  assert.is(formatEvent(want), 'warning: m1: Can not reserve queue 01.0000 for host driver: in use by mdev');
  // The refused write leaves the very same state object (only the log changed during the step).
  assert.ok(last.state === states.at(-2));
  for (const s of steps.slice(0, -1)) assert.equal(s.events, [], 'nothing else logs');
});

logs('d0: the same refusal logs the line before the 2025 fix ("re-assign", naming the holder)', () => {
  const last = runText(d0, IN_USE).steps.at(-1)!;
  assert.is(last.result, 'EBUSY');
  assert.equal(last.events.map(formatEvent), [
    'warning: m1: Userspace may not re-assign queue 01.0000 already assigned to m1',
  ]);
});

logs('v12-fcfs and static print nothing (no log lines modelled there)', () => {
  assert.equal(runText(v12Fcfs, IN_USE).steps.at(-1)!.events, []);
  assert.equal(runText(staticPolicy, IN_USE).steps.at(-1)!.events, []);
});

logs('upstream: an assign refused for sharing (EADDRINUSE) logs each shared APQN, from the assignee', () => {
  const { steps, states } = runText(upstream, SHARING);
  const last = steps.at(-1)!;
  assert.is(last.result, 'EADDRINUSE');
  assert.equal(last.events.map(formatEvent), [
    'warning: m2: Userspace may not assign queue 01.0000 to mdev: already assigned to m1',
  ]);
  assert.equal(last.events[0]!.kind === 'log' && last.events[0]!.apqns, [[1, 0]]);
  assert.equal(last.events[0]!.kind === 'log' && last.events[0]!.mdev, 'm2');
  assert.ok(last.state === states.at(-2));
});

logs('d0: the same refusal is logged by the holder, naming itself', () => {
  const last = runText(d0, SHARING).steps.at(-1)!;
  assert.equal(last.events.map(formatEvent), [
    'warning: m1: Userspace may not re-assign queue 01.0000 already assigned to m1',
  ]);
});

logs('upstream: ap_config refused for sharing logs the same lines', () => {
  const text = SHARING.replace('m2 assign_adapter 1', 'm2 ap_config apm=1 aqm=0,1 adm=');
  const last = runText(upstream, text).steps.at(-1)!;
  assert.is(last.result, 'EADDRINUSE');
  assert.equal(last.events.map(formatEvent), [
    'warning: m2: Userspace may not assign queue 01.0000 to mdev: already assigned to m1',
  ]);
});

logs('an in_use that answers with a changed state and a refusal: the bus returns EBUSY with that state', () => {
  const policy = extend(upstream, {
    name: 'in-use-changes',
    in_use: (cfg, s, apm, aqm) => {
      const r = upstream.in_use(cfg, s, apm, aqm);
      return r === false || r === true ? r : { state: { ...r.state, cardOff: bits.of(0) }, errno: r.errno };
    },
  });
  const { steps, states } = runText(policy, IN_USE);
  const last = steps.at(-1)!;
  assert.is(last.result, 'EBUSY');
  assert.is(last.state.cardOff, bits.of(0));
  assert.ok(last.state !== states.at(-2));
  assert.is(last.events.length, 1);
});

const blocks = suite('replaceable blocks');

/** A filterMatrix that counts its calls and gives the guest nothing. */
function counting(): { n: number; f: BlockTable['filterMatrix'] } {
  const o = {
    n: 0,
    f: ((cfg, s, m) => {
      o.n++;
      const r = DEFAULT_BLOCKS.filterMatrix(cfg, s, m);
      const sh = r.state.mdevs[m]!.shadow!;
      const state = {
        ...r.state,
        mdevs: { ...r.state.mdevs, [m]: { ...r.state.mdevs[m]!, shadow: { ...sh, apm: 0 } } },
      };
      return { state, changed: r.changed, filtered: r.filtered };
    }) as BlockTable['filterMatrix'],
  };
  return o;
}

const SETUP = `scope adapters=1 domains=1
apmask -0
aqmask -0
create m1
`;

/** m1's shadow apm at the end of SETUP + `tail` under `policy`. */
const shadowApm = (policy: Policy, tail: string): number =>
  runText(policy, SETUP + tail).states.at(-1)!.mdevs['m1']!.shadow!.apm;

/** Under a counting override: m1's shadow apm at the end, and how often the override ran. */
function withOverride(tail: string): { apm: number; calls: number } {
  const o = counting();
  const apm = shadowApm(extend(upstream, { name: 'no-filter', blocks: { filterMatrix: o.f } }), tail);
  return { apm, calls: o.n };
}

const PATHS: Readonly<Record<string, readonly [string, string]>> = {
  assign: ['', 'm1 assign_adapter 0\nm1 assign_domain 0\n'],
  probe: ['m1 assign_adapter 0\nm1 assign_domain 0\nunbind 00.0000\n', 'bind 00.0000 vfio_ap\n'],
  'scan complete': [
    'm1 assign_adapter 0\nm1 assign_domain 0\nhost remove adapter 0\nhost add adapter 0 &\n' +
      'scan start\nscan step\nscan step\n',
    'scan complete\n',
  ],
  ap_config: ['', 'm1 ap_config apm=0 aqm=0 adm=\n'],
};

blocks(
  'extend(upstream, { blocks: { filterMatrix } }) changes probe, assign, scan complete and ap_config alike',
  () => {
    for (const [name, [setup, last]] of Object.entries(PATHS)) {
      assert.ok(shadowApm(upstream, setup + last) !== 0, `${name}: upstream gives the guest the queue`);
      const r = withOverride(setup + last);
      assert.is(r.apm, 0, `${name}: the override decides`);
      // The last op itself calls the override: its setup alone calls it fewer times.
      const setupOnly = withOverride(setup);
      assert.ok(r.calls > setupOnly.calls, `${name}: the override runs in the op (${r.calls} vs ${setupOnly.calls})`);
    }
  },
);

blocks('updateApcb is replaceable: an override that never updates leaves the CRYCB stale', () => {
  const trace = `${SETUP}m1 assign_adapter 0\nm1 assign_domain 0\nstart m1 vm1\nm1 unassign_domain 0\n`;
  // upstream: the unassign's hot unplug updates the CRYCB (the guest loses the domain; no VM entry is left).
  assert.is(runText(upstream, trace).states.at(-1)!.vms['vm1']?.crycb.aqm ?? 0, 0);
  const stale = extend(upstream, { name: 'no-update', blocks: { updateApcb: (_cfg, s) => s } });
  const s = runText(stale, trace).states.at(-1)!;
  // attach sets the CRYCB itself; the unplug goes through updateApcb, which does nothing now.
  assert.is(s.vms['vm1']!.crycb.aqm, bits.of(0));
  assert.is(s.mdevs['m1']!.shadow!.aqm, 0);
});

blocks('the guard wraps replaced blocks: a block that throws is a policy fault naming it', () => {
  const bad = extend(upstream, {
    name: 'bad-block',
    blocks: {
      filterMatrix: () => {
        throw new Error('boom');
      },
    },
  });
  const g = guardPolicy(bad);
  const scope: Scope = { ...DEFAULT_SCOPE, adapters: 1, domains: 1 };
  const t = parseTextTrace(`${SETUP}m1 assign_adapter 0\nm1 assign_domain 0\n`, 'test');
  let s = initialState(scope);
  let fault: unknown = null;
  try {
    for (const { op } of t.steps) s = step({ scope, policy: g.policy }, s, op).state;
  } catch (e) {
    fault = e;
  }
  assert.ok(fault instanceof PolicyFault, 'a PolicyFault');
  assert.match((fault as PolicyFault).callback, /filterMatrix|assign/);
  // Called by the bus outside every callback (a zcrypt probe's zapq), a replaced block is checked itself.
  const malformed = extend(upstream, {
    name: 'bad-result',
    blocks: { updateApcb: (() => 42) as unknown as BlockTable['updateApcb'] },
  });
  const g2 = guardPolicy(malformed);
  const upd = g2.policy.blocks!.updateApcb!;
  assert.throws(
    () => upd({ scope, policy: g2.policy }, initialState(scope), 'm1'),
    (e: unknown) => {
      return e instanceof PolicyFault && e.callback === 'blocks.updateApcb' && e.kind === 'malformed';
    },
  );
});

blocks('bus_remove is an era hook: the bus calls the policy hook after every driver remove', () => {
  const calls: string[] = [];
  const p = extend(upstream, {
    name: 'no-bus-zapq',
    bus_remove: (_cfg, s, a, d) => {
      calls.push(`${a}.${d}`);
      return s;
    },
  });
  // A zcrypt-bound queue and, after the mask write, a vfio_ap-bound one: both unbinds go through the hook.
  const trace = 'scope adapters=1 domains=1\nunbind 00.0000\nbind 00.0000 cex4queue\napmask -0\nunbind 00.0000\n';
  const r = runText(p, trace);
  assert.equal(calls, ['0.0', '0.0', '0.0']);
  assert.equal(
    r.steps.map((x) => x.result),
    ['ok', 'ok', 'ok', 'ok'],
  );
});

logs.run();
blocks.run();
