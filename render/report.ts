/**
 * `apmc check --report <dir>`: one self-contained HTML page (inline CSS and JS, no network) with the
 * verdict table and every counterexample, whose guest grids can be stepped through. The grids after
 * every step are computed here and embedded as JSON; the script only draws them.
 */
import type { Finding } from '../check/finding.ts';
import type { CheckSummary } from '../check/summary.ts';
import { sharedLine } from '../check/verdict.ts';
import { formatEvent } from '../model/events.ts';
import type { Policy } from '../model/policy.ts';
import { foundTrace } from '../properties/counterexample.ts';
import { foundWhere } from './budget.ts';
import { explain, type Explanation } from './explain.ts';
import { MARK_MEANING, MARKS, type Grid, type Mark } from './grid.ts';
import {
  budgetHtml,
  esc,
  policyErrorHtml,
  policyErrors,
  VERDICT_CSS,
  verdictCell,
  verdictLegend,
} from './report-parts.ts';

/** CSS class per mark (the marks themselves are not valid class names). */
const MARK_CLASS: Readonly<Record<Mark, string>> = {
  G: 'guest',
  '!': 'bad',
  g: 'shadow',
  f: 'filtered',
  x: 'noqueue',
  v: 'vfio',
  c: 'cex',
  '-': 'unbound',
  '.': 'nohost',
};

interface GridJson {
  readonly title: string;
  readonly adapters: readonly number[];
  readonly domains: readonly number[];
  /** One string of marks per adapter. */
  readonly rows: readonly string[];
  readonly cd: readonly string[];
}

const gridJson = (g: Grid): GridJson => ({
  title: g.title,
  adapters: g.adapters,
  domains: g.domains,
  rows: g.rows.map((r) => r.join('')),
  cd: g.control_domains,
});

/**
 * The steps of each history that the other history has at another position, when the two histories are two
 * orders of the same ops (order independence): the reordered steps. Else none.
 */
export function movedSteps(ex: Explanation): boolean[][] {
  const ops = ex.histories.map((h) => h.steps.map((x) => x.op));
  const none = ops.map((xs) => xs.map(() => false));
  if (ops.length !== 2) return none;
  const [a, b] = ops as [string[], string[]];
  const same = a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');
  if (!same) return none;
  return [a.map((x, i) => x !== b[i]), b.map((x, i) => x !== a[i])];
}

/** What the page's script needs for one counterexample: per history, the steps and the grids before and after each. */
export function cxJson(ex: Explanation) {
  const moved = movedSteps(ex);
  return ex.histories.map((h, k) => {
    const failed = h.steps.findIndex((s) => s.failed);
    return {
      label: h.label,
      steps: h.steps.map((s, i) => ({
        op: s.op,
        result: s.result,
        failed: s.failed,
        tail: s.tail,
        changed: s.changed,
        moved: moved[k]![i]!,
        // The kernel's lines: drawn as text nodes (textContent), never as markup.
        events: s.events.map(formatEvent),
      })),
      frames: [h.initial, ...h.steps.map((s) => s.grids)].map((gs) => gs.map(gridJson)),
      settled: h.settled ? h.final.map(gridJson) : null,
      start: failed >= 0 ? failed + 1 : h.steps.length,
    };
  });
}

