/**
 * Why: `apmc check --from FILE` explores from the machine a trace (an `apmc import`) rebuilds, in both
 * engines; a counterexample is FILE's ops then the explored ones, and its replay script names the machine's
 * real adapter and domain ids and mdev UUIDs. A script for a trace without real ids says that it maps
 * model id i to real id i, and every script checks the adapters' hwtype and that no mdev holds its resources
 * before it writes anything.
 */
import { rmSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { sampledFinding, searchFinding } from '../check/finding.ts';
import type { Op } from '../model/ops.ts';
import { withPrefix } from '../check/run.ts';
import { has } from '../model/bits.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE, type Scope, SCOPE_KEYS, scopeLimit } from '../model/scope.ts';
import { foundTrace, parseCounterexample, replay } from '../properties/counterexample.ts';
import { oneProperty } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { renderSh } from '../render/sh.ts';
import { fakeMachine, MACHINES, ONE_GUEST } from '../test/fake-machine.ts';
import { runFake, uuidOf } from '../test/fake-sysfs.ts';
import { execTrace } from '../trace/exec.ts';
import { machineTrace } from '../trace/machine.ts';
import type { Trace } from '../trace/types.ts';
import { runCheck } from './check.ts';
import { runPolicy } from './check-exhaustive.ts';
import { readSysfs } from './import-sysfs.ts';
import { findingDoc } from './save.ts';

const t = suite('check --from');
const upstream = POLICIES['upstream']!;
const LIMITS = Object.fromEntries(SCOPE_KEYS.map((k) => [k, scopeLimit(k)])) as unknown as Scope;
const I3 = oneProperty('guest-queues-linked-and-passable') as Property;

function machine(): Trace {
  const root = fakeMachine(ONE_GUEST);
  try {
    return machineTrace(readSysfs(root), LIMITS, 'lpar').trace;
  } finally {
    rmSync(root, { recursive: true });
  }
}
const from = (tr: Trace) => (p: Policy) => execTrace(tr, p).final;

t(
  'exhaustive: from the imported machine, depth 2 finds what the boot state does not; ops start with the prefix',
  async () => {
    const tr = machine();
    const settings = { depth: 2, symmetry: true, workers: 1 } as const;
    const boot = await runPolicy(upstream, 'upstream', [I3], tr.scope, settings);
    assert.is(boot.result.found.length, 0);
    const r = await runPolicy(upstream, 'upstream', [I3], tr.scope, { ...settings, from: from(tr) });
    assert.is(r.result.found.length, 1);
    const f = searchFinding(r.result.found[0]!);
    assert.ok(f.ops.length <= 2);
    const whole = withPrefix(
      f,
      tr.steps.map((s) => s.op),
    );
    assert.equal(
      whole.ops.slice(0, tr.steps.length),
      tr.steps.map((s) => s.op),
    );
    assert.is(whole.at, f.at === null ? null : f.at + tr.steps.length);
  },
);

t('random: every case starts at the imported state; the counterexample replays only with its prefix', async () => {
  const tr = machine();
  const s0 = from(tr)(upstream);
  assert.ok(Object.keys(s0.mdevs).length > 0 && Object.keys(s0.vms).length > 0);
  const run = await runCheck(
    [upstream],
    [I3],
    tr.scope,
    1,
    2000,
    undefined,
    {},
    undefined,
    undefined,
    undefined,
    from(tr),
  );
  const found = run.policies[0]!.exploration.found;
  assert.is(found.length, 1, 'I3 is violated within 2000 cases from the imported machine');
  const f = sampledFinding(found[0]!);
  const cfg = { scope: tr.scope, policy: upstream };
  const cx = (ops: readonly Op[]) => ({
    trace: { ...foundTrace(tr.scope, 'upstream', ops), initial: tr.initial },
    property: I3.name,
    expect: 'violates' as const,
    note: '',
  });
  // The explored ops alone, from the boot state, do not show it; after the trace's ops they do.
  assert.is(replay(cfg, cx(f.ops), I3), null);
  const whole = withPrefix(
    f,
    tr.steps.map((s) => s.op),
  );
  assert.ok(replay(cfg, cx(whole.ops), I3));
});

t("the replay script of a counterexample from the machine names the machine's ids and checks them", async () => {
  const tr = machine();
  const r = await runPolicy(upstream, 'upstream', [I3], tr.scope, {
    depth: 2,
    symmetry: true,
    workers: 1,
    from: from(tr),
  });
  const f = withPrefix(
    searchFinding(r.result.found[0]!),
    tr.steps.map((s) => s.op),
  );
  const cx: Trace = { ...foundTrace(tr.scope, 'upstream', f.ops), initial: tr.initial, real: tr.real! };
  const sh = renderSh(cx, { policy: upstream, property: 'guest-queues-linked-and-passable' });
  assert.match(sh, /^A1=\$\{APMC_ADAPTER_1:-5\} {3}# model adapter 1$/m);
  assert.match(sh, /^D1=\$\{APMC_DOMAIN_1:-44\} {3}# model domain 1$/m);
  assert.match(sh, /U_0='6dfd3ec5-e8b3-4e18-a6fe-57bc9eecb920'/);
  assert.not.match(sh, /# WARNING: this trace names no real ids/);
  assert.ok(has(execTrace(cx, upstream).initial.host.apm, 2));
});

t('a saved counterexample keeps the initial configuration and the real ids; it replays as violating', async () => {
  const root = fakeMachine(MACHINES['filtered queues']!);
  let tr: Trace;
  try {
    tr = machineTrace(readSysfs(root), LIMITS, 'lpar').trace;
  } finally {
    rmSync(root, { recursive: true });
  }
  assert.equal(tr.initial?.adapters, [0, 1, 2], 'adapter 0x07 is not in the host configuration');
  const r = await runPolicy(upstream, 'upstream', [I3], tr.scope, {
    depth: 2,
    symmetry: true,
    workers: 1,
    from: from(tr),
  });
  const f = withPrefix(
    searchFinding(r.result.found[0]!),
    tr.steps.map((s) => s.op),
  );
  const doc = JSON.parse(
    JSON.stringify(findingDoc(tr.scope, 'upstream', f, '', { initial: tr.initial, real: tr.real! })),
  );
  assert.equal(doc.initial, tr.initial);
  assert.equal(doc.real.adapters, [3, 5, 6, 7]);
  const cx = parseCounterexample(doc, 'cx.json');
  assert.ok(replay({ scope: tr.scope, policy: upstream }, cx, I3));
});

const HALIL: Trace = {
  scope: DEFAULT_SCOPE,
  scopeSet: [],
  policy: 'upstream',
  initial: null,
  header: [],
  steps: [
    { op: { kind: 'apmask', value: '-0,-1' } },
    { op: { kind: 'aqmask', value: '-0,-1' } },
    { op: { kind: 'create', mdev: 'm1' } },
    { op: { kind: 'assign_adapter', mdev: 'm1', id: 0 } },
  ],
  trailer: [],
};

t('without real ids: a warning in the header, and each model id is the default', () => {
  const sh = renderSh(HALIL, { policy: upstream });
  assert.match(sh, /^# WARNING: this trace names no real ids/m);
  assert.match(sh, /^A0=\$\{APMC_ADAPTER_0:-0\} {3}# model adapter 0 \(default\)$/m);
});

const run = (prelude: string) => {
  const sh = renderSh(HALIL, { policy: upstream });
  return runFake(sh, HALIL, { policy: upstream, prelude, env: { APMC_NONINTERACTIVE: '1' } });
};

t('a card below CEX4, an adapter another mdev holds, an existing UUID: exit 2 before any write', () => {
  const ok = run('true');
  assert.is(ok.status, 0, ok.stdout + ok.stderr);
  const mx = '$APMC_FAKE/sys/devices/vfio_ap/matrix';
  const OTHER = '11111111-2222-4333-8444-555555555555';
  const cases: [string, string, RegExp][] = [
    ['hwtype', 'echo 7 > "$APMC_FAKE/sys/bus/ap/devices/card05/hwtype"', /adapter 0x05 is hwtype 7/],
    [
      'held',
      `mkdir -p ${mx}/${OTHER} && echo 05.0004 > ${mx}/${OTHER}/matrix`,
      new RegExp(`adapter 0x05 \\(model adapter 0\\) is assigned to mdev ${OTHER}`),
    ],
    ['exists', `mv "$APMC_FAKE"/staged/* ${mx}/ && : > ${mx}/${uuidOf(0)}/matrix`, /exists: stop and remove it first/],
  ];
  for (const [what, prelude, re] of cases) {
    const r = run(prelude);
    assert.is(r.status, 2, what);
    assert.match(r.stderr, re, what);
    assert.equal(r.log, [], `${what}: nothing written`);
  }
});

t.run();
