import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { RESERVE_BOUND, ROOT, runInProcess } from '../test/cli-harness.ts';

/** apmc in this process (runCli), in the repository, colour off. */
const apmc = (...args: string[]) => runInProcess(args, ROOT, { FORCE_COLOR: undefined, NO_COLOR: '1' }, 60_000);
const SMALL = ['--adapters', '2', '--domains', '1', '--mdevs', '1', '--vms', '1'];

const cli = suite('apmc check --engine exhaustive, apmc merge');

cli("a shortest counterexample, in the random engine's report format, with the search figures", async () => {
  const r = await apmc(
    'check',
    '--engine',
    'exhaustive',
    '--depth',
    '4',
    '--policy',
    'static',
    '--property',
    'links-follow-assignment',
    '--verbose',
  );
  assert.is(r.code, 4, r.err);
  assert.match(r.out, /links-follow-assignment \(I16\)\s+violated\*/);
  assert.match(r.out, /a shortest trace: 4 ops/);
  // The summary wraps within 80 columns.
  assert.match(
    r.out,
    new RegExp(
      String.raw`static:\s+stopped\s+at\s+depth\s+\d:\s+every\s+property\s+violated;\s+[\d,]+\s+states,\s+` +
        String.raw`[\d,]+\s+transitions,\s+[\d,]+\s+states\/s,\s+depth\s+\d,\s+[\d.]+\s+MB,\s+` +
        String.raw`symmetry\s+reduction\s+×[\d.]+`,
    ),
  );
});

cli('--json: a search records the states and depth it found a counterexample at, no made-up seed or path', async () => {
  const args = ['check', '--engine', 'exhaustive', '--depth', '4', '--policy', 'static', '--property', 'I16', '--json'];
  const r = await apmc(...args);
  const doc = JSON.parse(r.out) as { results: { counterexample?: { found: Record<string, unknown> } }[] };
  const found = doc.results.flatMap((x) => (x.counterexample ? [x.counterexample.found] : []));
  assert.ok(found.length > 0, r.out);
  for (const f of found) {
    assert.is(f['engine'], 'exhaustive');
    assert.ok(typeof f['states'] === 'number' && typeof f['depth'] === 'number', JSON.stringify(f));
    assert.not.ok('seed' in f || 'path' in f, JSON.stringify(f));
  }
});

cli(
  '--workers 2: one search over two threads, the same verdicts and depths as one thread, order independence compared',
  async () => {
    const args = ['check', '--engine', 'exhaustive', '--depth', '4', '--policy', 'v12-fcfs', ...SMALL, '--json'];
    const one = await apmc(...args);
    const two = await apmc(...args, '--workers', '2', ...RESERVE_BOUND);
    assert.is(two.code, one.code, two.err);
    type Doc = {
      results: { property: string; verdict: string; found?: { ops: unknown[] } }[];
      exhaustive: { states: number; transitions: number; workers: number }[];
    };
    const a = JSON.parse(one.out) as Doc;
    const b = JSON.parse(two.out) as Doc;
    const cells = (d: Doc) => d.results.map((x) => `${x.property} ${x.verdict} ${x.found?.ops.length ?? ''}`);
    assert.equal(cells(b), cells(a));
    assert.is(b.exhaustive[0]!.states, a.exhaustive[0]!.states);
    assert.is(b.exhaustive[0]!.transitions, a.exhaustive[0]!.transitions);
    assert.is(b.exhaustive[0]!.workers, 2);
    assert.is.not(b.results.find((x) => x.property === 'order-independence')!.verdict, 'unknown');
  },
);

cli(
  "--workers with a user's policy file: the workers load it too (through tsx), same verdicts as one thread",
  async () => {
    const args = [
      'check',
      '--engine',
      'exhaustive',
      '--depth',
      '3',
      '--policy',
      'examples/refilter-on-unassign.ts',
      ...SMALL,
      '--json',
    ];
    const one = await apmc(...args);
    const two = await apmc(...args, '--workers', '2', ...RESERVE_BOUND);
    assert.is(two.code, one.code, two.err);
    type Doc = { results: { property: string; verdict: string }[]; exhaustive: { states: number }[] };
    const a = JSON.parse(one.out) as Doc;
    const b = JSON.parse(two.out) as Doc;
    assert.equal(
      b.results.map((x) => x.verdict),
      a.results.map((x) => x.verdict),
    );
    assert.is(b.exhaustive[0]!.states, a.exhaustive[0]!.states);
  },
);

cli('--max-states ends cleanly: unknown (bound reached at depth d), exit 6', async () => {
  const r = await apmc('check', '--engine', 'exhaustive', '--max-states', '500', '--policy', 'upstream', '--json');
  assert.is(r.code, 6, r.err);
  const doc = JSON.parse(r.out) as {
    exit: number;
    results: { verdict: string; bound?: string }[];
    exhaustive: { states: number; bound: string }[];
  };
  assert.is(doc.exit, 6);
  assert.is(doc.exhaustive[0]!.bound, 'states');
  assert.ok(doc.results.every((x) => x.verdict === 'unknown' || x.verdict === 'violated'));
  assert.match(doc.results.find((x) => x.verdict === 'unknown')!.bound!, /^states bound reached at depth \d+$/);
});

