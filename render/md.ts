/** `apmc explain --format md`: Markdown for an issue tracker (a table of steps, fenced grids). */
import { Chalk } from 'chalk';
import type { Explanation, HistoryView } from './explain.ts';
import { gridLines, MARK_MEANING, MARKS, type Grid } from './grid.ts';
import { sideBySide } from './layout.ts';
import { pushAll } from '../trace/arrays.ts';
import { verdictLine } from './text.ts';

const plain = new Chalk({ level: 0 });

/** Table cells: `|` would end the cell, a newline the row. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (s: string): string => '`' + s + '`';

function fence(gs: readonly Grid[], prefix = ''): string[] {
  const blocks = gs.map((g) => gridLines(plain, { ...g, title: prefix + g.title }));
  return ['```text', ...(gs.length ? sideBySide(blocks, 80) : ['(no mdev, no guest)']), '```'];
}

function oneHistory(ex: Explanation, h: HistoryView): string[] {
  const out = ['| # | operation | result | |', '|---:|---|---|---|'];
  for (const s of h.steps) {
    const what = [
      s.tail && !h.steps[s.n - 2]?.tail ? 'disturbance starts' : '',
      s.failed ? `**${cell(ex.violation?.property ?? '')} breaks here**` : '',
      s.comment ? cell(s.comment) : '',
    ].filter((x) => x !== '');
    out.push(`| ${s.n} | ${code(s.op)} | ${s.result} | ${what.join('; ')} |`);
  }
  // The guest views after the steps that change them, packed side by side in one block: `#5 m1 (vm1)`
  // is m1's grid after step 5.
  const shown = h.steps.filter((s) => s.changed || s.failed).flatMap((s) => s.grids.map((g) => ({ ...g, title: `#${s.n} ${g.title}` })));
  const last = h.steps.at(-1);
  const end = !last || h.settled || !(last.changed || last.failed) ? h.final.map((g) => ({ ...g, title: `end ${g.title}` })) : [];
  out.push('', 'Guest views after the steps that change them (`#n`: after step n; `end`: at the end' + (h.settled ? ', after the bus settles' : '') + '):', '');
  pushAll(out, fence([...shown, ...end]));
  return out;
}

function twoHistories(a: HistoryView, b: HistoryView): string[] {
  const out = [`| # | ${a.label} | result | ${b.label} | result |`, '|---:|---|---|---|---|'];
  const n = Math.max(a.steps.length, b.steps.length);
  for (let i = 0; i < n; i++) {
    const x = a.steps[i];
    const y = b.steps[i];
    const mark = x?.op !== y?.op ? ' *' : '';
    out.push(`| ${i + 1}${mark} | ${x ? code(x.op) : ''} | ${x?.result ?? ''} | ${y ? code(y.op) : ''} | ${y?.result ?? ''} |`);
  }
  out.push('', '`*` the order differs.', '', 'The guest views at the end, after the bus settles:', '');
  pushAll(out, fence([...a.final.map((g) => ({ ...g, title: `A: ${g.title}` })), ...b.final.map((g) => ({ ...g, title: `B: ${g.title}` }))]));
  return out;
}

export function explainMarkdown(ex: Explanation, title: string): string {
  const out = [`### ${cell(title)}: ${verdictLine(ex)}`, ''];
  if (ex.property) out.push(`*${ex.property.statement}*`, '');
  if (ex.violation) out.push(`> ${ex.violation.reason}`, '');
  if (ex.note) out.push(`Note: ${ex.note}`, '');
  out.push(`Initial configuration: ${ex.initial.join(' ')}`, '');
  const [a, b] = ex.histories;
  if (a && b) pushAll(out, twoHistories(a, b));
  else if (a) pushAll(out, oneHistory(ex, a));
  out.push('', `Grids: adapters as rows, domains as columns (hex). ${MARKS.map((m) => `\`${m}\` ${MARK_MEANING[m]}`).join('; ')}.`, '');
  return out.join('\n');
}
