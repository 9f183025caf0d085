/**
 * Parts of the HTML report (render/report.ts): the one escaping function for HTML, each verdict's label and
 * colour, the verdict table and its legend, the budget of each policy, and each policy error with its trace.
 */
import type { CheckSummary } from '../check/summary.ts';
import type { Cell, Status } from '../check/verdict.ts';
import type { Op } from '../model/ops.ts';
import type { Policy } from '../model/policy.ts';
import { foundWhere, progressLine, searchLine } from './budget.ts';
import { faultSteps } from './fault.ts';

/** The one escaping function for data in the page: text and attribute values alike. */
export const esc = (s: string): string => s.replace(/[&<>"']/g, (ch) => `&#${ch.charCodeAt(0)};`);

/** A verdict cell's status, or `none` (not checked): its label in the table, and what it means. */
export type CellClass = Status | 'none';

export const VERDICT_LABEL: Readonly<Record<CellClass, readonly [string, string]>> = {
  holds: ['holds', 'no violation found'],
  'as-expected': ['violated, expected', 'a violation recorded as expected'],
  new: ['NEW violation', 'a violation not recorded as expected'],
  missing: ['expected, not found', 'an expected violation was not found'],
  vacuous: ['vacuous', 'never exercised: no case reached what it speaks of'],
  unknown: ['unknown', 'stopped before it was decided'],
  'policy-error': ['policy error', 'the policy misbehaved: its error is below'],
  inherited: ['inherited', 'the base violates it on the same trace (not a failure)'],
  fixed: ['fixed', 'the base violates it; this policy holds on that trace'],
  none: ['not checked', 'not in this run'],
};

/** The verdict cells' colours: each status its own, none of them blank. */
export const VERDICT_CSS = `
.v{white-space:nowrap;font-weight:600} .v a{color:inherit}
.st-holds{background:#e8f5e9;color:#1b5e20} .st-as-expected{background:#ffe9a8;color:#6d4c00}
.st-new{background:#c62828;color:#fff} .st-missing{background:#f8bbd0;color:#880e4f}
.st-vacuous{background:#dfe7fd;color:#1a3a8f;font-style:italic} .st-unknown{background:#e0e0e0;color:#424242}
.st-policy-error{background:#4a148c;color:#fff} .st-inherited{background:#efe0d0;color:#5d4037}
.st-fixed{background:#b2dfdb;color:#004d40} .st-none{background:#fff;color:#757575;border-style:dashed}
table.vlegend{border-collapse:collapse;margin:6px 0 14px;font-size:13px} \
.vlegend td{border:1px solid #ccc;padding:2px 8px}
section.pe{border:2px solid #4a148c;border-radius:6px;padding:12px 16px;margin:18px 0}
section.pe .msg{font-family:ui-monospace,monospace;white-space:pre-wrap;background:#f3e5f5;padding:6px 8px}
ol.fault li.faulted{background:#4a148c;color:#fff;font-weight:bold} ol.fault li.faulted .res{color:#fff} \
ol.fault li.faulted::marker{color:#4a148c}
ul.budget{font-family:ui-monospace,monospace;font-size:13px;color:#444;padding-left:20px}
ol.steps li.moved{background:#ffe0b2;box-shadow:inset 4px 0 #ef6c00} \
ol.steps li.moved::after{content:' moved';color:#e65100;font-size:11px}
`;

/** The class of a cell: its status, or none. */
export const cellClass = (x: Cell | undefined): CellClass => x?.status ?? 'none';

/** One verdict cell: its label in its colour, linked to its counterexample or policy error (`href`). */
export function verdictCell(x: Cell | undefined, href: string | undefined): string {
  const k = cellClass(x);
  const [label, meaning] = VERDICT_LABEL[k];
  const text = esc(label);
  const inner = href !== undefined ? `<a href="${esc(href)}">${text}</a>` : text;
  return `<td class="v st-${k}" title="${esc(meaning)}">${inner}</td>`;
}

/** The table's legend: each verdict's label in its colour, and what it means. */
export function verdictLegend(base: boolean): string {
  const rows = (Object.keys(VERDICT_LABEL) as CellClass[])
    .filter((k) => base || (k !== 'inherited' && k !== 'fixed'))
    .map((k) => `<tr><td class="v st-${k}">${esc(VERDICT_LABEL[k][0])}</td><td>${esc(VERDICT_LABEL[k][1])}</td></tr>`);
  return `<table class="vlegend" id="verdict-legend"><tbody>${rows.join('')}</tbody></table>`;
}

/** How much was checked per policy: the cases of an exploration or the states of a search, and what bounded it. */
export function budgetHtml(run: CheckSummary): string {
  const lines =
    run.engine === 'random' ? run.policies.map((r) => progressLine(r)) : run.policies.map((x) => searchLine(x));
  for (const x of run.cells) if (x.bound) lines.push(`${x.policy}: ${x.property.name} unknown: ${x.bound}`);
  return `<ul class="budget" id="budget">${lines.map((l) => `<li>${esc(l)}</li>`).join('')}</ul>`;
}

/** A policy error of a run: whose, in which policy's check, the message, the trace, how it was found. */
export interface PolicyErrorView {
  readonly checked: string;
  readonly policy: string;
  readonly callback: string;
  readonly kind: string;
  readonly message: string;
  readonly ops: readonly Op[];
  readonly at: number;
  readonly found: string;
}

/** Every policy error of the run, in the order of its policies. */
export function policyErrors(run: CheckSummary): PolicyErrorView[] {
  if (run.engine === 'random') {
    return run.policies.flatMap((r) => {
      const e = r.exploration.policyError;
      if (!e) return [];
      const found = `found after ${e.afterRuns} cases; ${foundWhere(e.seed, e.path)}; ${e.ops.length} ops`;
      return [{ checked: r.policy, ...e, found: `${found} after shrinking` }];
    });
  }
  return run.policies.flatMap((x) => {
    const e = x.result.policyError;
    if (!e) return [];
    return [{ checked: x.policy, ...e, policy: e.policy ?? x.policy, found: `a shortest trace: ${e.ops.length} ops` }];
  });
}

/** A policy error in full: the message, the callback, and its trace step by step, the faulting step marked. */
export function policyErrorHtml(
  run: CheckSummary,
  e: PolicyErrorView,
  id: string,
  policies: readonly Policy[],
): string {
  const policy = policies.find((p) => p.name === e.policy);
  const step = (op: string, result: string, cls: string, title = '') =>
    `<li${title}>${esc(op)}<span class="${cls}">${esc(result)}</span></li>`;
  const steps = faultSteps(policy, run.scope, e.ops, e.at).map((x) =>
    x.result === null
      ? step(x.op, 'policy error', 'res err', ' class="faulted" title="the policy errs here"')
      : step(x.op, x.result, x.result === 'ok' || x.result === '' ? 'res' : 'res err'),
  );
  const whose = e.policy === e.checked ? esc(e.policy) : `${esc(e.checked)}: its base ${esc(e.policy)}`;
  return (
    `<section class="pe" id="${esc(id)}"><h2>${whose}: policy error</h2>` +
    `<p class="msg">${esc(e.message)}</p>` +
    `<p class="dim">In its ${esc(e.callback)} callback (${esc(e.kind)}). The policy is broken, so its remaining ` +
    `verdicts are policy error. ${esc(e.found[0]!.toUpperCase() + e.found.slice(1))}.</p>` +
    '<p>The trace that makes it err (<code>apmc run</code> replays it):</p>' +
    `<ol class="steps fault">${steps.join('')}</ol>` +
    '</section>'
  );
}
