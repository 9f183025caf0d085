/**
 * Why: the HTML report is read in a browser, so it is checked in one. Runs only where `chromium` is on
 * PATH (`apt-get install -y chromium`); elsewhere it checks the page as text.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { propertyByName } from '../properties/registry.ts';
import { reportHtml } from '../render/report.ts';
import { summarize } from '../check/summary.ts';
import { runCheck } from './check.ts';
import { runExhaustiveCheck } from './check-exhaustive.ts';
import { writeReport } from './report.ts';
import { loadPolicy } from './load-policy.ts';
import { esc, VERDICT_LABEL, verdictLegend } from '../render/report-parts.ts';

const v12 = POLICIES['v12-fcfs']!;
const ROOT = join(import.meta.dirname, '..');
const chromium = (process.env['PATH'] ?? '').split(delimiter).some((d) => d !== '' && existsSync(join(d, 'chromium')));

const props = [propertyByName('order-independence')!, propertyByName('no-apqn-in-two-mdevs')!];
const run = summarize(await runCheck([v12], props, DEFAULT_SCOPE, 1, 20000, undefined), false);
const dir = mkdtempSync(join(tmpdir(), 'apmc-report-'));
const path = writeReport(dir, reportHtml(run, [v12]));
const html = readFileSync(path, 'utf8');
/** The grids the page should draw for the first history at step k: the marks, row by row. */
const frames = (
  JSON.parse(/<script type="application\/json" id="apmc-data">(.*?)<\/script>/s.exec(html)![1]!) as {
    frames: { rows: string[] }[][];
  }[][]
)[0]![0]!.frames;

// ---
const page = suite('apmc check --report: the page');

page('written atomically as dir/index.html, no temporary file left', () => {
  assert.equal(readdirSync(dir), ['index.html']);
});

page('self-contained: no network resource, no external script or style', () => {
  assert.not.match(html, /<link|<img|\bsrc=|https?:\/\//);
  assert.match(html, /<style>/);
});

page('the verdict table has a row per property and links the violation to its counterexample', () => {
  const cell = '<td class="v st-as-expected" title="[^"]+"><a href="#cx-0">violated, expected</a></td>';
  assert.match(html, new RegExp(`<tr><th>order-independence \\(I7\\)</th>${cell}</tr>`));
  assert.match(html, /<tr><th>no-apqn-in-two-mdevs \(I1\)<\/th><td class="v st-holds" title="[^"]+">holds<\/td><\/tr>/);
  assert.match(html, /<section class="cx" id="cx-0">/);
});

// A search: no seed, no cases, no shrinking; a shortest trace and the states stored when found.
const fixed = POLICIES['static']!;
const settings = { depth: 4, symmetry: true, workers: 1 };
const searched = await runExhaustiveCheck(
  [fixed],
  ['static'],
  [propertyByName('links-follow-assignment')!],
  DEFAULT_SCOPE,
  settings,
  false,
);
const exhaustive = reportHtml(summarize(searched, false), [fixed]);

page('an exhaustive run: how it searched, and each counterexample as the search found it', () => {
  assert.match(exhaustive, /<p class="meta">exhaustive breadth-first search, scope 2 adapters × 2 domains/);
  assert.match(exhaustive, /<p class="dim">a shortest trace: 4 ops; found after \d+ states \(\d+ ms\)\.<\/p>/);
  assert.not.match(exhaustive, /seed|cases|shrinking/);
});

// A policy whose assign callback throws (test/fixtures/throwing.ts): its verdicts are policy errors.
const throwing = await loadPolicy(join(ROOT, 'test/fixtures/throwing.ts'));
const broken = summarize(await runCheck([throwing, v12], props, DEFAULT_SCOPE, 1, 2000, undefined), false);
const brokenDir = mkdtempSync(join(tmpdir(), 'apmc-report-pe-'));
const brokenPath = writeReport(brokenDir, reportHtml(broken, [throwing, v12]));
const brokenHtml = readFileSync(brokenPath, 'utf8');
const pe = (broken.engine === 'random' ? broken.policies[0]!.exploration.policyError : undefined)!;

page('a policy error: the cell links to its section, with the message and the trace, the faulting step marked', () => {
  assert.ok(pe, 'the run has a policy error');
  const name = esc(throwing.name);
  assert.match(brokenHtml, /<td class="v st-policy-error" title="[^"]+"><a href="#pe-0">policy error<\/a><\/td>/);
  const section = /<section class="pe" id="pe-0">[^]*?<\/section>/.exec(brokenHtml)?.[0] ?? '';
  assert.ok(section.includes(`<h2>${name}: policy error</h2>`), section);
  assert.ok(section.includes(`<p class="msg">${esc(pe.message)}</p>`), section);
  assert.match(pe.message, /adapter 1 is not supported/);
  assert.match(section, /<li>create m1<span class="res">ok<\/span><\/li>/);
  assert.match(
    section,
    /<li class="faulted" title="[^"]+">m1 assign_adapter 1<span class="res err">policy error<\/span>/,
  );
});