// In CSS and SCRIPT (and the page below), a backslash at the end of a line continues that line: the page
// has one line there.
const CSS = `
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1b1b1b;max-width:1200px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:0 0 6px} .meta{color:#555;margin:0 0 16px}
table.verdicts{border-collapse:collapse;margin:8px 0} \
.verdicts th,.verdicts td{border:1px solid #ccc;padding:3px 10px;text-align:left}
.verdicts thead th{background:#f3f3f3} .verdicts td a{color:inherit;text-decoration:none;border-bottom:1px dotted}
section.cx{border:1px solid #ddd;border-radius:6px;padding:12px 16px;margin:18px 0}
.tag{font-size:12px;padding:1px 6px;border-radius:3px;margin-left:6px} .tag.expected{background:#fff3c4} \
.tag.new{background:#c62828;color:#fff}
.reason{font-weight:600} .dim{color:#666}
.histories{display:flex;gap:28px;flex-wrap:wrap} .history{flex:1 1 380px;min-width:340px}
.controls{display:flex;gap:6px;align-items:center;margin:6px 0} .controls button{font:inherit;padding:1px 8px}
.controls input{flex:1} .where{font-family:ui-monospace,monospace;font-size:13px;min-height:1.4em}
ol.steps{font-family:ui-monospace,monospace;font-size:13px;padding-left:34px;margin:6px 0}
ol.steps li{cursor:pointer;padding:0 4px;border-radius:3px} ol.steps li:hover{background:#f0f0f0}
ol.steps li.now{background:#e3f2fd;outline:1px solid #90caf9} ol.steps li.failed{color:#b71c1c;font-weight:bold}
ol.steps .ev{color:#8d6e00;font-weight:normal;white-space:pre-wrap}
ol.steps li.tail{border-left:3px solid #8e24aa} ol.steps .res{color:#2e7d32;margin-left:8px} \
ol.steps .res.err{color:#c62828}
.grids{display:flex;gap:18px;flex-wrap:wrap;margin:6px 0}
table.grid{border-collapse:collapse;font-family:ui-monospace,monospace;font-size:13px}
table.grid caption{font-weight:600;text-align:left;padding-bottom:2px} \
table.grid th{font-weight:normal;color:#666;padding:0 4px}
table.grid td{width:22px;height:22px;text-align:center;border:1px solid #bbb}
.m-guest{background:#2e7d32;color:#fff;font-weight:bold} .m-bad{background:#c62828;color:#fff;font-weight:bold}
.m-shadow{background:#c8e6c9} .m-filtered{background:#ffe082} .m-noqueue{background:#f48fb1}
.m-vfio{background:#bbdefb} .m-cex{background:#e0e0e0} .m-unbound{background:#fff} \
.m-nohost{background:#616161;color:#ddd}
.gridbox .cd{font-size:12px;color:#555;white-space:nowrap}
.legend{display:flex;flex-wrap:wrap;gap:4px 14px;font-size:13px;margin:8px 0} \
.legend span.m{display:inline-block;width:18px;text-align:center;border:1px solid #bbb;margin-right:4px}
${VERDICT_CSS}`;

const SCRIPT = `
(function(){
  var data = JSON.parse(document.getElementById('apmc-data').textContent);
  var CLS = ${JSON.stringify(MARK_CLASS)}, MEAN = ${JSON.stringify(MARK_MEANING)};
  function el(tag, cls, text){ var e = document.createElement(tag); if (cls) e.className = cls; \
if (text != null) e.textContent = text; return e; }
  function hex(n, w){ var s = n.toString(16); while (s.length < w) s = '0' + s; return s; }
  function grid(g){
    var t = el('table', 'grid'); t.appendChild(el('caption', null, g.title));
    var hr = el('tr'); hr.appendChild(el('th')); \
g.domains.forEach(function(d){ hr.appendChild(el('th', null, d.toString(16))); }); t.appendChild(hr);
    g.rows.forEach(function(row, r){
      var tr = el('tr'); var a = g.adapters[r]; tr.appendChild(el('th', null, hex(a, 2)));
      row.split('').forEach(function(m, k){ var td = el('td', 'm m-' + CLS[m], m); \
td.title = hex(a, 2) + '.' + hex(g.domains[k], 4) + ': ' + MEAN[m]; tr.appendChild(td); });
      t.appendChild(tr);
    });
    var box = el('div', 'gridbox'); box.appendChild(t);
    if (g.cd.length) box.appendChild(el('div', 'cd', 'control domains ' + g.cd.join(' ')));
    return box;
  }
  function grids(box, gs){ box.innerHTML = ''; \
if (!gs.length) box.appendChild(el('span', 'dim', 'no mdev, no guest')); \
gs.forEach(function(g){ box.appendChild(grid(g)); }); }
  var steppers = [];
  document.querySelectorAll('.history').forEach(function(box){
    var h = data[+box.dataset.cx][+box.dataset.h];
    var n = h.steps.length;
    box.appendChild(el('h3', null, h.label));
    var ctl = el('div', 'controls');
    var first = el('button', 'first', '\\u00AB'), prev = el('button', 'prev', '\\u25C0'), \
next = el('button', 'next', '\\u25B6'), last = el('button', 'last', '\\u00BB');
    first.title = 'initial configuration'; prev.title = 'previous step'; \
next.title = 'next step'; last.title = 'last step';
    var range = el('input'); range.type = 'range'; range.min = 0; range.max = n;
    [first, prev, range, next, last].forEach(function(x){ ctl.appendChild(x); });
    var where = el('div', 'where'); var view = el('div', 'grids'); var list = el('ol', 'steps');
    h.steps.forEach(function(s, i){
      var li = el('li', (s.failed ? 'failed ' : '') + (s.tail ? 'tail ' : '') + (s.moved ? 'moved' : ''), s.op);
      li.appendChild(el('span', s.result === 'ok' ? 'res' : 'res err', s.result));
      if (s.failed) li.title = 'the property breaks here';
      else if (s.moved) li.title = 'reordered: the other order has another step here';
      s.events.forEach(function(e){ li.appendChild(el('div', 'ev', e)); });
      li.onclick = function(){ go(i + 1); };
      list.appendChild(li);
    });
    box.appendChild(ctl); box.appendChild(where); box.appendChild(view); box.appendChild(list);
    if (h.settled) { box.appendChild(el('div', 'dim', 'at the end, after the bus settles:')); \
var sv = el('div', 'grids'); grids(sv, h.settled); box.appendChild(sv); }
    function go(k){
      k = Math.max(0, Math.min(n, k)); box.dataset.step = k; range.value = k;
      where.textContent = k === 0 ? 'initial configuration' : \
'after step ' + k + ' of ' + n + ': ' + h.steps[k - 1].op + ' \\u2192 ' + h.steps[k - 1].result;
      grids(view, h.frames[k]);
      list.querySelectorAll('li').forEach(function(li, i){ li.classList.toggle('now', i === k - 1); });
    }
    first.onclick = function(){ go(0); }; last.onclick = function(){ go(n); };
    prev.onclick = function(){ go(+box.dataset.step - 1); }; next.onclick = function(){ go(+box.dataset.step + 1); };
    range.oninput = function(){ go(+range.value); };
    steppers.push(go); go(h.start);
  });
  // #step=N shows step N of every counterexample (a link to one moment; also how the tests drive it).
  var m = /step=(\\d+)/.exec(location.hash);
  if (m) steppers.forEach(function(go){ go(+m[1]); });
  document.body.dataset.ready = 'yes';
})();
`;

