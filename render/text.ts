/** `apmc explain` as plain text within 80 columns (colour only when the caller's chalk has it). */
import type { ChalkInstance } from 'chalk';
import { formatEvent } from '../model/events.ts';
import type { Explanation, HistoryView, StepView } from './explain.ts';
import { gridLines, LEGEND, type Grid } from './grid.ts';
import { pad, sideBySide, visible, wrap } from './layout.ts';
import { clip, oneLine, wrapLine } from './term.ts';
import { pushAll } from '../trace/arrays.ts';

export interface TextOptions {
  /** Print the verdict, statement, reason and note first (apmc check prints its own). */
  readonly header: boolean;
  /** What is explained, for the header: a file name. */
  readonly title?: string;
  readonly width?: number;
  /** Print the grid legend at the end (default true; apmc check prints it once for all). */
  readonly legend?: boolean;
}

const GRID_INDENT = '      ';

/** Step numbers as runs: `step 3`, `steps 3, 5–7`. */
function stepList(ns: readonly number[]): string {
  const runs: string[] = [];
  for (let i = 0; i < ns.length; ) {
    let j = i;
    while (j + 1 < ns.length && ns[j + 1] === ns[j]! + 1) j++;
    runs.push(j === i ? `${ns[i]}` : `${ns[i]}–${ns[j]}`);
    i = j + 1;
  }
  return `${ns.length === 1 ? 'step' : 'steps'} ${runs.join(', ')}`;
}

/** The verdict line: what was checked and what came out. */
export function verdictLine(ex: Explanation): string {
  const p = ex.property;
  const what = p ? `${p.name} (${p.spec}) under ${oneLine(ex.policy)}` : `under ${oneLine(ex.policy)}`;
  const at = ex.violatedSteps?.length ? ` after ${stepList(ex.violatedSteps)} of ${ex.histories[0]?.steps.length}` : '';
  if (ex.violation) return `${what}: violated${at}${ex.expect === 'holds' ? ' (recorded as holding!)' : ''}`;
  if (!p) return `${what}: no state or step property is violated`;
  const recorded =
    ex.expect === 'violates' ? ' (recorded as violated!)' : ex.expect === 'holds' ? ' (as recorded)' : '';
  return `${what}: holds${recorded}`;
}

function header(c: ChalkInstance, ex: Explanation, o: TextOptions, width: number): string[] {
  const v = verdictLine(ex);
  // The file name is shown in prose: a path too long for the line keeps its start and end (clip).
  const title = o.title ? clip(oneLine(o.title), width - 1) : undefined;
  const whole = title ? `${title}: ${v}` : v;
  const lines = visible(whole) <= width || !title ? wrap(whole, width, '  ', '') : [`${title}:`, ...wrap(v, width)];
  const out = lines.map((l) => c.bold(l));
  if (ex.property) pushAll(out, wrap(ex.property.statement, width, '  '));
  if (ex.violation)
    pushAll(
      out,
      wrap(oneLine(ex.violation.reason), width, '  ').map((l) => c.bold(l)),
    );
  if (ex.note)
    pushAll(
      out,
      wrap(`note: ${oneLine(ex.note)}`, width, '  ').map((l) => c.dim(l)),
    );
  return out;
}

const res = (c: ChalkInstance, r: string) => (r === 'ok' ? c.green(r) : c.red(oneLine(r)));

function grids(c: ChalkInstance, gs: readonly Grid[], width: number, prefix = ''): string[] {
  if (gs.length === 0) return [GRID_INDENT + c.dim('(no mdev, no guest)')];
  const blocks = gs.map((g) => gridLines(c, { ...g, title: prefix + g.title }));
  return sideBySide(blocks, width - GRID_INDENT.length).map((l) => (l === '' ? l : GRID_INDENT + l));
}

/** What the derived last steps of a history are (a history property's `tailLabel`). */
const tailLabel = (p: Explanation['property']): string =>
  (p?.kind === 'history' ? p.tailLabel : undefined) ?? 'the derived steps';

