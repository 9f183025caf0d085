/**
 * The library API (api/index.ts): `check` returns what `apmc check --json` prints for the same options, takes
 * policies as names, files and objects, checks its options before it runs, stops on an AbortSignal, never exits
 * the process and writes only where it is asked to.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { check, extend, POLICIES, UsageError, upstream } from '../api/index.ts';
import { apmcInProcess, ROOT } from './cli-harness.ts';

/** A report without its timings (`ms` anywhere), which differ from run to run. */
function untimed(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(untimed);
  if (x === null || typeof x !== 'object') return x;
  return Object.fromEntries(Object.entries(x).flatMap(([k, v]) => (k === 'ms' ? [] : [[k, untimed(v)]])));
}

/** Run `f` with process.exit throwing: check must never call it. */
async function noExit<T>(f: () => Promise<T>): Promise<T> {
  const real = process.exit;
  process.exit = ((code?: number) => {
    throw new Error(`process.exit(${code}) called`);
  }) as typeof process.exit;
  try {
    return await f();
  } finally {
    process.exit = real;
  }
}

const fresh = (): string => mkdtempSync(join(tmpdir(), 'apmc-library-'));

test('check returns the report apmc check --json prints (a built-in and a policy file)', async () => {
  const file = './examples/refilter-on-unassign.ts';
  const props = ['no-kernel-warning', 'status-attribute-truthful'];
  const cli = await apmcInProcess([
    'check',
    ...['--policy', 'upstream', '--policy', file],
    ...props.flatMap((p) => ['--property', p]),
    ...['--seed', '2', '--runs', '300', '--vms', '1', '--json'],
  ]);
  assert.ok(cli.out.startsWith('{'), cli.err);
  const report = await noExit(() =>
    check({ policies: ['upstream', file], properties: props, seed: 2, runs: 300, scope: { vms: 1 }, cwd: ROOT }),
  );
  assert.equal(untimed(report), untimed(JSON.parse(cli.out)));
  assert.equal(report.exit, cli.code);
  assert.equal(report.scope.vms, 1);
  const found = report.results.filter((r) => r.counterexample !== undefined).map((r) => [r.policy, r.property]);
  const cx = ['examples/refilter-on-unassign.ts', 'upstream'].flatMap((p) => props.map((q) => [p, q]));
  assert.equal(found.sort(), cx);
  // A counterexample carries its kernel events (the WARN of no-kernel-warning), replayed under its policy.
  assert.ok(report.results.some((r) => Array.isArray(r.counterexample?.['events'])));
});

test('check: a Policy object, a base, the exhaustive engine, the ci exit', async () => {
  const mine = extend(upstream, { name: 'mine', summary: 'upstream under another name' });
  const r = await check({ policies: [mine], base: 'upstream', properties: ['I7'], runs: 300 });
  assert.equal(
    r.results.map((x) => [x.policy, x.status]),
    [['mine', 'holds']],
  );
  assert.equal(r['base'], 'upstream');
  const ex = await check({
    policies: [POLICIES['upstream']!],
    properties: ['one-mdev-per-vm'],
    engine: 'exhaustive',
    exhaustive: { depth: 3 },
    mechanisms: 'none',
  });
  assert.equal(ex.engine, 'exhaustive');
  assert.equal(ex.results[0]?.verdict, 'holds');
  const ci = await check({ policies: ['upstream'], properties: ['status-attribute-truthful'], runs: 300, ci: true });
  assert.equal([ci.results[0]?.status, ci.exit], ['as-expected', 0]);
});

test('check: a bad option throws a UsageError naming it, before anything runs', async () => {
  const bad: [Parameters<typeof check>[0], RegExp][] = [
    [{ runs: 0 }, /runs must be a whole number from 1/],
    [{ seed: 1.5 }, /seed must be a whole number/],
    [{ timeMs: -1 }, /timeMs must be a positive number/],
    [{ scope: { adapters: 99 } }, /scope: adapters must be an integer from 1 to 32/],
    [{ scope: { cards: 1 } as never }, /scope has "cards"/],
    [{ properties: ['order-independance'] }, /unknown property 'order-independance' \(did you mean/],
    [{ engine: 'smart' as never }, /engine must be one of 'random', 'exhaustive'/],
    [{ exhaustive: { depth: 2 } }, /exhaustive needs engine: 'exhaustive'/],
    [{ engine: 'exhaustive', exhaustive: { workers: 0 } }, /exhaustive.workers must be a whole number from 1/],
    [{ mechanisms: ['request', 'teleport'] as never }, /mechanisms must be one of/],
    [{ policies: [] }, /policies is empty: nothing would be checked/],
    [{ policies: 'upstream' as never }, /policies must be an array/],
    [{ properties: [] }, /properties is empty/],
    [{ policies: ['no-such-policy'] }, /unknown policy 'no-such-policy'/],
    [{ policies: ['./no/such/file.ts'] }, /no such policy file/],
    [{ policies: [{ ...upstream, name: 'upstream' }] }, /named 'upstream' like a built-in/],
    [{ policies: [{ name: 'half' } as never] }, /a policy object: the policy's '\w+' is not a function/],
  ];
  const dir = fresh();
  try {
    for (const [options, message] of bad) {
      let thrown: unknown = null;
      try {
        await noExit(() => check({ ...options, save: join(dir, 'cx'), report: join(dir, 'report') }));
      } catch (e) {
        thrown = e;
      }
      assert.instance(thrown, UsageError, `${JSON.stringify(options)}: ${String(thrown)}`);
      assert.match((thrown as Error).message, message);
    }
    assert.equal(readdirSync(dir), []);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('check: an AbortSignal stops it; the report says so and does not exit 0', async () => {
  const stop = new AbortController();
  stop.abort();
  const r = await check({ policies: ['upstream'], properties: ['recovery'], runs: 1e9, signal: stop.signal });
  assert.equal(r.stopped_by, 'abort');
  assert.equal(r.exit, 130);
});

test('check writes files only when asked: save and report', async () => {
  const dir = fresh();
  const cwd = process.cwd();
  try {
    process.chdir(dir);
    const options = { policies: ['upstream'], properties: ['status-attribute-truthful'], runs: 300 };
    const quiet = await check(options);
    assert.equal(quiet.results[0]?.verdict, 'violated');
    assert.equal(readdirSync(dir), []);
    const found: string[] = [];
    await check({ ...options, save: 'cx', report: 'html', onFound: (p, f) => found.push(`${p} ${f.property}`) });
    assert.equal(found, ['upstream status-attribute-truthful']);
    assert.equal(readdirSync(dir).sort(), ['cx', 'html']);
    assert.equal(readdirSync(join(dir, 'cx/status-attribute-truthful')).length, 1);
    assert.equal(readdirSync(join(dir, 'html')), ['index.html']);
  } finally {
    process.chdir(cwd);
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