/** The verdict table: each cell its label in its colour, linked to its counterexample or its policy's error. */
function verdictTable(run: CheckSummary, ids: Map<object, number>, errs: ReadonlyMap<string, string>): string {
  const names = [...new Set(run.cells.map((c) => c.policy))];
  const props = [...new Map(run.cells.map((x) => [x.property.name, x.property])).values()];
  const rows = props.map((p) => {
    const tds = names.map((n) => {
      const cell = run.cells.find((x) => x.policy === n && x.property.name === p.name);
      const id = cell ? ids.get(cell) : undefined;
      const href = id !== undefined ? `#cx-${id}` : cell?.status === 'policy-error' ? errs.get(n) : undefined;
      return verdictCell(cell, href);
    });
    return `<tr><th>${esc(p.name)} (${esc(p.spec)})</th>${tds.join('')}</tr>`;
  });
  const head = `<thead><tr><th>property</th>${names.map((n) => `<th>${esc(n)}</th>`).join('')}</tr></thead>`;
  return `<table class="verdicts" id="verdicts">${head}<tbody>${rows.join('')}</tbody></table>`;
}

const legendEntry = (m: Mark): string =>
  `<span><span class="m m-${MARK_CLASS[m]}">${esc(m)}</span>${esc(MARK_MEANING[m])}</span>`;
const legendHtml = (): string => `<div class="legend">${MARKS.map(legendEntry).join('')}</div>`;

/** How the run searched, as the text report's heading says it. */
const what = (run: CheckSummary): string =>
  run.engine === 'random' ? `seed ${run.seed}, up to ${run.runs} cases per policy` : 'exhaustive breadth-first search';

/** How the counterexample was found: the random engine's case and shrinking, or the search's shortest trace. */
const found = (f: Finding): string => {
  if (f.engine === 'exhaustive') {
    const ops = Math.max(f.ops.length, f.other?.length ?? 0);
    return `a shortest trace: ${ops} ops; found after ${f.states} states (${f.ms} ms).`;
  }
  const how = `${esc(foundWhere(f.seed, f.path))}; ${f.ops.length} ops after shrinking.`;
  return `found after ${f.cases} cases; ${how}`;
};