cli('shards k/n merge into the verdicts of one run; a missing shard gives unknown and exit 6', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-shard-'));
  const one = await apmc('check', '--engine', 'exhaustive', '--depth', '3', '--policy', 'static', ...SMALL, '--json');
  const files: string[] = [];
  for (const k of [1, 2, 3]) {
    const r = await apmc(
      'check',
      '--engine',
      'exhaustive',
      '--depth',
      '3',
      '--policy',
      'static',
      ...SMALL,
      '--shard',
      `${k}/3`,
      '--json',
    );
    const f = join(dir, `shard-${k}.json`);
    writeFileSync(f, r.out);
    files.push(f);
  }
  const m = await apmc('merge', '--json', ...files);
  const verdicts = (out: string) =>
    Object.fromEntries(
      (JSON.parse(out) as { results: { property: string; verdict: string }[] }).results
        .filter((x) => x.property !== 'order-independence')
        .map((x) => [x.property, x.verdict]),
    );
  assert.equal(verdicts(m.out), verdicts(one.out));
  assert.is(m.code, one.code);
  const partial = await apmc('merge', files[0]!, files[2]!);
  assert.is(partial.code, 6);
  assert.match(partial.out, /shards missing: 2\/3/);
});

cli('random shards run disjoint seeds and merge', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-rshard-'));
  const files: string[] = [];
  for (const k of [1, 2]) {
    const r = await apmc(
      'check',
      '--policy',
      'v12-fcfs',
      '--property',
      'order-independence',
      '--runs',
      '4000',
      '--shard',
      `${k}/2`,
      '--json',
    );
    const f = join(dir, `r-${k}.json`);
    writeFileSync(f, r.out);
    assert.is((JSON.parse(r.out) as { shard: { k: number } }).shard.k, k);
    files.push(f);
  }
  const m = await apmc('merge', '--ci', ...files);
  assert.is(m.code, 0, m.out);
  assert.match(m.out, /order-independence\s+violated\*/);
});

cli(
  'merged random shards get the statuses the shards gave: an expectation only a search meets is no miss',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apmc-rshard-'));
    const files: string[] = [];
    for (const k of [1, 2]) {
      const flags = ['--property', 'guest-queues-in-host-config', '--runs', '200', '--shard', `${k}/2`, '--json'];
      const r = await apmc('check', '--policy', 'v12-fcfs', ...flags);
      const doc = JSON.parse(r.out) as { results: { verdict: string; status: string }[] };
      assert.equal(
        doc.results.map((x) => [x.verdict, x.status]),
        [['holds', 'holds']],
      );
      assert.is(r.code, 0, r.out);
      const f = join(dir, `r-${k}.json`);
      writeFileSync(f, r.out);
      files.push(f);
    }
    const m = await apmc('merge', ...files);
    assert.is(m.code, 0, m.out);
    assert.match(m.out, /guest-queues-in-host-config +holds\n/);
    assert.match(m.out, /\nevery property checked holds; exit 0\n$/);
  },
);

cli('bad engine flags: one line, exit 2', async () => {
  for (const [args, msg] of [
    [['--engine', 'dfs'], /--engine: expected 'random', 'exhaustive' or 'hybrid', got 'dfs'/],
    [['--depth', '3'], /--depth needs --engine exhaustive/],
    [['--engine', 'exhaustive', '--max-states', 'many'], /--max-states: expected a whole number/],
    [['--shard', '3/2'], /--shard: expected k\/n with 1 ≤ k ≤ n/],
    [['--engine', 'exhaustive', '--symmetry', 'maybe'], /--symmetry: expected 'on' or 'off'/],
  ] as const) {
    const r = await apmc('check', ...args);
    assert.is(r.code, 2, args.join(' '));
    assert.match(r.err, msg);
    assert.is(r.err.trim().split('\n').length, 1, r.err);
    assert.is(r.out, '');
  }
  const bad = await apmc('merge', 'package.json');
  assert.is(bad.code, 2);
  assert.match(bad.err, /^apmc: package.json:1: not an apmc check report/);
});

cli('a misbehaving policy is a policy error with a shortest trace, exit 7', async () => {
  const r = await apmc(
    'check',
    '--engine',
    'exhaustive',
    '--depth',
    '3',
    '--policy',
    'test/fixtures/mutating.ts',
    '--property',
    'no-apqn-in-two-mdevs',
  );
  assert.is(r.code, 7, r.err);
  assert.match(r.out, /POLICY ERROR: 'create' mutated its input/);
  assert.match(r.out, /create m1 {2}# <-- policy error/);
  const t = await apmc(
    'check',
    '--engine',
    'exhaustive',
    '--depth',
    '3',
    '--policy',
    'test/fixtures/throwing.ts',
    '--property',
    'no-apqn-in-two-mdevs',
  );
  assert.is(t.code, 7, t.err);
  assert.match(t.out, /POLICY ERROR: 'assign' threw/);
});

cli.run();
