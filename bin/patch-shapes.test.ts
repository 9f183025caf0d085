/**
 * Why: a reviewer writes a patch as a policy file through the public API alone (`import ... from 'apmc'`),
 * and apmc must both see that it differs from its base (`apmc diff --observe all`) and catch what it breaks
 * (`apmc check --base`), with a counterexample attributed to the patch. Three shapes the API could not say
 * before: a callback that fails and still changes the state, an overridden status attribute, and a log line
 * that names the wrong queue.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { PROPERTY_NAMES } from '../properties/registry.ts';
import { apmcInProcess } from '../test/cli-harness.ts';

interface Out {
  code: number;
  out: string;
  err: string;
}

/** apmc in this process (runCli), in the repository, colour off; one run at a time. */
const apmc = (...args: string[]): Promise<Out> =>
  apmcInProcess(args, {}, 120_000).then((o) => ({ ...o, code: o.code ?? -1 }));
const flat = (s: string): string => s.replace(/\s+/g, ' ');

interface Shape {
  readonly file: string;
  /** What `apmc diff --observe all` on the example trace shows first. */
  readonly diff: RegExp;
  /** The property that catches it under `apmc check --base upstream`. */
  readonly property: string;
}

const SHAPES: readonly Shape[] = [
  {
    file: 'patch-hook-before-eperm',
    diff: /after step 4 \(start m2 vm1\): vm1 mdev: m1 under upstream, m2 under .* vm1 hook: m1 under upstream, m2/,
    property: 'failed-op-changes-nothing',
  },
  {
    file: 'patch-status-in-use-filtered',
    diff: /after step 7 \(unbind 00\.0000\): 00\.0001 status: assigned under upstream, in use under/,
    property: 'status-attribute-truthful',
  },
  {
    file: 'patch-in-use-log-swapped',
    diff: new RegExp(
      'after step 5 \\(apmask \\+0\\): kernel log: warning: m1: Can not reserve queue 00\\.0001 .* under upstream, ' +
        'warning: m1: Can not reserve queue 01\\.0000 ',
    ),
    property: 'log-lines-name-the-right-resources',
  },
];

const shapes = suite('patch shapes written as policy files');

for (const x of SHAPES) {
  const policy = `./examples/${x.file}.ts`;
  // Each started in its test: an in-process run started at load would capture what uvu prints meanwhile.
  const diff = () =>
    apmc('diff', '--policy', 'upstream', '--policy', policy, '--observe', 'all', `examples/${x.file}.trace`);
  const registered = PROPERTY_NAMES.includes(x.property);
  const check = () => apmc('check', '--base', 'upstream', '--policy', policy, '--property', x.property, '--time', '20');
  shapes(`${x.file}: apmc diff --observe all shows the difference on its trace (exit 1)`, async () => {
    const r = await diff();
    assert.is(r.code, 1, r.err);
    assert.match(flat(r.out), x.diff);
  });
  // The property that catches the log line is registered with the event properties; until then this waits.
  (registered ? shapes : shapes.skip)(`${x.file}: apmc check --base upstream finds a new ${x.property}`, async () => {
    const r = await check();
    assert.is(r.code, 1, r.err);
    const out = flat(r.out);
    assert.match(out, new RegExp(`${x.property} \\([A-Z]\\d+\\) new!`));
    assert.match(out, /upstream holds on this trace: the violation is this policy's/);
  });
}

shapes('the log line differs at sysfs too (dmesg is visible), not at guest', async () => {
  const args = ['--policy', 'upstream', '--policy', './examples/patch-in-use-log-swapped.ts'];
  const trace = 'examples/patch-in-use-log-swapped.trace';
  const [sysfs, guest] = await Promise.all([
    apmc('diff', ...args, '--observe', 'sysfs', trace),
    apmc('diff', ...args, '--observe', 'guest', trace),
  ]);
  assert.is(sysfs.code, 1, sysfs.err);
  assert.is(guest.code, 0, guest.out);
});

shapes('apmc diff without a trace finds the log-line patch, whose log is not symmetric in the ids', async () => {
  const r = await apmc(
    'diff',
    '--policy',
    'upstream',
    '--policy',
    './examples/patch-in-use-log-swapped.ts',
    '--observe',
    'all',
    '--engine',
    'exhaustive',
    '--time',
    '60',
  );
  assert.is(r.code, 1, r.err);
  assert.match(flat(r.out), /without symmetry reduction: .*examples\/patch-in-use-log-swapped\.ts.* treat ids alike/);
  assert.match(flat(r.out), /kernel log: warning: m1: Can not reserve queue/);
});

/** upstream, but a refused reservation also deconfigures card 00: I15 on a step that logs. */
const IN_USE_CHANGES = `import type * as Apmc from 'apmc';
export default ({ extend, upstream, patchState, bits }: typeof Apmc) =>
  extend(upstream, {
    name: 'in-use-changes',
    summary: 'upstream, but a refused reservation deconfigures card 00',
    in_use: (cfg, s, apm, aqm) => {
      const r = upstream.in_use(cfg, s, apm, aqm);
      return typeof r === 'boolean' ? r : { state: patchState(r.state, { cardOff: bits.of(0) }), errno: r.errno };
    },
  });
`;

shapes('a saved counterexample and check --json carry the kernel events of its steps', async () => {
  const d = mkdtempSync(join(tmpdir(), 'apmc-ev-'));
  const policy = join(d, 'in-use-changes.ts');
  writeFileSync(policy, IN_USE_CHANGES);
  // One run both saves the counterexample and prints the --json report.
  const json = await apmc(
    'check',
    '--policy',
    policy,
    '--property',
    'I15',
    '--time',
    '20',
    '--save',
    join(d, 'cx'),
    '--json',
  );
  assert.is(json.code, 1, json.err);
  const dir = join(d, 'cx', 'failed-op-changes-nothing');
  const doc = JSON.parse(readFileSync(join(dir, readdirSync(dir)[0]!), 'utf8')) as {
    ops: unknown[];
    events: { step: number; events: { line: string; apqns: string[]; mdev: string }[] }[];
  };
  const last = doc.events.at(-1)!;
  assert.is(last.step, doc.ops.length, 'the refused write is the last step');
  assert.match(
    last.events[0]!.line,
    /^warning: m\d: Can not reserve queue \d\d\.\d{4} for host driver: in use by mdev$/,
  );
  const report = JSON.parse(json.out) as { results: { counterexample: { events: unknown[] } }[] };
  assert.ok(report.results[0]!.counterexample.events.length > 0);
});

shapes.run();
