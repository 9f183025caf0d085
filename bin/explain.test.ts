/**
 * The `apmc explain` and `apmc diff` command lines: formats, exit codes, bad input. Exit codes and
 * stdout/stderr go through the real entry point; the rest runs in-process (each spawn costs ~0.5 s).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { parseJsonTrace } from '../trace/index.ts';
import { explainCommand } from './explain.ts';
import { diffCommand } from './diff.ts';

function apmc(...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, ['bin/apmc.js', ...args], {
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const plain = new Chalk({ level: 0 });
const HALIL = 'counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json';
const tmp = (name: string, text: string) => {
  const file = join(mkdtempSync(join(tmpdir(), 'apmc-')), name);
  writeFileSync(file, text);
  return file;
};
const rejects = async (p: Promise<unknown>, message: string | RegExp) => {
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
const ex = suite('apmc explain');

ex("Halil's counterexample: 80 columns, both guest matrices, no colour when piped", () => {
  const r = apmc('explain', HALIL);
  assert.is(r.code, 0, r.err);
  assert.equal(
    r.out.split('\n').filter((l) => [...l].length > 80),
    [],
  );
  assert.match(r.out, /A: m1 \(vm1\) +B: m1 \(vm1\)/);
  assert.match(r.out, /00 G G +00 G f\n +01 f x +01 G x/);
  assert.not.match(r.out, /\x1b\[/);
});

ex('--format md is Markdown: a table of steps, the failing step, fenced grids', async () => {
  const md = await explainCommand(plain, 'traces/cve-2024-26620.trace', { format: 'md', policy: 'd0', scope: {} });
  // The heading is one line within 80 columns: the file, then the verdict under it.
  assert.match(
    md,
    /^### traces\/cve-2024-26620\.trace:\n\n\*\*guest-queues-bound-to-vfio-ap \(I3\) under d0: violated\*\*\n/,
  );
  // A row within 80 columns: the long comment of step 12 is a note under the table.
  assert.match(
    md,
    /\| 12 \| `m1 assign_domain 0` \| ok \| \*\*breaks here\*\*; \[1\] \|\n\n\[1\] \(c\) d0 checks only/,
  );
  assert.match(md, /```text\n#3 m1 \(no guest\)/);
});

ex('--format json is the trace JSON, with the counterexample fields, and parses back', async () => {
  const json = await explainCommand(plain, HALIL, { format: 'json', scope: {} });
  const doc = JSON.parse(json) as {
    format: string;
    policy: string;
    property: string;
    other_ops: unknown[];
    reason: string;
  };
  assert.is(doc.format, 'apmc-trace/1');
  assert.is(doc.policy, 'v12-fcfs');
  assert.is(doc.property, 'order-independence');
  assert.is(doc.other_ops.length, 9);
  assert.match(doc.reason, /same configuration/);
  assert.is(parseJsonTrace(json, 'out.json').steps.length, 9);
});

ex('--format sh: a POSIX replay script that passes sh -n, exit 0', () => {
  const r = apmc('explain', '--format', 'sh', 'counterexamples/order-independence/v12-fcfs-halil-pasic-2020.json');
  assert.is(r.code, 0, r.err);
  assert.ok(r.out.startsWith('#!/bin/sh'));
  assert.match(r.out, /assign_domain/);
  const dir = mkdtempSync(join(tmpdir(), 'apmc-sh-'));
  writeFileSync(join(dir, 'replay.sh'), r.out);
  assert.is(spawnSync('sh', ['-n', join(dir, 'replay.sh')]).status, 0);
});

ex.run();

// ---
const diff = suite('apmc diff');

diff("Halil's order B: v12-fcfs and upstream diverge at the last assignment, exit 1", () => {
  const r = apmc('diff', '--policy', 'v12-fcfs', '--policy', 'upstream', 'traces/halil-order-b.trace');
  assert.is(r.code, 1, r.err);
  assert.equal(
    r.out.split('\n').filter((l) => [...l].length > 80),
    [],
  );
  assert.match(r.out, / {2}8 {2}m1 assign_adapter 1 +ok +ok\n> 9 {2}m1 assign_domain 1 +ok +ok/);
  assert.match(r.out, /first difference, after step 9 \(m1 assign_domain 1\):/);
  // v12 refuses domain 1 (01.0001 unbound) and keeps adapter 1; upstream takes domain 1 and filters adapter 1.
  assert.match(r.out, /vm1 crycb: \{00\.0000 01\.0000\} under v12-fcfs, \{00\.0000 00\.0001\} under\s+upstream/);
  assert.match(r.out, /v12-fcfs: m1 \(vm1\) +upstream: m1 \(vm1\)\n +0 1 +0 1\n +00 G f +00 G G\n +01 G x +01 f x/);
  assert.match(r.out, /that is the last step/);
});

diff("Halil's order A: v12-fcfs and upstream agree on every step", async () => {
  const d = await diffCommand(plain, 'traces/halil-order-a.trace', ['v12-fcfs', 'upstream'], {});
  assert.is(d.differ, false, d.text);
  assert.match(d.text, /no difference: every step gives the same result and the same observable state/);
});

diff('static and upstream differ from the first guest_matrix on', async () => {
  const d = await diffCommand(plain, 'traces/halil-order-b.trace', ['static', 'upstream'], {});
  assert.is(d.differ, true);
  // static refuses assignments while the guest runs (EBUSY): the results differ first.
  assert.match(
    d.text,
    /first difference, after step 6 \(m1 assign_adapter 0\):\n {2}result: EBUSY under static, ok under upstream/,
  );
});

diff.run();

// ---
const bad = suite('explain and diff: bad input, one line, exit 2');

bad('a missing file', async () => {
  const r = apmc('explain', 'no/such.json');
  assert.is(r.code, 2);
  assert.is(r.err, 'apmc: no/such.json: cannot read trace (no such file)\n');
  assert.is(r.out, '');
  await rejects(
    diffCommand(plain, 'no/such.json', ['d0', 'upstream'], {}),
    'no/such.json: cannot read trace (no such file)',
  );
});

bad('malformed JSON: file:line: problem', async () => {
  const file = tmp(
    'broken.json',
    '{\n  "format": "apmc-trace/1",\n  "ops": [\n    { "kind": "create" "mdev": "m1" }\n  ]\n}\n',
  );
  const r = apmc('explain', file);
  assert.is(r.code, 2);
  assert.match(r.err, new RegExp(`^apmc: ${file}:4: malformed JSON: `));
  assert.is(r.err.trim().split('\n').length, 1);
  await rejects(diffCommand(plain, file, ['d0', 'upstream'], {}), new RegExp(`^${file}:4: malformed JSON: `));
});

bad('a counterexample with a bad field names its line', async () => {
  const file = tmp(
    'cx.json',
    '{\n  "format": "apmc-trace/1",\n  "ops": [],\n  "property": "recovery",\n  "expect": "maybe"\n}\n',
  );
  await rejects(explainCommand(plain, file, { scope: {} }), `${file}:5: "expect" must be "violates" or "holds"`);
  const unknown = tmp(
    'cx.json',
    '{\n  "format": "apmc-trace/1",\n  "ops": [],\n  "property": "recovry",\n  "expect": "holds"\n}\n',
  );
  await rejects(explainCommand(plain, unknown, { scope: {} }), `${unknown}:4: unknown property 'recovry'`);
});

bad('diff needs exactly two policies; explain knows its formats', async () => {
  await rejects(
    diffCommand(plain, 'traces/halil-order-b.trace', ['upstream'], {}),
    'apmc diff needs exactly two --policy flags, got 1',
  );
  await rejects(
    explainCommand(plain, HALIL, { format: 'html', scope: {} }),
    "--format: expected text, md, json or sh, got 'html'",
  );
});

bad.run();
