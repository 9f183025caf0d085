/** Plain-text layout helpers: visible width (colour codes are invisible), wrapping, blocks side by side. */
import { pad, width, wrap } from './term.ts';

/** The width a string takes on a terminal (colour codes take none); see term.ts. */
export const visible = width;

export { pad, wrap };

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
      out.push(
        row
          .map((b, j) => (j === row.length - 1 ? (b[i] ?? '') : pad(b[i] ?? '', ws[j]! + gap)))
          .join('')
          .trimEnd(),
      );
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
