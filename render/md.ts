/** `apmc explain --format md`: Markdown for an issue tracker (a table of steps, fenced grids). */
import { Chalk } from 'chalk';
import { formatEvent } from '../model/events.ts';
import type { Explanation, HistoryView } from './explain.ts';
import { gridLines, MARK_MEANING, MARKS, type Grid } from './grid.ts';
import { sideBySide } from './layout.ts';
import { clip, oneLine, width, wrap, WIDTH } from './term.ts';
import { pushAll } from '../trace/arrays.ts';
import { verdictLine } from './text.ts';

const plain = new Chalk({ level: 0 });

/** Table cells: `|` would end the cell; control characters (a newline would end the row) are escaped. */
const cell = (s: string): string => oneLine(s).replace(/\|/g, '\\|');
const code = (s: string): string => '`' + s + '`';
/**
 * `s` as inline code outside a table: control characters escaped (oneLine), fenced by more backticks than
 * the longest run in it (CommonMark), with spaces when it starts or ends with one.
 */
function inline(s: string): string {
  const t = oneLine(s);
  const run = Math.max(0, ...[...t.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(run + 1);
  return run === 0 ? fence + t + fence : `${fence} ${t} ${fence}`;
}

/** A paragraph within 80 columns (Markdown joins its lines again), every line after the first with `indent`. */
const para = (text: string, first = '', indent = ''): string[] => wrap(text, WIDTH, indent, first);

function fence(gs: readonly Grid[], prefix = ''): string[] {
  const blocks = gs.map((g) => gridLines(plain, { ...g, title: prefix + g.title }));
  return ['```text', ...(gs.length ? sideBySide(blocks, 80) : ['(no mdev, no guest)']), '```'];
}

function oneHistory(h: HistoryView): string[] {
  const out = ['| # | operation | result | |', '|---:|---|---|---|'];
  // A comment that would make its row wider than 80 columns is a numbered note under the table (the
  // whole last cell when even that is too wide).
  const notes: string[] = [];
  let k = 0;
  for (const s of h.steps) {
    const marks = [
      s.tail && !h.steps[s.n - 2]?.tail ? 'disturbance starts' : '',
      // The heading names the property.
      s.failed ? '**breaks here**' : '',
    ].filter((x) => x !== '');
    const comment = s.comment ? [cell(s.comment)] : [];
    const row = (last: readonly string[]) =>
      `| ${s.n} | ${code(cell(s.op))} | ${cell(s.result)} | ${last.join('; ')} |`;
    const note = (text: readonly string[]) => {
      k += 1;
      notes.push(...para(text.join('; '), `[${k}] `, '    '));
      return `[${k}]`;
    };
    if (width(row([...marks, ...comment])) <= WIDTH) out.push(row([...marks, ...comment]));
    else if (comment.length > 0 && width(row([...marks, `[${k + 1}]`])) <= WIDTH) {
      out.push(row([...marks, note(comment)]));
    } else out.push(row([note([...marks, ...comment])]));
  }
  if (notes.length > 0) out.push('', ...notes);
  // The kernel's lines under the table, each as code (a backtick in the text cannot end it: see `inline`).
  // A line break inside inline code reads as a space (CommonMark): long lines wrap like prose.
  const events = h.steps.flatMap((s) =>
    s.events.flatMap((e) => para(`- step ${s.n}: ${inline(formatEvent(e))}`, '', '  ')),
  );
  if (events.length > 0) out.push('', 'Kernel log (WARN, oops, hang and log lines of the steps):', '', ...events);
  // The guest views after the steps that change them, packed side by side in one block: `#5 m1 (vm1)`
  // is m1's grid after step 5.
  const shown = h.steps
    .filter((s) => s.changed || s.failed)
    .flatMap((s) => s.grids.map((g) => ({ ...g, title: `#${s.n} ${g.title}` })));
  const last = h.steps.at(-1);
  const end =
    !last || h.settled || !(last.changed || last.failed) ? h.final.map((g) => ({ ...g, title: `end ${g.title}` })) : [];
  const settled = h.settled ? ', after the bus settles' : '';
  const intro = `Guest views after the steps that change them (\`#n\`: after step n; \`end\`: at the end${settled}):`;
  out.push('', ...para(intro), '');
  pushAll(out, fence([...shown, ...end]));
  return out;
}

function twoHistories(a: HistoryView, b: HistoryView): string[] {
  const n = Math.max(a.steps.length, b.steps.length);
  const mark = (i: number) => (a.steps[i]?.op !== b.steps[i]?.op ? ' *' : '');
  const op = (h: HistoryView, i: number) => (h.steps[i] ? code(cell(h.steps[i].op)) : '');
  let out = [`| # | ${a.label} | result | ${b.label} | result |`, '|---:|---|---|---|---|'];
  const result = (h: HistoryView, i: number) => cell(h.steps[i]?.result ?? '');
  for (let i = 0; i < n; i++) {
    out.push(`| ${i + 1}${mark(i)} | ${op(a, i)} | ${result(a, i)} | ${op(b, i)} | ${result(b, i)} |`);
  }
  // Too wide side by side: one table per history.
  if (out.some((l) => width(l) > WIDTH)) {
    out = [];
    for (const h of [a, b]) {
      if (out.length > 0) out.push('');
      out.push(`| # | ${h.label} | result |`, '|---:|---|---|');
      h.steps.forEach((s, i) => {
        out.push(`| ${i + 1}${mark(i)} | ${op(h, i)} | ${cell(s.result)} |`);
      });
    }
  }
  out.push('', '`*` the order differs.', '', 'The guest views at the end, after the bus settles:', '');
  pushAll(
    out,
    fence([
      ...a.final.map((g) => ({ ...g, title: `A: ${g.title}` })),
      ...b.final.map((g) => ({ ...g, title: `B: ${g.title}` })),
    ]),
  );
  return out;
}

export function explainMarkdown(ex: Explanation, title: string): string {
  // A heading is one line: the file name (prose: clipped in its middle when too long), the verdict
  // under it when both do not fit.
  const head = `### ${cell(title)}: ${verdictLine(ex)}`;
  const split = [`### ${clip(cell(title), WIDTH - 5)}:`, '', ...para(`**${verdictLine(ex)}**`), ''];
  const out = width(head) <= WIDTH ? [head, ''] : split;
  if (ex.property) out.push(...para(`*${ex.property.statement}*`), '');
  if (ex.violation) out.push(...para(oneLine(ex.violation.reason), '> ', '> '), '');
  if (ex.note) out.push(...para(`Note: ${oneLine(ex.note)}`), '');
  out.push(...para(`Initial configuration: ${oneLine(ex.initial.join(' '))}`), '');
  const [a, b] = ex.histories;
  if (a && b) pushAll(out, twoHistories(a, b));
  else if (a) pushAll(out, oneHistory(a));
  const marks = MARKS.map((m) => `\`${m}\` ${MARK_MEANING[m]}`).join('; ');
  out.push('', ...para(`Grids: adapters as rows, domains as columns (hex). ${marks}.`), '');
  return out.join('\n');
}