/** One history's placeholder; the page's script draws it. */
const historyDiv = (cx: number, h: number): string => `<div class="history" data-cx="${cx}" data-h="${h}"></div>`;

/** The report page; its heading ends with the run's closing line. */
export function reportHtml(run: CheckSummary, policies: readonly Policy[]): string {
  const ids = new Map<object, number>();
  const data: unknown[] = [];
  const sections: string[] = [];
  const shared: string[] = [];
  for (const cell of run.cells) {
    const f = cell.found;
    if (!f) continue;
    if (cell.status === 'inherited' || cell.status === 'fixed') {
      shared.push(`<li>${esc(sharedLine(cell))}</li>`);
      continue;
    }
    const policy = policies.find((p) => p.name === cell.policy)!;
    const ex = explain(
      {
        trace: foundTrace(run.scope, policy.name, f.ops, run.start),
        property: cell.property,
        other: f.other,
        tail: f.tail,
      },
      policy,
      f,
    );
    const i = data.length;
    ids.set(cell, i);
    const cx = cxJson(ex);
    data.push(cx);
    const moved = cx.some((h) => h.steps.some((x) => x.moved))
      ? ' The two orders side by side: the reordered steps are marked (orange, "moved").'
      : '';
    const tag = cell.expected ? '<span class="tag expected">expected</span>' : '<span class="tag new">NEW</span>';
    const own = cell.base !== undefined ? `<p class="dim">${esc(cell.base)} holds on this trace.</p>` : '';
    sections.push(
      `<section class="cx" id="cx-${i}">` +
        `<h2>${esc(cell.policy)}: ${esc(cell.property.name)} (${esc(cell.property.spec)}) violated ${tag}</h2>` +
        `<p>${esc(cell.property.statement)}</p><p class="reason">${esc(f.reason)}</p>${own}` +
        (cell.expected
          ? `<p class="dim">why expected (${esc(cell.expected.kind)}): ${esc(cell.expected.why)}</p>`
          : '') +
        `<p class="dim">${found(f)}` +
        (f.tail ? ' The last steps (purple) are the disturbance and its undoing.' : '') +
        moved +
        `</p><p>initial: ${esc(ex.initial.join(' '))}</p>` +
        `<div class="histories">${ex.histories.map((_, h) => historyDiv(i, h)).join('')}</div></section>`,
    );
  }
  const s = run.scope;
  const scope = `${s.adapters} adapters × ${s.domains} domains × ${s.control_domains} control domains`;
  const json = JSON.stringify(data).replace(/</g, '\\u003c');
  const base =
    run.base === undefined
      ? ''
      : `<p class="meta">Against the base ${esc(run.base)}: new (violated, and ${esc(run.base)} holds on the same ` +
        `trace), inherited (${esc(run.base)} violates it on the same trace too: not a failure), fixed ` +
        `(${esc(run.base)} violates it, the variant holds on that trace).</p>\n`;
  // Each policy error in full, the policy-error cells of its policy linked to it.
  const errs = new Map<string, string>();
  const errHtml = policyErrors(run).map((e, k) => {
    errs.set(e.checked, `#pe-${k}`);
    return policyErrorHtml(run, e, `pe-${k}`, policies);
  });
  const sharedHtml = shared.length === 0 ? '' : `<h2>Inherited and fixed</h2><ul>${shared.join('')}</ul>\n`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>apmc check report</title><style>${CSS}</style></head>
<body>
<h1>apmc check</h1>
<p class="meta">${what(run)}, scope ${scope}, ${s.mdevs} mdevs, ${s.vms} VMs. ${esc(run.closing)}</p>
${base}${verdictTable(run, ids, errs)}
<p class="dim">Click a violation to see its counterexample, a policy error to see its trace.</p>
${verdictLegend(run.base !== undefined)}
<h2>Budget</h2>${budgetHtml(run)}
${errHtml.join('\n')}
<h2>Grids</h2><p class="dim">A row per adapter, a column per domain, a cell per APQN, as seen from one mdev \
(or from a VM without an mdev). Step through each trace with the buttons, the slider or a click on a step; \
the grids show the state after that step.</p>
${legendHtml()}
${sharedHtml}${sections.join('\n') || '<p>No counterexample.</p>'}
<script type="application/json" id="apmc-data">${json}</script>
<script>${SCRIPT}</script>
</body></html>
`;
}
