import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

/** apmc in this process (runCli), in the repository, colour off; bin/help.test.ts runs the real entry point. */
const apmc = (...args: string[]) => apmcInProcess(args);

interface RunJson {
  steps: { op: string; result: string; changes: string[] }[];
  final: {
    mdevs: Record<string, { matrix: string[]; guest_matrix: string[] | null; control_domains: string[] }>;
    vms: Record<string, { crycb: string[]; mdev: string | null }>;
    apmask: string;
    aqmask: string;
    queues: Record<string, string | null>;
  };
}

const runJson = async (...args: string[]): Promise<RunJson> => {
  const r = await apmc('run', '--json', ...args);
  assert.is(r.code, 0, r.err);
  return JSON.parse(r.out) as RunJson;
};

// ---
const done = suite('apmc run: the outcomes issue #2 names');

// Why: these are the scenarios apmc exists to settle (spec §6, §10 examples 1 and 2).
done("Halil's two orders under v12-fcfs give different guests", async () => {
  assert.equal((await runJson('--policy', 'v12-fcfs', 'traces/halil-order-a.trace')).final.vms['vm1']!.crycb, [
    '00.0000',
    '00.0001',
  ]);
  assert.equal((await runJson('--policy', 'v12-fcfs', 'traces/halil-order-b.trace')).final.vms['vm1']!.crycb, [
    '00.0000',
    '01.0000',
  ]);
});

done("Halil's two orders under upstream give the same guest", async () => {
  for (const f of ['traces/halil-order-a.trace', 'traces/halil-order-b.trace']) {
    const r = await runJson('--policy', 'upstream', f);
    assert.equal(r.final.mdevs['m1']!.guest_matrix, ['00.0000', '00.0001'], f);
    assert.equal(r.final.vms['vm1']!.crycb, ['00.0000', '00.0001'], f);
  }
});

done('CVE-2024-26620: d0 hands the guest the unbound 01.0001, upstream does not', async () => {
  const d0 = await runJson('--policy', 'd0', 'traces/cve-2024-26620.trace');
  assert.is(d0.final.queues['01.0001'], null);
  assert.ok(d0.final.vms['vm1']!.crycb.includes('01.0001'));
  const up = await runJson('--policy', 'upstream', 'traces/cve-2024-26620.trace');
  assert.not.ok(up.final.vms['vm1']!.crycb.includes('01.0001'));
  assert.equal(up.final.vms['vm1']!.crycb, ['00.0000', '00.0001', '00.0002']);
});

done('the README example policy loads from a file and changes the outcome', async () => {
  const mine = await runJson('--policy', './examples/refilter-on-unassign.ts', 'examples/adapter-pops-up.trace');
  const up = await runJson('--policy', 'upstream', 'examples/adapter-pops-up.trace');
  assert.equal(mine.final.vms['vm1']!.crycb, ['00.0000', '01.0000']);
  assert.equal(up.final.vms['vm1']!.crycb, ['00.0000']);
});

done('JSON report shape: steps with op text and result, masks as the kernel prints them', async () => {
  const r = await runJson('--policy', 'static', 'traces/halil-order-a.trace');
  assert.is(r.steps[0]!.op, 'apmask -0,-1');
  assert.is(r.steps[0]!.result, 'ok');
  assert.is(r.steps.at(-1)!.result, 'EBUSY'); // static: no assignment while a guest is attached
  assert.is(r.final.apmask, '0x3f' + 'f'.repeat(62));
  assert.is(r.final.queues['00.0000'], 'vfio_ap');
  assert.is(r.final.mdevs['m1']!.guest_matrix, null);
});

done.run();

// ---
const bad = suite('bad input: one line, exit 2');

bad('unknown policy suggests the closest name', async () => {
  const r = await apmc('run', '--policy', 'upstrem', 'traces/halil-order-a.trace');
  assert.is(r.code, 2);
  assert.match(r.err, /^apmc: unknown policy 'upstrem' \(did you mean 'upstream'\?\)/);
  assert.is(r.err.trim().split('\n').length, 1);
});

bad('unknown flag, missing file, scope too large', async () => {
  for (const args of [
    ['run', '--frob', 'x'],
    ['run', 'no/such.trace'],
    ['run', '--domains', '33', 'traces/halil-order-a.trace'],
    ['frob'],
  ]) {
    const r = await apmc(...args);
    assert.is(r.code, 2, args.join(' '));
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.is(r.out, '');
  }
});

