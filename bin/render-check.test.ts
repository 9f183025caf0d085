/**
 * Why: `apmc check --ci` is read in CI logs. The log shows the verdict table, what is new in full, and one line
 * per property for the expected violations, with where to see them in full; all within 80 columns and about 80
 * lines, for every built-in policy, and as many more policies as a table of 80 columns holds.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Chalk } from 'chalk';
import { summarize } from '../check/summary.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';
import { width } from '../render/term.ts';
import { freshDir, runInProcess } from '../test/cli-harness.ts';
import { runCheck } from './check.ts';
import { renderCheck } from './render-check.ts';

const c = new Chalk({ level: 0 });
const lines = (text: string): string[] => text.split('\n');
const tooWide = (text: string): string[] => lines(text).filter((l) => width(l) > 80);

const s = suite('apmc check text output');

// Every built-in policy, and more under other names up to a table of seven policies, every property; each copy
// expects what the policy it copies expects.
const builtIn = Object.values(POLICIES);
const copy = (name: string, of: string): Policy => ({ ...POLICIES[of]!, name, base: POLICIES[of]! });
const more = [copy('upstream-6.19-rc1', 'upstream-6.19'), copy('linux-2025-rc1', 'linux-2025')].slice(
  0,
  Math.max(0, 7 - builtIn.length),
);
const all = [...builtIn, ...more];
const run = summarize(await runCheck(all, PROPERTIES, DEFAULT_SCOPE, 1, 3000, undefined), true, all);
const text = renderCheck(c, run, all);

s('seven policies × every property: one table within 80 columns, the columns numbered, a key names them', () => {
  assert.equal(tooWide(text), []);
  const key = lines(text).findIndex((l) => l.startsWith('policies: 1 static, 2 '));
  assert.ok(key > 0, text);
  assert.match(text, /linux-2025/);
  const head = lines(text).find((l) => /^ +1 +2 +3 +4 +5 +6 +7$/.test(l));
  assert.ok(head, 'one header row with the seven columns');
  // One row per property, no second table.
  assert.is(lines(text).filter((l) => /^ +1 +2/.test(l)).length, 1);
  for (const p of PROPERTIES) assert.ok(text.includes(`${p.name} (${p.spec})`), p.name);
});

s('expected violations: one line per property, not in full; where to see them in full', () => {
  assert.not.match(text, /\[expected\]/);
  assert.not.match(text, /why expected \(/);
  assert.match(text, /\n\d+ expected violations, ops per trace \(in full: --verbose; HTML: --report DIR\):\n/);
  // Each expected violation is named with its policy and its trace's length.
  const xs = run.cells.filter((x) => x.found && x.expected);
  assert.ok(xs.length > 20);
  const listed = text.slice(text.indexOf(' expected violations, ops per trace'));
  for (const x of xs) {
    const n = Math.max(x.found!.ops.length, x.found!.other?.length ?? 0);
    assert.ok(listed.includes(`${x.policy} ${n}`), `${x.policy}: ${x.property.name}`);
  }
});

s('about 80 lines with seven policies; --verbose shows every counterexample (the long output)', () => {
  assert.ok(lines(text).length <= 85, `${lines(text).length} lines`);
  const verbose = renderCheck(c, run, all, { verbose: true });
  assert.ok(lines(verbose).length > 400, `${lines(verbose).length} lines`);
  assert.match(verbose, /== static: assigned-not-default-owned \(I2\) violated \[expected\]/);
  assert.not.match(verbose, /expected violations, ops per trace/);
  assert.equal(tooWide(verbose), []);
});

s('--save: a line per expected violation with its file; --report: the page named', () => {
  const saved = renderCheck(c, run, all, { saved: (p, f) => `cx/${f.property}/${p}.json` });
  assert.match(
    saved,
    /\n {2}static: assigned-not-default-owned, \d+ ops:\s+cx\/assigned-not-default-owned\/static\.json(\n|$)/,
  );
  const report = renderCheck(c, run, all, { report: 'out/index.html' });
  assert.match(report.replace(/\n +/g, ' '), /\(in full: --verbose; HTML: out\/index\.html\):/);
});

s('a new violation in full, an expected one in a line', async () => {
  // A copy of static under another name expects nothing: its violation is new. static's own is expected.
  const mine: Policy = { ...POLICIES['static']!, name: 'mine' };
  const ps = [POLICIES['static']!, mine];
  const prop = propertyByName('assigned-not-default-owned')!;
  const r = summarize(await runCheck(ps, [prop], DEFAULT_SCOPE, 1, 3000, undefined), true, ps);
  assert.is(r.cells.map((x) => x.status).join(' '), 'as-expected new');
  const out = renderCheck(c, r, ps);
  assert.match(out, /\n== mine: assigned-not-default-owned \(I2\) violated \[NEW\]\n/);
  assert.match(out, /\ninitial: /);
  assert.not.match(out, /== static:/);
  assert.match(out, /\n {2}assigned-not-default-owned \(I2\): static \d+$/);
  assert.equal(tooWide(out), []);
});

s('apmc check --save: each expected violation names the file it is saved in, relative to the directory', async () => {
  const dir = freshDir('apmc-check-save-');
  const argv = ['check', '--no-color', '--policy', 'static', '--property', 'I2', '--runs', '3000', '--save'];
  const r = await runInProcess(argv, dir, {}, 60_000);
  assert.is(r.code, 4, r.err);
  const files = [...r.out.matchAll(/^ +(counterexamples\/\S+\.json)$/gm)].map((m) => m[1]!);
  assert.is(files.length, 1, r.out);
  assert.ok(existsSync(join(dir, files[0]!)), files[0]);
  assert.match(r.out, /\n1 expected violation, saved \(apmc explain FILE shows one in full\):\n/);
  assert.not.match(r.out, /\[expected\]/);
});

s.run();
