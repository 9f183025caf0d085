/**
 * Properties by spec id, `apmc properties`, `apmc explain --property`, and counterexamples of policy files: they
 * record the file's path relative to themselves and replay only with --policy.
 */
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Chalk } from 'chalk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runInProcess } from '../test/cli-harness.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { parseCounterexample } from '../properties/counterexample.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { parseTextTrace } from '../trace/index.ts';
import type { SampledFinding } from '../check/finding.ts';
import { parseCheckArgs } from './args.ts';
import { explainCommand } from './explain.ts';
import { policyIdentity } from './load-policy.ts';
import { recordedPolicy, saveFound } from './save.ts';

const plain = new Chalk({ level: 0 });
const CVE = 'traces/cve-2024-26620.trace';
const HALIL = 'counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json';

/** apmc in this process (runCli) in `cwd`, colour off. */
const apmc = (cwd: string, ...args: string[]) => runInProcess(args, cwd, { NO_COLOR: '1' }, 60_000);

const rejects = async (p: Promise<unknown>, message: string | RegExp): Promise<void> => {
  try {
    await p;
  } catch (e) {
    const m = (e as Error).message;
    if (typeof message === 'string') assert.is(m, message);
    else assert.match(m, message);
    return;
  }
  assert.unreachable('expected an error');
};

// ---
const ids = suite('a property by its spec id');

ids('check --property takes spec ids: I7 is order-independence, I3 its four properties, each once', async () => {
  const names = (...a: string[]) => parseCheckArgs(a).properties.map((p) => p.name);
  assert.equal(names('--property', 'I7'), ['order-independence']);
  assert.equal(names('--property', 'i9'), ['reset-before-reuse', 'no-handover-while-resetting']);
  assert.equal(names('--property', 'I3', '--property', 'guest-queues-assigned'), [
    'guest-queues-in-host-config',
    'guest-queues-bound-to-vfio-ap',
    'guest-queues-assigned',
    'guest-queues-linked-and-passable',
  ]);
  assert.throws(() => parseCheckArgs(['--property', 'I99']), /unknown property 'I99' \(did you mean 'I9'\?\)/);
});

ids('a counterexample names its property by spec id; a shared id is refused', async () => {
  const doc = JSON.parse(readFileSync(HALIL, 'utf8')) as Record<string, unknown>;
  assert.is(parseCounterexample({ ...doc, property: 'I7' }, 'cx.json').property, 'order-independence');
  assert.throws(
    () => parseCounterexample({ ...doc, property: 'I3' }, 'cx.json'),
    /I3 names 4 properties; give one by name/,
  );
});

ids('apmc properties lists every property with its spec id and sentence; --json the same', async () => {
  const r = await apmc('.', 'properties');
  assert.is(r.code, 0, r.err);
  for (const p of PROPERTIES) assert.match(r.out, `${p.spec.padEnd(4)} ${p.name}\n`);
  assert.match(r.out, /I7 {3}order-independence\n {5}Two histories that end in the same configuration/);
  const j = JSON.parse((await apmc('.', 'properties', '--json')).out) as {
    name: string;
    spec: string;
    statement: string;
  }[];
  assert.equal(
    j.map((x) => [x.name, x.spec, x.statement]),
    PROPERTIES.map((p) => [p.name, p.spec, p.statement]),
  );
  assert.is((await apmc('.', 'properties', 'extra')).code, 2);
});

ids.run();

// ---
const ex = suite('apmc explain --property');

ex('a state property judged after every step: where it is violated, as runs of steps', async () => {
  const text = await explainCommand(plain, CVE, { policy: 'static', property: 'links-follow-assignment', scope: {} });
  assert.match(
    text,
    /^traces\/cve-2024-26620\.trace:\nlinks-follow-assignment \(I16\) under static: violated after steps 6–12 of 12\n/,
  );
  const json = JSON.parse(
    await explainCommand(plain, CVE, {
      policy: 'static',
      property: 'links-follow-assignment',
      format: 'json',
      scope: {},
    }),
  ) as Record<string, unknown>;
  assert.equal(json['violated_steps'], [6, 7, 8, 9, 10, 11, 12]);
  assert.is(json['violated'], 'links-follow-assignment');
});

ex('a property that holds says so, though the trace violates another one', async () => {
  const text = await explainCommand(plain, CVE, { policy: 'd0', property: 'I1', scope: {} });
  assert.match(text, /no-apqn-in-two-mdevs \(I1\) under d0: holds\n/);
  // Without --property, the first property the trace violates.
  assert.match(
    await explainCommand(plain, CVE, { policy: 'd0', scope: {} }),
    /guest-queues-bound-to-vfio-ap \(I3\) under d0: violated/,
  );
});

