/**
 * Why: docs/shipped-vs-intended.md claims that the shipped code (linux-2025) departs from the intended design
 * (upstream) in each of the ways it lists, each with a trace. Every trace it links must replay as different with
 * `apmc diff --policy upstream --policy linux-2025 --observe all`, first at its last step, and every trace in its
 * directory must be linked.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { linux2025, upstream } from '../model/policies/index.ts';
import type { Config, Policy } from '../model/policy.ts';
import { initialState } from '../model/state.ts';
import { firstDifferenceClass } from '../properties/difference-classes.ts';
import { parseTextTrace } from '../trace/index.ts';
import { ROOT, runInProcess } from './cli-harness.ts';

const DOC = join(ROOT, 'docs/shipped-vs-intended.md');
const DIR = join(ROOT, 'docs/shipped-vs-intended');
const text = readFileSync(DOC, 'utf8');
const linked = [...text.matchAll(/\]\(shipped-vs-intended\/([a-z0-9-]+\.trace)\)/g)].map((m) => m[1]!);
const t = suite('docs/shipped-vs-intended.md');

t('links every trace of its directory, each once', () => {
  assert.ok(linked.length >= 5, `${linked.length} traces linked`);
  const files = readdirSync(DIR).filter((f) => f.endsWith('.trace'));
  assert.equal([...new Set(linked)].sort(), files.sort());
});

for (const file of [...new Set(linked)]) {
  t(`${file}: apmc diff finds upstream and linux-2025 first differ at its last step`, async () => {
    const path = join(DIR, file);
    const r = await runInProcess(
      ['diff', '--policy', 'upstream', '--policy', 'linux-2025', '--observe', 'all', path],
      ROOT,
    );
    assert.is(r.code, 1, r.out + r.err);
    const tr = parseTextTrace(readFileSync(path, 'utf8'), file);
    const ops = tr.steps.map((s) => s.op);
    const cfg = (policy: Policy): Config => ({ scope: tr.scope, policy });
    const d = firstDifferenceClass(cfg(upstream), cfg(linux2025), initialState(tr.scope), ops, 'all');
    assert.is(d?.at, ops.length - 1, `${file}: the designs already differ before its last step`);
  });
}

t.run();
