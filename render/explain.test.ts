/**
 * Why: `apmc explain` is what a reviewer pastes into a mail or an issue. It must fit 80 columns,
 * draw the guest matrices that the argument is about, and render every stored counterexample.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { loadSubject } from '../bin/explain.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import type { Op } from '../model/ops.ts';
import { upstream } from '../model/policies/index.ts';
import { explain } from './explain.ts';
import { guestGrids, gridLines, LEGEND } from './grid.ts';
import { sideBySide, wrap } from './layout.ts';
import { explainMarkdown } from './md.ts';
import { explainText } from './text.ts';

const ROOT = join(import.meta.dirname, '..');
const plain = new Chalk({ level: 0 });
const wide = (text: string) => text.split('\n').filter((l) => [...l].length > 80);

async function explainFile(rel: string) {
  const subject = loadSubject(join(ROOT, rel));
  const policy = await loadPolicy(subject.trace.policy ?? 'upstream', ROOT);
  return explain(subject, policy);
}

// ---
const halil = suite("explain: Halil Pasic's order-independence counterexample");

halil('fits 80 columns and draws both final guest matrices side by side', async () => {
  const text = explainText(
    plain,
    await explainFile('counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json'),
    { header: true, title: 'halil' },
  );
  assert.equal(wide(text), []);
  // Order A refuses adapter 1 (01.0001 unbound): the guest gets domain 1 of adapter 0.
  // Order B plugged adapter 1 first, then refuses domain 1: the guest gets adapter 1 of domain 0.
  assert.match(text, /A: m1 \(vm1\) +B: m1 \(vm1\)\n +0 1 +0 1\n +00 G G +00 G f\n +01 f x +01 G x\n/);
  assert.match(text, /history A +history B/);
  assert.match(text, /\* 8 {2}m1 assign_domain 1 +ok +8 {2}m1 assign_adapter 1 +ok/);
  assert.match(
    text,
    /m1's guest_matrix gives \{00\.0000 00\.0001\} after one\s+order and \{00\.0000 01\.0000\} after the other/,
  );
});

halil('under upstream the same two histories give the same guest', async () => {
  const subject = loadSubject(join(ROOT, 'counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json'));
  const ex = explain(subject, upstream);
  assert.is(ex.violation, null);
  const text = explainText(plain, ex, { header: true });
  assert.match(text, /order-independence \(I7\) under upstream: holds \(recorded as violated!\)/);
  assert.match(text, /00 G G +00 G G\n +01 f x +01 f x/);
});

halil.run();

// ---
const cve = suite('explain: CVE-2024-26620');

cve('d0: the failing step is marked and the grid shows the unbound queue in the guest', async () => {
  const text = explainText(
    plain,
    await explainFile('counterexamples/guest-queues-bound-to-vfio-ap/d0-cve-2024-26620.json'),
    { header: false },
  );
  assert.match(
    text,
    /> 7 {2}m1 assign_domain 0 +ok\n +\^ guest-queues-bound-to-vfio-ap breaks here: vm1 can use 00\.0001/,
  );
  assert.match(text, /m1 \(vm1\)\n +0 1\n +00 G !\n +01 v v\n/);
});

cve.run();

// ---
const all = suite('explain: every stored counterexample renders');

const files = readdirSync(join(ROOT, 'counterexamples'), { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

all('there are counterexamples', () => assert.ok(files.length >= 20));

for (const f of files) {
  all(f, async () => {
    const ex = await explainFile(join('counterexamples', f));
    const cx = JSON.parse(readFileSync(join(ROOT, 'counterexamples', f), 'utf8')) as {
      expect: string;
      property: string;
    };
    assert.is(ex.violation !== null, cx.expect === 'violates', 'the verdict is the recorded one');
    const text = explainText(plain, ex, { header: true, title: `counterexamples/${f}` });
    assert.equal(wide(text), [], 'within 80 columns');
    assert.ok(text.includes(LEGEND[1]!), 'the legend');
    if (cx.property === 'recovery') assert.match(text, /-- disturbance: the resource goes away, then comes back --/);
    if (cx.property === 'order-independence') assert.match(text, /A: m1 .*B: m1/);
    else if (ex.violation?.at != null)
      assert.match(text, new RegExp(`\\n> +${ex.violation.at + 1}  `), 'the failing step is marked');
    const md = explainMarkdown(ex, f);
    assert.match(md, /^### /);
    assert.match(md, /\n```text\n[^]*\n```\n/);
    assert.match(md, /\| # \|/);
  });
}

all.run();

// ---
const grid = suite('grid marks');

const run = (ops: Op[]) => {
  const cfg = { scope: DEFAULT_SCOPE, policy: upstream };
  let s = initialState(DEFAULT_SCOPE);
  for (const op of ops) s = step(cfg, s, op).state;
  return guestGrids(cfg, s);
};

grid('a booted host has no mdev: no grid', () => {
  assert.equal(run([]), []);
});

grid('one mark per APQN: guest, vfio_ap, cex4queue, unbound, not in host', () => {
  const ops: Op[] = [
    { kind: 'apmask', value: '-0' },
    { kind: 'create', mdev: 'm1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
    { kind: 'assign_domain', mdev: 'm1', id: 0 },
    { kind: 'start', mdev: 'm1', vm: 'vm1' },
    { kind: 'unbind', apid: 1, apqi: 1 },
  ];
  const gs = run(ops);
  assert.is(gs.length, 1);
  assert.is(gs[0]!.title, 'm1 (vm1)');
  // Adapter 1 stays default-owned (apmask), so its queues are cex4queue's until 01.0001 is unbound.
  assert.equal(gs[0]!.rows, [
    ['G', 'v'],
    ['c', '-'],
  ]);
  assert.equal(gridLines(plain, gs[0]!), ['m1 (vm1)', '    0 1', ' 00 G v', ' 01 c -']);
  const gone = run([...ops, { kind: 'host', action: 'remove', resource: 'domain', id: 1 }]);
  assert.equal(gone[0]!.rows, [
    ['G', '.'],
    ['c', '.'],
  ]);
});

grid('assigned without a vfio_ap queue is x, a guest_matrix without a guest is g', () => {
  const gs = run([
    { kind: 'apmask', value: '-0,-1' },
    { kind: 'aqmask', value: '-0,-1' },
    { kind: 'unbind', apid: 1, apqi: 1 },
    { kind: 'create', mdev: 'm1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
    { kind: 'assign_domain', mdev: 'm1', id: 0 },
    { kind: 'assign_domain', mdev: 'm1', id: 1 },
    { kind: 'assign_adapter', mdev: 'm1', id: 1 },
    { kind: 'create', mdev: 'm2' },
  ]);
  // upstream filters adapter 1 out (01.0001 is unbound): 01.0000 is filtered, 01.0001 has no queue.
  assert.equal(
    gs.map((g) => [g.title, g.rows]),
    [
      [
        'm1 (no guest)',
        [
          ['g', 'g'],
          ['f', 'x'],
        ],
      ],
      [
        'm2 (no guest)',
        [
          ['v', 'v'],
          ['v', '-'],
        ],
      ],
    ],
  );
});

grid('more than 16 domains: two header lines (high and low hex digit)', () => {
  const cfg = { scope: { ...DEFAULT_SCOPE, domains: 18 }, policy: upstream };
  const s = step(cfg, initialState(cfg.scope), { kind: 'create', mdev: 'm1' }).state;
  const lines = gridLines(plain, guestGrids(cfg, s)[0]!);
  assert.is(lines[1], '    0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 1 1');
  assert.is(lines[2], '    0 1 2 3 4 5 6 7 8 9 a b c d e f 0 1');
  assert.ok(lines.every((l) => l.length <= 80));
});

grid.run();

// ---
const layout = suite('layout');

layout('blocks go side by side while they fit, then on a new row', () => {
  assert.equal(sideBySide([['ab', 'c'], ['de']], 80), ['ab   de', 'c']);
  assert.equal(sideBySide([['abc'], ['def']], 5), ['abc', '', 'def']);
});

layout('wrap keeps words whole and indents the continuation', () => {
  assert.equal(wrap('one two three four', 9, '  ', ''), ['one two', '  three', '  four']);
});

layout.run();
