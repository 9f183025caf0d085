/**
 * Array helpers for input-sized lists. A spread into a call (`Math.max(...xs)`, `out.push(...xs)`,
 * `of(...ids)`) passes every element as an argument on the stack and throws RangeError from about
 * 100 k elements on: a long trace must never reach one.
 */

/** The largest of `xs`, and at least `floor`. */
export function maxOf(xs: Iterable<number>, floor = -Infinity): number {
  let m = floor;
  for (const x of xs) if (x > m) m = x;
  return m;
}

/** `out.push(...xs)` for a list of any length; returns `out`. */
export function pushAll<T>(out: T[], xs: Iterable<T>): T[] {
  for (const x of xs) out.push(x);
  return out;
}
