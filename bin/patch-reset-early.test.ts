import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

const apmc = apmcInProcess;

const PATCH = './examples/patch-reset-early.ts';
const diff = ['diff', '--policy', 'upstream', '--policy', PATCH, '--observe', 'all'];

test('the patch differs from upstream: on its trace, and found by a search', async () => {
  const [onTrace, searched] = await Promise.all([
    apmc([...diff, 'examples/patch-reset-early.trace']),
    // A fixed seed of the random search finds it in about a second (the breadth-first search needs longer).
    apmc([...diff, '--engine', 'random', '--seed', '1', '--runs', '2000']),
  ]);
  assert.is(onTrace.code, 1, onTrace.err);
  assert.match(onTrace.out, 'first difference, after step 8 (stop m1)');
  assert.match(onTrace.out, /00\.0000 dirty: none under upstream, vm1 under/);
  assert.is(searched.code, 1, searched.err);
  // upstream waits for a busy queue's reset (the busy condition ends, a second ZAPQ zeroizes it); the patch does not.
  assert.match(searched.out, /0\d\.000\d (fault: none under upstream, busy|dirty: none under upstream, vm\d) under/);
});

test('check --base upstream: reset-before-reuse is new, on a trace with a busy queue', async () => {
  const o = await apmc([
    'check',
    '--base',
    'upstream',
    '--policy',
    PATCH,
    '--property',
    'reset-before-reuse',
    '--seed',
    '1',
    '--runs',
    '1000',
    '--json',
  ]);
  assert.is(o.code, 1, o.err);
  const [r] = (JSON.parse(o.out) as { results: { status: string; counterexample?: { ops: unknown[] } }[] }).results;
  assert.is(r?.status, 'new');
  const ops = r!.counterexample!.ops as { kind: string; fault?: string }[];
  assert.ok(
    ops.some((x) => x.kind === 'fault' && x.fault === 'busy'),
    JSON.stringify(ops),
  );
});

test.run();