page('a search that meets a policy error: its section has the message and a shortest trace', async () => {
  const one = [propertyByName('no-apqn-in-two-mdevs')!];
  const r = await runExhaustiveCheck([throwing], [throwing.name], one, DEFAULT_SCOPE, settings, false);
  const page = reportHtml(summarize(r, false, [throwing]), [throwing]);
  const section = /<section class="pe" id="pe-0">[^]*?<\/section>/.exec(page)?.[0] ?? '';
  assert.match(section, /<p class="msg">&#39;assign&#39; threw: Error: adapter 1 is not supported<\/p>/);
  assert.match(section, /A shortest trace: 2 ops\./);
  assert.match(section, /<li class="faulted"[^>]*>m1 assign_adapter 1<span class="res err">policy error<\/span>/);
  assert.match(page, /<td class="v st-policy-error" title="[^"]+"><a href="#pe-0">policy error<\/a><\/td>/);
});

page('the budget of each policy, as the text report says it', () => {
  const budget = /<ul class="budget" id="budget">(.*?)<\/ul>/.exec(brokenHtml)![1]!;
  assert.match(
    budget,
    /<li>[^<]*throwing\.ts: \d+ cases, \d+ operations in [\d.]+ s \(stopped by a policy error\)<\/li>/,
  );
  assert.match(budget, /<li>v12-fcfs: 2000 cases, \d+ operations in [\d.]+ s<\/li>/);
  assert.match(exhaustive, /<li>static: [^<]*; [\d,]+ states, [\d,]+ transitions, /);
});

page('every verdict has its own colour and a label; vacuous is not blank', () => {
  const css = /<style>([^]*?)<\/style>/.exec(html)![1]!;
  const colours = Object.keys(VERDICT_LABEL).map((k) => new RegExp(`\\.st-${k}\\{([^}]*)\\}`).exec(css)?.[1]);
  assert.ok(
    colours.every((x) => x !== undefined && /background:#[0-9a-f]{3,6}/.test(x)),
    String(colours),
  );
  assert.is(new Set(colours).size, colours.length, 'each colour once');
  // The legend shows each label in its colour; inherited and fixed only against a base.
  for (const [k, [label]] of Object.entries(VERDICT_LABEL)) {
    const shown = `<td class="v st-${k}">${esc(label)}</td>`;
    assert.is(html.includes(shown), k !== 'inherited' && k !== 'fixed', k);
    assert.ok(verdictLegend(true).includes(shown), k);
  }
  assert.match(html, /<td class="v st-vacuous">vacuous<\/td><td>never exercised/);
});

page('order independence: the steps that moved between the two orders are marked in both', () => {
  const steps = (
    JSON.parse(/id="apmc-data">(.*?)<\/script>/s.exec(html)![1]!) as { op: string; moved: boolean }[][][]
  )[0]!;
  const [a, b] = steps.map((h) => (h as unknown as { steps: { op: string; moved: boolean }[] }).steps);
  assert.equal(
    a!.map((x) => x.moved),
    a!.map((x, i) => x.op !== b![i]!.op),
  );
  assert.ok(a!.some((x) => x.moved) && b!.some((x) => x.moved), 'some steps moved');
  assert.match(html, /the reordered steps are marked/);
});

page.run();

// ---
const browser = suite('apmc check --report: in headless Chromium');

if (chromium) {
  // A step inside the first history, whatever the length of the counterexample the seed gives.
  const step = Math.min(6, frames.length - 1);
  const r = spawnSync(
    'chromium',
    ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `${pathToFileURL(path).href}#step=${step}`],
    { encoding: 'utf8', timeout: 30000 },
  );
  const dom = r.stdout;

  browser('the script ran', () => {
    assert.is(r.status, 0, r.stderr);
    assert.match(dom, /<body data-ready="yes">/);
  });

  browser('both histories have their step controls and their steps', () => {
    assert.is(dom.match(/<div class="history" data-cx="0" data-h="\d" data-step="\d+">/g)?.length, 2);
    assert.is(dom.match(/<button class="next"/g)?.length, 2);
    assert.match(dom, /<input type="range" min="0" max="\d+">/);
  });

  browser(`#step=${step} moved every history to step ${step}: the label, the highlighted step, the grid`, () => {
    assert.ok(step >= 3, `a step inside the history: ${step}`);
    const first = /<div class="history" data-cx="0" data-h="0"[^]*?<\/ol>/.exec(dom)![0];
    assert.match(first, new RegExp(`<div class="where">after step ${step} of \\d+: `));
    assert.is(first.match(/<li class="[^"]*\bnow\b[^"]*"[^>]*>/g)?.length, 1);
    assert.ok(/<li[^>]*>[^]*?<\/li>/g.test(first));
    const nth = [...first.matchAll(/<li( class="([^"]*)")?[^>]*>/g)].findIndex((m) => (m[2] ?? '').includes('now'));
    assert.is(nth, step - 1);
    // The grid cells drawn are the marks computed in TypeScript for that step.
    const cells = [...first.matchAll(/<td class="m m-\w+" title="[^"]*">(.)<\/td>/g)].map((m) => m[1]).join('');
    assert.is(cells, frames[step]!.map((g) => g.rows.join('')).join(''));
    assert.ok(cells.length > 0, 'a grid is drawn');
  });

  const flags = ['--headless', '--no-sandbox', '--disable-gpu', '--hide-scrollbars', '--window-size=1200,1400'];
  const pr = spawnSync('chromium', [...flags, '--dump-dom', pathToFileURL(brokenPath).href], {
    encoding: 'utf8',
    timeout: 30000,
  });
  const shot = join(brokenDir, 'policy-error.png');
  const sr = spawnSync('chromium', [...flags, `--screenshot=${shot}`, pathToFileURL(brokenPath).href], {
    encoding: 'utf8',
    timeout: 30000,
  });

  browser('a throwing policy: the page shows its message and its trace, the faulting step marked', () => {
    assert.is(pr.status, 0, pr.stderr);
    assert.match(pr.stdout, /<body data-ready="yes">/);
    const section = /<section class="pe" id="pe-0">[^]*?<\/section>/.exec(pr.stdout)?.[0] ?? '';
    assert.match(section, /<p class="msg">[^<]*adapter 1 is not supported[^<]*<\/p>/);
    assert.match(section, /<li>create m1<span class="res">ok<\/span><\/li>/);
    assert.match(section, /<li class="faulted"[^>]*>m1 assign_adapter 1<span class="res err">policy error<\/span>/);
    // A screenshot of it is drawn (looked at when this test changes: the section in purple, the step marked).
    assert.is(sr.status, 0, sr.stderr);
    assert.equal([...readFileSync(shot).subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47]);
    if (process.env['APMC_KEEP_SCREENSHOT']) console.error(`screenshot: ${shot}`);
  });
} else {
  browser('skipped: chromium is not on PATH', () => {});
}

browser.run();
