/**
 * Why: Halil Pasic's question (seed 001) is whether the same final configuration, reached in two orders,
 * gives the same guest. `apmc compare` must answer it for two given traces under one design, show the two
 * histories as an order-independence counterexample, save one that `apmc explain` replays, and not claim
 * anything about guests when the two orders end in different configurations.
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

/** apmc in this process (runCli), in the repository, colour off. */
const apmc = (...args: string[]) => apmcInProcess(args);

const A = 'traces/halil-order-a.trace';
const B = 'traces/halil-order-b.trace';
const dir = mkdtempSync(join(tmpdir(), 'apmc-compare-'));
const flat = (s: string): string => s.replace(/\s+/g, ' ');

const t = suite('apmc compare');

t("Halil's two orders under v12-fcfs: the same configuration, other guests, side by side; exit 1", async () => {
  const r = await apmc('compare', A, B, '--policy', 'v12-fcfs');
  assert.is(r.code, 1, r.out + r.err);
  assert.match(r.out, 'order-independence (I7) under v12-fcfs: violated');
  assert.match(flat(r.out), "m1's guest_matrix gives {00.0000 00.0001} after one order and {00.0000 01.0000} after");
  assert.match(r.out, /history A +history B/);
  assert.match(r.out, /\* 8 {2}m1 assign_domain 1 +ok +8 {2}m1 assign_adapter 1 +ok/);
  assert.match(r.out, /A: m1 \(vm1\) +B: m1 \(vm1\)\n.*\n +00 G G +00 G f\n +01 f x +01 G x/);
  assert.match(r.out, 'the same configuration, other guests');
  assert.equal(
    r.out.split('\n').filter((l) => [...l].length > 80),
    [],
  );
});

t('under upstream the same two orders give the same guest; exit 0', async () => {
  const r = await apmc('compare', A, B, '--policy', 'upstream');
  assert.is(r.code, 0, r.out + r.err);
  assert.match(r.out, 'order-independence (I7) under upstream: holds');
  assert.match(r.out, /A: m1 \(vm1\) +B: m1 \(vm1\)\n.*\n +00 G G +00 G G\n +01 f x +01 f x/);
  assert.match(r.out, 'the same configuration and the same guests');
});

t('--save: an order-independence counterexample with both histories that apmc explain replays', async () => {
  const save = join(dir, 'halil.json');
  const r = await apmc('compare', A, B, '--policy', 'v12-fcfs', '--save', save);
  assert.is(r.code, 1, r.err);
  const doc = JSON.parse(readFileSync(save, 'utf8')) as Record<string, unknown>;
  assert.is(doc['property'], 'order-independence');
  assert.is(doc['expect'], 'violates');
  assert.is(doc['policy'], 'v12-fcfs');
  assert.is((doc['ops'] as unknown[]).length, 9);
  assert.is((doc['other_ops'] as { kind: string }[])[7]!.kind, 'assign_adapter');
  const ex = await apmc('explain', save);
  assert.is(ex.code, 0, ex.err);
  assert.match(ex.out, 'order-independence (I7) under v12-fcfs: violated');
  assert.match(ex.out, /history A +history B/);
  // Under upstream the same pair is saved as holding, and explain says so.
  const held = join(dir, 'held.json');
  assert.is((await apmc('compare', A, B, '--save', held)).code, 0);
  assert.is((JSON.parse(readFileSync(held, 'utf8')) as Record<string, unknown>)['expect'], 'holds');
  assert.match((await apmc('explain', held)).out, 'under upstream: holds (as recorded)');
});

t('different configurations at the end: said, what differs shown, nothing compared nor saved; exit 4', async () => {
  const short = join(dir, 'short.trace');
  writeFileSync(short, readFileSync(A, 'utf8').replace(/m1 assign_adapter 1 .*\n$/, ''));
  const save = join(dir, 'never.json');
  const r = await apmc('compare', A, short, '--policy', 'v12-fcfs', '--save', save);
  assert.is(r.code, 4, r.out + r.err);
  assert.match(flat(r.out), 'different configurations at the end (settled), so the guests are not compared');
  assert.match(flat(r.out), 'm1 matrix: {00.0000 00.0001 01.0000 01.0001} after A, {00.0000 00.0001} after B');
  assert.not.match(r.out, 'link');
  assert.not.ok(existsSync(save));
});

t('bad input: one line, exit 2', async () => {
  const cases: [string[], string][] = [
    [[A], 'expected two trace files, got 1'],
    [[A, 'traces/cve-2024-26620.trace'], "its scope differs from traces/halil-order-a.trace's"],
    [[A, join(dir, 'missing.trace')], 'missing.trace'],
    [[A, B, '--policy', 'no-such'], 'no-such'],
  ];
  for (const [args, msg] of cases) {
    const r = await apmc('compare', ...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, msg);
    assert.is(r.err.trim().split('\n').length, 1);
  }
});

t('a policy file that throws on a step of the second trace: a policy error, exit 7', async () => {
  // throws-42 misbehaves on assign_adapter 1, the last step of order A and step 8 of order B.
  const r = await apmc('compare', B, A, '--policy', 'test/fixtures/sandbox/throws-42.ts');
  assert.is(r.code, 7, r.out + r.err);
  assert.match(r.err, "policy error in 'test/fixtures/sandbox/throws-42.ts'");
});

t.run();
