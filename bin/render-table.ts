/**
 * The verdict table of `apmc check` and `apmc merge` within 80 columns: a row per property, a column per policy.
 * With words in the cells (`violated*`) while every policy fits side by side; else short cells (`x*`) under
 * numbered columns, with a key naming each column's policy and a legend of the cells.
 */
import type { ChalkInstance } from 'chalk';
import { cellWord, MARK, type Cell } from '../check/verdict.ts';
import { clip, oneLine, pad, width, WIDTH, wrapLine } from '../render/term.ts';

/** A cell's style: new, missing and policy errors in bold red, expected violations yellow, vacuous cyan. */
function styled(c: ChalkInstance, x: Cell, s: string): string {
  if (x.status === 'inherited') return c.yellow(s);
  if (x.status === 'fixed') return c.green(s);
  if (x.status === 'new' || x.status === 'missing' || x.status === 'policy-error') return c.red.bold(s);
  if (x.verdict === 'vacuous') return c.cyan(s);
  if (x.verdict === 'violated') return c.yellow(s);
  return x.verdict === 'unknown' ? c.dim(s) : c.green(s);
}

/** A cell as a word (`violated*`, `vacuous`, `policy error`), coloured. */
export const cellText = (c: ChalkInstance, x: Cell | undefined): string =>
  x ? styled(c, x, cellWord(x)) : c.dim('not checked');

/**
 * A cell in at most 4 columns: `ok` holds, `x` violated, `vac` vacuous, `unk` unknown, `ERR` policy error, with
 * the status's mark (`x*` expected, `X!` new, `ok?` an expected violation not found); against a base `new!`,
 * `inh`, `fix`; `-` not checked. SHORT_LEGEND says the same.
 */
export function shortWord(x: Cell): string {
  if (x.base !== undefined) {
    if (x.status === 'new') return `new${MARK.new}`;
    if (x.status === 'inherited') return 'inh';
    if (x.status === 'fixed') return 'fix';
  }
  if (x.verdict === 'policy-error') return 'ERR';
  const word = { holds: 'ok', vacuous: 'vac', unknown: 'unk', violated: x.status === 'new' ? 'X' : 'x' }[x.verdict];
  return `${word}${MARK[x.status]}`;
}

export const cellShort = (c: ChalkInstance, x: Cell | undefined): string => (x ? styled(c, x, shortWord(x)) : '-');

/** The legend of the word cells, within 80 columns. */
export const MARKS_LEGEND = [
  '* violation expected   ! new violation   ? expected violation not found',
  'unknown: stopped first   vacuous: never exercised',
];

/** The legend of the short cells, within 80 columns. */
export const SHORT_LEGEND = [
  'ok holds  x* violated, expected  X! violated, NEW  vac vacuous (never exercised)',
  'ok? vac? expected violation not found  unk unknown (stopped first)',
  'ERR policy error  - not checked',
];

/** The short legend's line against a base. */
export const SHORT_BASE_LEGEND = 'against the base: new! new  inh inherited  fix fixed';

/**
 * `items` after `head`, joined with ', ', as many on a line as fit within `w` columns: a line breaks between items
 * only (one longer than a line wraps); continuation lines start with `indent`.
 */
export function pack(head: string, items: readonly string[], w = WIDTH, indent = '    '): string[] {
  const out: string[] = [];
  let line = head;
  let fresh = true;
  for (const [i, item] of items.entries()) {
    const text = item + (i < items.length - 1 ? ',' : '');
    if (!fresh && width(line) + 1 + width(text) > w) {
      out.push(line);
      line = indent;
      fresh = true;
    }
    line += (fresh ? '' : ' ') + text;
    fresh = false;
  }
  out.push(line);
  return out.flatMap((l) => wrapLine(l, w, indent));
}

/** The start of the key of a table with short cells. */
const KEY = 'policies: ';

const widest = (xs: readonly string[]): number => xs.reduce((m, x) => Math.max(m, width(x)), 0);

