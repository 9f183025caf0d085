/** Plain-text layout helpers: visible width (colour codes are invisible), wrapping, blocks side by side. */

const ANSI = /\x1b\[[0-9;]*m/g;

/** The width a string takes on a terminal: its length without colour codes. */
export const visible = (s: string): number => s.replace(ANSI, '').length;

/** Pad to a visible width. */
export const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - visible(s)));

/**
 * Greedy word wrap of plain text into lines of at most `width` (a longer word gets a line of its own),
 * every line starting with `indent`, or the first with `first`.
 */
export function wrap(text: string, width: number, indent = '', first = indent): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (line === '') line = (out.length === 0 ? first : indent) + word;
    else if (line.length + 1 + word.length <= width) line += ' ' + word;
    else {
      out.push(line);
      line = indent + word;
    }
  }
  if (line !== '') out.push(line);
  return out;
}

/**
 * Blocks of lines (e.g. grids) next to each other, `gap` columns apart, as many per row as fit in
 * `width`; the rows of blocks one under the other, separated by a blank line.
 */
export function sideBySide(blocks: readonly (readonly string[])[], width: number, gap = 3): string[] {
  const out: string[] = [];
  let row: (readonly string[])[] = [];
  let used = 0;
  const flush = () => {
    if (row.length === 0) return;
    if (out.length > 0) out.push('');
    const ws = row.map((b) => Math.max(0, ...b.map(visible)));
    const h = Math.max(...row.map((b) => b.length));
    for (let i = 0; i < h; i++) {
      out.push(row.map((b, j) => (j === row.length - 1 ? (b[i] ?? '') : pad(b[i] ?? '', ws[j]! + gap))).join('').trimEnd());
    }
    row = [];
    used = 0;
  };
  for (const b of blocks) {
    const w = Math.max(0, ...b.map(visible));
    if (row.length > 0 && used + gap + w > width) flush();
    used += (row.length > 0 ? gap : 0) + w;
    row.push(b);
  }
  flush();
  return out;
}
