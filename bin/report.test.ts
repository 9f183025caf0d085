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

const v12 = POLICIES['v12-fcfs']!;
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
  assert.match(
    html,
    /<tr><th>order-independence \(I7\)<\/th><td class="st-as-expected"><a href="#cx-0">violated\*<\/a><\/td><\/tr>/,
  );
  assert.match(html, /<tr><th>no-apqn-in-two-mdevs \(I1\)<\/th><td class="st-holds">holds<\/td><\/tr>/);
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

page.run();

// ---
const browser = suite('apmc check --report: in headless Chromium');

if (chromium) {
  const step = 6;
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
    const first = /<div class="history" data-cx="0" data-h="0"[^]*?<\/ol>/.exec(dom)![0];
    assert.match(first, new RegExp(`<div class="where">after step ${step} of \\d+: `));
    assert.is(first.match(/<li class="[^"]*now[^"]*">/g)?.length, 1);
    assert.ok(/<li[^>]*>[^]*?<\/li>/g.test(first));
    const nth = [...first.matchAll(/<li( class="([^"]*)")?[^>]*>/g)].findIndex((m) => (m[2] ?? '').includes('now'));
    assert.is(nth, step - 1);
    // The grid cells drawn are the marks computed in TypeScript for that step.
    const cells = [...first.matchAll(/<td class="m m-\w+" title="[^"]*">(.)<\/td>/g)].map((m) => m[1]).join('');
    assert.is(cells, frames[step]!.map((g) => g.rows.join('')).join(''));
    assert.ok(cells.length > 0, 'a grid is drawn');
  });
} else {
  browser('skipped: chromium is not on PATH', () => {});
}

browser.run();