ex('a counterexample explained for another property than its own; its own by spec id', async () => {
  const other = await explainCommand(plain, HALIL, { property: 'no-apqn-in-two-guests', scope: {} });
  assert.match(other, /no-apqn-in-two-guests \(I4\) under v12-fcfs: holds\n/);
  assert.not.match(other, /history B/);
  assert.match(
    await explainCommand(plain, HALIL, { property: 'I7', scope: {} }),
    /order-independence \(I7\) under v12-fcfs: violated/,
  );
});

ex('bad input: a history property on a plain trace, a shared spec id, an unknown name', async () => {
  await rejects(
    explainCommand(plain, CVE, { property: 'I7', scope: {} }),
    '--property I7 needs a counterexample with "other_ops" (two histories)',
  );
  await rejects(
    explainCommand(plain, HALIL, { property: 'recovery', scope: {} }),
    '--property recovery needs a counterexample with "tail" (a disturbance)',
  );
  await rejects(
    explainCommand(plain, CVE, { property: 'I3', scope: {} }),
    '--property: I3 names 4 properties; give one by name (apmc properties)',
  );
  await rejects(
    explainCommand(plain, CVE, { property: 'recovry', scope: {} }),
    "--property: unknown property 'recovry' (did you mean 'recovery'?)",
  );
  const r = await apmc('.', 'explain', '--property', 'I7', CVE);
  assert.is(r.code, 2);
  assert.is(r.err, 'apmc: --property I7 needs a counterexample with "other_ops" (two histories)\n');
});

ex.run();

// ---
const saved = suite('a saved counterexample of a policy file');

const POLICY = "export default ({ extend, staticPolicy }) => extend(staticPolicy, { name: 'v', summary: 's' });\n";
const OPS = 'apmask -0,-1\ncreate m1\nm1 assign_adapter 0\nm1 assign_domain 0\n';

/** A finding of links-follow-assignment on OPS, as the random engine reports it. */
const finding = (): SampledFinding => ({
  property: 'links-follow-assignment',
  ops: parseTextTrace(OPS, 't.trace').steps.map((s) => s.op),
  at: 3,
  reason: '00.0000 is linked to nothing, expected m1',
  engine: 'random',
  ms: 1,
  cases: 1,
  seed: 1,
  path: '0',
});

saved('the policy path is recorded relative to the counterexample file; a built-in name as it is', async () => {
  assert.is(recordedPolicy('examples/p.ts', 'counterexamples/recovery/x.json'), '../../examples/p.ts');
  assert.is(recordedPolicy('./p.ts', 'cx/x.json'), '../p.ts');
  assert.is(recordedPolicy('cx/p.ts', 'cx/x.json'), './p.ts');
  assert.is(recordedPolicy('upstream', 'cx/x.json'), 'upstream');
  // No top directory in common (/tmp and /work): absolute.
  assert.is(recordedPolicy('/elsewhere/p.ts', '/tmp/cx/x.json'), '/elsewhere/p.ts');
});

saved('explain and run replay it only with --policy, and say which path to pass', async () => {
  const d = mkdtempSync(join(tmpdir(), 'apmc-cx-'));
  mkdirSync(join(d, 'pol'));
  writeFileSync(join(d, 'pol/p.mjs'), POLICY);
  const id = policyIdentity(join(d, 'pol/p.mjs'));
  const r = saveFound(join(d, 'cx'), DEFAULT_SCOPE, id, finding(), null);
  assert.ok(r.written);
  const doc = JSON.parse(readFileSync(r.path, 'utf8')) as Record<string, unknown>;
  assert.is(doc['policy'], '../../pol/p.mjs');
  assert.is(resolve(dirname(r.path), doc['policy'] as string), join(d, 'pol/p.mjs'));
  // In-process: never loaded from the file; the hint names the path from the current directory.
  await rejects(
    explainCommand(plain, r.path, { scope: {} }),
    `${r.path}:10: policy files load only from the command line: --policy ${join(d, 'pol/p.mjs')}`,
  );
  const ok = await explainCommand(plain, r.path, { policy: join(d, 'pol/p.mjs'), scope: {} });
  assert.match(ok, /links-follow-assignment \(I16\) under \S+p\.mjs: violated/);
  // The command line, from the directory above: the hint is the path to copy from there.
  const rel = r.path.slice(d.length + 1);
  for (const cmd of ['explain', 'run']) {
    const refused = await apmc(d, cmd, rel);
    assert.is(refused.code, 2, refused.err);
    assert.is(refused.err.trim().split('\n').length, 1);
    assert.match(refused.err, / policy files load only from the command line: --policy pol\/p\.mjs\n$/);
    const replay = await apmc(d, cmd, '--policy', 'pol/p.mjs', rel);
    assert.is(replay.code, 0, replay.err);
  }
});

saved.run();