bad('a broken policy file is reported, not thrown', async () => {
  const r = await apmc('run', '--policy', './package.json', 'traces/halil-order-a.trace');
  assert.is(r.code, 2);
  assert.match(r.err, /package\.json: /);
});

bad.run();

// ---
const conv = suite('apmc convert');

conv('text → JSON → text', async () => {
  const j = await apmc('convert', '--to', 'json', 'traces/halil-order-b.trace');
  assert.is(j.code, 0, j.err);
  const doc = JSON.parse(j.out) as { format: string; ops: { kind: string }[] };
  assert.is(doc.format, 'apmc-trace/1');
  assert.is(doc.ops.length, 9);
});

conv.run();

// ---
const check = suite('apmc check: verdicts and exit codes');

check('0 when everything checked holds', async () => {
  const r = await apmc('check', '--policy', 'upstream', '--property', 'assigned-not-default-owned', '--runs', '300');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /assigned-not-default-owned \(I2\)\s+holds/);
});

// Why: with one mdev no case gives two mdevs an assignment each, so I1 has nothing to compare; saying 'holds'
// would overstate what was checked.
check("a property never exercised is 'vacuous', not 'holds' (exit 0 all the same)", async () => {
  const r = await apmc('check', '--policy', 'upstream', '--property', 'I1', '--runs', '300', '--mdevs', '1');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /no-apqn-in-two-mdevs \(I1\)\s+vacuous/);
});

check(
  '4 when every violation is expected, 0 with --ci; the counterexample is explained: both orders, both grids',
  async () => {
    const r = await apmc(
      'check',
      '--policy',
      'v12-fcfs',
      '--property',
      'order-independence',
      '--runs',
      '20000',
      '--verbose',
    );
    assert.is(r.code, 4, r.err);
    // With --verbose, the expected counterexample in full, as apmc explain renders it: the histories side by
    // side, then the final guest grids.
    assert.match(r.out, /history A +history B/);
    assert.match(r.out, /A: m1 \(vm1\) +B: m1 \(vm1\)\n +0 1 +0 1\n/);
    assert.match(r.out, /\ngrids: a row per adapter, a column per domain/);
    assert.is(
      (await apmc('check', '--policy', 'v12-fcfs', '--property', 'order-independence', '--runs', '20000', '--ci')).code,
      0,
    );
  },
);

check('5 when an expected violation is not found within the budget', async () => {
  assert.is((await apmc('check', '--policy', 'upstream', '--property', 'order-independence', '--runs', '5')).code, 5);
});

check(
  '4 for a violation the base of a user policy expects (extend() records the base, its expectations count)',
  async () => {
    const r = await apmc(
      'check',
      '--policy',
      './examples/refilter-on-unassign.ts',
      '--property',
      'status-attribute-truthful',
      '--runs',
      '2000',
    );
    assert.is(r.code, 4, r.err);
    assert.match(r.out, /\n1 expected violation, ops per trace .*\n {2}status-attribute-truthful \(I14\): \S+ \d+\n/);
  },
);

check('--json: verdicts per (policy, property), counterexamples that apmc run replays', async () => {
  const r = await apmc(
    'check',
    '--policy',
    'd0',
    '--property',
    'guest-queues-bound-to-vfio-ap',
    '--runs',
    '10000',
    '--json',
  );
  assert.is(r.code, 4, r.err);
  const rep = JSON.parse(r.out) as {
    exit: number;
    results: { policy: string; verdict: string; status: string; counterexample?: Record<string, unknown> }[];
  };
  assert.is(rep.exit, 4);
  const c = rep.results[0]!;
  assert.is(c.verdict, 'violated');
  assert.is(c.status, 'as-expected');
  const file = join(mkdtempSync(join(tmpdir(), 'apmc-')), 'cx.json');
  writeFileSync(file, JSON.stringify(c.counterexample));
  const run = await apmc('run', '--json', file);
  assert.is(run.code, 0, run.err);
  const final = (JSON.parse(run.out) as RunJson).final;
  const vm = Object.values(final.vms)[0]!;
  assert.ok(
    vm.crycb.some((q) => final.queues[q] !== 'vfio_ap'),
    'the replay shows a guest queue not bound to vfio_ap',
  );
});

check('bad usage: unknown property suggests the closest', async () => {
  const r = await apmc('check', '--property', 'order-independance');
  assert.is(r.code, 2);
  assert.match(r.err, /did you mean 'order-independence'/);
});

check.run();