/** One history, one step per line; the guest views after every step that changes them. */
function steps(c: ChalkInstance, ex: Explanation, h: HistoryView, width: number): string[] {
  const out: string[] = [];
  const nw = String(h.steps.length).length;
  let ow = 10;
  let rw = 2;
  for (const s of h.steps) [ow, rw] = [Math.max(ow, visible(oneLine(s.op))), Math.max(rw, visible(oneLine(s.result)))];
  ow = Math.min(36, ow);
  const opCol = 2 + nw + 2;
  for (const s of h.steps) {
    if (s.tail && !h.steps[s.n - 2]?.tail) out.push(c.bold(`  -- ${tailLabel(ex.property)} --`));
    const mark = s.failed ? c.red.bold('>') : ' ';
    const head = `${mark} ${String(s.n).padStart(nw)}  ${pad(oneLine(s.op), ow)}  ${pad(res(c, s.result), rw)}`;
    const comment = s.comment ? oneLine(s.comment) : '';
    const note = comment ? `  # ${comment}` : '';
    if (note && visible(head) + visible(note) <= width) out.push(head + c.dim(note));
    else {
      // An operation too long for its column wraps at its spaces, under itself.
      pushAll(out, wrapLine(head.trimEnd(), width, ' '.repeat(opCol + 2)));
      if (note)
        pushAll(
          out,
          wrap(`# ${comment}`, width, ' '.repeat(opCol)).map((l) => c.dim(l)),
        );
    }
    // The kernel's lines, as dmesg would show them, under the step.
    for (const e of s.events) {
      pushAll(
        out,
        wrap(`! ${oneLine(formatEvent(e))}`, width, ' '.repeat(opCol + 2), ' '.repeat(opCol)).map((l) => c.yellow(l)),
      );
    }
    if (s.failed && ex.violation) {
      const why = `^ ${ex.property?.name ?? ex.violation.property} breaks here: ${oneLine(ex.violation.reason)}`;
      pushAll(
        out,
        wrap(why, width, ' '.repeat(opCol)).map((l) => c.red(l)),
      );
    }
    if (s.changed || s.failed) pushAll(out, grids(c, s.grids, width));
  }
  const last = h.steps.at(-1);
  if (!last || h.settled || !(last.changed || last.failed)) {
    out.push(h.settled ? '  at the end, after the bus settles:' : '  at the end:');
    pushAll(out, grids(c, h.final, width));
  }
  return out;
}

/** Two histories next to each other when every line fits half the width; '*' marks where they differ. */
function twoHistories(c: ChalkInstance, a: HistoryView, b: HistoryView, width: number): string[] {
  const n = Math.max(a.steps.length, b.steps.length);
  const nw = String(n).length;
  const ow = (h: HistoryView) => h.steps.reduce((m, s) => Math.max(m, visible(oneLine(s.op))), 0);
  const line = (s: StepView | undefined, w: number) =>
    s ? `${String(s.n).padStart(nw)}  ${pad(oneLine(s.op), w)}  ${res(c, s.result)}` : '';
  const half = Math.floor((width - 4) / 2);
  const diff = (i: number) => a.steps[i]?.op !== b.steps[i]?.op;
  const out: string[] = [];
  const [wa, wb] = [ow(a), ow(b)];
  const fits = Array.from({ length: n }, (_, i) => i).every(
    (i) => visible(line(a.steps[i], wa)) <= half && visible(line(b.steps[i], wb)) <= half,
  );
  if (fits) {
    out.push(c.bold(pad(`  ${a.label}`, half + 2) + '  ' + b.label) + c.dim('   (* the order differs)'));
    for (let i = 0; i < n; i++)
      out.push(`${diff(i) ? '*' : ' '} ${pad(line(a.steps[i], wa), half)}  ${line(b.steps[i], wb)}`.trimEnd());
  } else {
    for (const [h, w] of [
      [a, wa],
      [b, wb],
    ] as const) {
      out.push(c.bold(`  ${h.label}`) + c.dim('   (* the order differs)'));
      h.steps.forEach((s, i) => {
        pushAll(out, wrapLine(`${diff(i) ? '*' : ' '} ${line(s, Math.min(w, 40))}`, width, ' '.repeat(nw + 6)));
      });
    }
  }
  out.push('', `the guest views at the end${a.settled || b.settled ? ', after the bus settles' : ''}:`);
  pushAll(
    out,
    grids(
      c,
      [
        ...a.final.map((g) => ({ ...g, title: `A: ${g.title}` })),
        ...b.final.map((g) => ({ ...g, title: `B: ${g.title}` })),
      ],
      width,
    ),
  );
  return out;
}

/** The whole explanation as text lines (each at most `width` columns, colour codes aside). */
export function explainText(c: ChalkInstance, ex: Explanation, o: TextOptions): string {
  const width = o.width ?? 80;
  const out: string[] = o.header ? [...header(c, ex, o, width), ''] : [];
  pushAll(out, wrap(`initial: ${oneLine(ex.initial.join(' '))}`, width, '  ', ''));
  out.push('');
  const [a, b] = ex.histories;
  if (a && b) pushAll(out, twoHistories(c, a, b, width));
  else if (a) pushAll(out, steps(c, ex, a, width));
  if (o.legend !== false) out.push('', ...LEGEND.map((l) => c.dim(l)));
  return out.join('\n');
}