/** Rows under a header, the columns `ks` of `cells`, each `cw` wide, after labels `w0` wide. */
function block(
  labels: readonly string[],
  head: readonly string[],
  cells: readonly (readonly string[])[],
  ks: readonly number[],
  w0: number,
  cw: number,
): string[] {
  const row = (l: string, xs: readonly string[]) => (pad(l, w0) + ks.map((k) => pad(xs[k]!, cw)).join('')).trimEnd();
  return [row('', head), ...labels.map((l, r) => row(l, cells[r]!))];
}

/** Tables of the columns that fit side by side within `w` (the rest in another table under the first). */
function blocks(
  labels: readonly string[],
  head: readonly string[],
  cells: readonly (readonly string[])[],
  w0: number,
  cw: number,
  w: number,
): string[] {
  const per = Math.max(1, Math.floor((w - w0 + 1) / cw));
  const out: string[] = [];
  for (let k0 = 0; k0 < head.length; k0 += per) {
    const ks = head.slice(k0, k0 + per).map((_, i) => k0 + i);
    if (k0 > 0) out.push('');
    out.push(...block(labels, head, cells, ks, w0, cw));
  }
  return out;
}

/**
 * The verdict table within `w` columns (policy names clipped to 24 columns). `cell`: a cell's word; `short`:
 * its short form (at most 4 columns), used when the words of every policy do not fit side by side: then the
 * columns are numbered, and a key before the table names the policy of each number.
 */
export function verdictTable(
  labels: readonly string[],
  policies: readonly string[],
  cell: (row: number, policy: number) => string,
  w = WIDTH,
  short?: (row: number, policy: number) => string,
): string[] {
  const names = policies.map((p) => clip(oneLine(p), 24));
  const words = labels.map((_, r) => policies.map((_, k) => cell(r, k)));
  const w0 = widest(labels) + 2;
  const cw = Math.max(widest(words.flat()), widest(names)) + 2;
  if (!short || w0 + cw * policies.length - 2 <= w) return blocks(labels, names, words, w0, cw, w);
  const cells = labels.map((_, r) => policies.map((_, k) => short(r, k)));
  const head = policies.map((_, k) => String(k + 1));
  const sw = Math.max(widest(cells.flat()), widest(head)) + 1;
  // The labels give way to the columns, down to 24 columns (clipped with an ellipsis); past that, tables stack.
  const l0 = Math.max(24, Math.min(w0, w - sw * policies.length + 1));
  const clipped = labels.map((l) => (width(l) > l0 - 1 ? clip(l, l0 - 1) : l));
  const key = pack(
    KEY,
    names.map((n, k) => `${k + 1} ${n}`),
    w,
    '  ',
  );
  return [...key, '', ...blocks(clipped, head, cells, l0, sw, w)];
}

/** Whether `verdictTable` gave a table with short cells (its legend is SHORT_LEGEND). */
export const shortTable = (table: readonly string[]): boolean => table[0]?.startsWith(KEY) === true;

/** The verdict table of a check run's cells, its legend after it. */
export function cellsTable(
  c: ChalkInstance,
  cells: readonly Cell[],
  base: string | undefined,
  w = WIDTH,
): { table: string[]; legend: string[] } {
  const names = [...new Set(cells.map((x) => x.policy))];
  const props = [...new Map(cells.map((x) => [x.property.name, x.property])).values()];
  const cellOf = (r: number, k: number) =>
    cells.find((x) => x.policy === names[k] && x.property.name === props[r]!.name);
  const table = verdictTable(
    props.map((p) => oneLine(`${p.name} (${p.spec})`)),
    names,
    (r, k) => cellText(c, cellOf(r, k)),
    w,
    (r, k) => cellShort(c, cellOf(r, k)),
  );
  const legend = shortTable(table)
    ? [...SHORT_LEGEND, ...(base !== undefined ? [SHORT_BASE_LEGEND] : [])]
    : MARKS_LEGEND;
  return { table, legend: legend.map((l) => c.dim(l)) };
}
