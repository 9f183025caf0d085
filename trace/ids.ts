/** Id lists as a kernel developer writes them: `0,1,5`, ranges `0-3`, numbers in base 0 (`0x2c`, `054`). */

/**
 * A number as the kernel's kstrtoul(buf, 0, ...) reads a sysfs write (lib/kstrtox.c): an optional '+',
 * then 0x/0X hex, leading-0 octal or decimal, and at most one trailing newline. null where kstrtoul
 * fails (-EINVAL, or -ERANGE beyond what an id can be).
 */
export function parseNumber(tok: string): number | null {
  // An op carries the parsed id, not the written bytes, so a write kstrtoul refuses cannot be expressed: bad input.
  const m = /^\+?(?:0[xX]([0-9a-fA-F]+)|(0[0-7]*)|([1-9][0-9]*))\n?$/.exec(tok);
  if (!m) return null;
  const n = m[1] !== undefined ? parseInt(m[1], 16) : m[2] !== undefined ? parseInt(m[2], 8) : parseInt(m[3]!, 10);
  return Number.isSafeInteger(n) ? n : null;
}

/** `0,1,4-6` → [0,1,4,5,6]; '' → []. A string describing the problem otherwise. */
export function parseIdList(text: string): number[] | string {
  if (text === '' || text === '-') return [];
  const out = new Set<number>();
  for (const part of text.split(',')) {
    const r = /^([^-]+)(?:-([^-]+))?$/.exec(part);
    const a = r ? parseNumber(r[1]!) : null;
    const b = r?.[2] !== undefined ? parseNumber(r[2]) : a;
    if (a === null || b === null || b < a) return `bad id list '${text}' (expected e.g. 0,1,4-6)`;
    for (let i = a; i <= b && i <= 4096; i++) out.add(i);
  }
  return [...out].sort((x, y) => x - y);
}

/** [0,1,2,5] → `0-2,5`. */
export function formatIdList(ids: readonly number[]): string {
  const sorted = [...new Set(ids)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === sorted[j]! + 1) j++;
    parts.push(j > i + 1 ? `${sorted[i]}-${sorted[j]}` : j === i + 1 ? `${sorted[i]},${sorted[j]}` : `${sorted[i]}`);
    i = j + 1;
  }
  return parts.join(',');
}

/** `aa.dddd` (hex, as sysfs names a queue) → [apid, apqi], or null. */
export function parseApqn(tok: string): [number, number] | null {
  const m = /^([0-9a-fA-F]{2})\.([0-9a-fA-F]{4})$/.exec(tok);
  return m ? [parseInt(m[1]!, 16), parseInt(m[2]!, 16)] : null;
}
