/**
 * Text for a terminal: the one escaping function for data shown there (`oneLine`), the width a string
 * takes in terminal columns, and fitting data and prose into lines of at most 80 columns.
 */

/** The width apmc's text output keeps to. */
export const WIDTH = 80;

/**
 * Characters that must not reach a terminal raw: C0 controls (newline, carriage return, escape),
 * DEL, C1 controls (U+009B is a CSI on some terminals), and the invisible format characters that
 * reorder or hide text (bidirectional overrides and isolates, zero-width spaces and joiners, the
 * line and paragraph separators, the byte order mark), and lone surrogates (a JSON string may hold one;
 * a terminal shows garbage for it). With the `u` flag a well-formed surrogate pair is one code point and
 * does not match.
 */
const UNSAFE =
  /[\x00-\x1f\x7f-\x9f\u00ad\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff]/gu;

/** One line, whatever the data held: each unsafe character is shown escaped (`\x0a`, `\u202e`). */
export const oneLine = (s: string): string =>
  s.replace(UNSAFE, (ch) => {
    const n = ch.charCodeAt(0);
    return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
  });

const ANSI = /\x1b\[[0-9;]*m/g;

/** Combining marks take no column of their own. */
const ZERO = /^[\p{Mn}\p{Me}]$/u;

/** East Asian wide and fullwidth characters (and emoji) take two columns. */
function wideAt(cp: number): boolean {
  return (
    (cp >= 0x1100 && cp <= 0x115f) ||
    (cp >= 0x2e80 && cp <= 0xa4cf && cp !== 0x303f) ||
    (cp >= 0xac00 && cp <= 0xd7a3) ||
    (cp >= 0xf900 && cp <= 0xfaff) ||
    (cp >= 0xfe30 && cp <= 0xfe4f) ||
    (cp >= 0xff00 && cp <= 0xff60) ||
    (cp >= 0xffe0 && cp <= 0xffe6) ||
    (cp >= 0x1f300 && cp <= 0x1f64f) ||
    (cp >= 0x1f900 && cp <= 0x1f9ff) ||
    (cp >= 0x20000 && cp <= 0x3fffd)
  );
}

function charWidth(ch: string): number {
  const cp = ch.codePointAt(0)!;
  // Below U+0300 (the first combining mark) every character takes one column.
  if (cp < 0x300) return 1;
  if (ZERO.test(ch)) return 0;
  return wideAt(cp) ? 2 : 1;
}

/** The columns a string takes on a terminal: colour codes take none, wide characters two. */
export function width(s: string): number {
  const t = s.includes('\x1b') ? s.replace(ANSI, '') : s;
  let n = 0;
  // By code unit, with a fast path below U+0300: an error line may quote megabytes of data.
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c < 0x300) n++;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < t.length && (t.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += charWidth(t.slice(i, i + 2));
      i++;
    } else n += charWidth(t[i]!);
  }
  return n;
}

/** Pad with spaces to a width in columns. */
export const pad = (s: string, w: number): string => s + ' '.repeat(Math.max(0, w - width(s)));

/** The longest start of `s` (plain text) within `w` columns. */
function head(s: string, w: number): string {
  let out = '';
  let n = 0;
  for (const ch of s) {
    const cw = charWidth(ch);
    if (n + cw > w) break;
    out += ch;
    n += cw;
  }
  return out;
}

/** The longest end of `s` (plain text) within `w` columns: walked from the end, so a huge value costs only its tail. */
function tail(s: string, w: number): string {
  let n = 0;
  let i = s.length;
  while (i > 0) {
    const lo = s.charCodeAt(i - 1);
    const pair =
      i > 1 && lo >= 0xdc00 && lo <= 0xdfff && s.charCodeAt(i - 2) >= 0xd800 && s.charCodeAt(i - 2) <= 0xdbff;
    const ch = s.slice(pair ? i - 2 : i - 1, i);
    const cw = charWidth(ch);
    if (n + cw > w) break;
    n += cw;
    i -= ch.length;
  }
  return s.slice(i);
}

/** Whether `s` (plain text) takes more than `w` columns; stops counting once it does. */
function wider(s: string, w: number): boolean {
  let n = 0;
  for (const ch of s) if ((n += charWidth(ch)) > w) return true;
  return false;
}

/**
 * A data value (plain text) shown in prose, within `w` columns: an over-long one keeps its start and
 * its end around an ellipsis. Not for values the user must copy (paths in error lines, saved files).
 */
export function clip(s: string, w: number): string {
  if (!wider(s, w)) return s;
  if (w <= 1) return '…'.slice(0, Math.max(0, w));
  const left = Math.ceil((w - 1) / 2);
  return head(s, left) + '…' + tail(s, w - 1 - left);
}

/**
 * Greedy word wrap of plain text into lines of at most `w` columns, every line starting with
 * `indent`, or the first with `first`. A word longer than a line is cut into pieces that fit.
 */
export function wrap(text: string, w: number, indent = '', first = indent): string[] {
  const out: string[] = [];
  let line = '';
  let lineW = 0;
  const start = () => {
    line = out.length === 0 ? first : indent;
    lineW = width(line);
  };
  for (let word of text.split(/\s+/).filter((x) => x !== '')) {
    let ww = width(word);
    if (line !== '' && lineW + 1 + ww <= w) {
      line += ' ' + word;
      lineW += 1 + ww;
      continue;
    }
    if (line !== '') out.push(line);
    start();
    // A word wider than a whole line: as much as fits on each line.
    while (lineW + ww > w && w - lineW >= 1) {
      const piece = head(word, w - lineW);
      if (piece === '') break;
      out.push(line + piece);
      start();
      word = word.slice(piece.length);
      ww -= width(piece);
    }
    line += word;
    lineW += ww;
  }
  if (line !== '' && width(line) > width(out.length === 0 ? first : indent)) out.push(line);
  return out;
}

/**
 * One line of text as it is when it fits `w` columns, else wrapped at its spaces (runs of spaces
 * become one), continuation lines indented by `indent` (default: the first line's indent plus two).
 */
export function wrapLine(text: string, w: number = WIDTH, indent?: string): string[] {
  if (width(text) <= w) return [text];
  const lead = /^ */.exec(text)![0];
  return wrap(text, w, indent ?? lead + '  ', lead);
}

/**
 * The text of an error line, `apmc: <message>`: one line, data escaped. Over 80 columns, the data
 * in it is clipped in its middle (quoted values, then other long words), except the paths in `keep`
 * and words holding one: a path stays whole because the user copies it, so only a path makes an
 * error line longer than 80 columns. Prose still too long (a policy's own message) loses its end.
 */
export function errorLine(message: string, keep: readonly string[] = []): string {
  let line = `apmc: ${oneLine(message)}`;
  const kept = [...new Set(keep.map(oneLine))].filter((p) => p !== '' && line.includes(p));
  const spare = kept.reduce((m, p) => m + width(p), 0);
  const held = (s: string) => kept.some((p) => s.includes(p));
  // Quoted values first ('…' after a space or bracket, before a space, bracket or punctuation; not
  // the suggestion after "did you mean", which is to be copied) down to 12 columns, then any word of
  // more than 24 columns, then quoted values down to 5.
  const passes: [RegExp, number][] = [
    [/(?<=^|[\s(=])(?<!did you mean )'(.+?)'(?=$|[\s),;:.?])/g, 12],
    [/(?<=^|\s)(?<!did you mean )\S{25,}/g, 12],
    [/(?<=^|[\s(=])(?<!did you mean )'(.+?)'(?=$|[\s),;:.?])/g, 5],
  ];
  for (const [data, least] of passes) {
    const over = width(line) - WIDTH - spare;
    if (over <= 0) return line;
    // Values of fewer than 20 columns (names, ids) are never clipped; the last pass clips further
    // what the first clipped.
    const clippable = (v: string) => !held(v) && (least === 5 ? v.includes('…') : width(v) >= 20);
    const found = [...line.matchAll(data)].map((m) => m[0]).filter(clippable);
    let excess = over;
    const fit = new Map<string, string>();
    for (const v of [...new Set(found)].sort((a, b) => width(b) - width(a))) {
      if (excess <= 0) break;
      const target = Math.max(least, width(v) - excess);
      if (target >= width(v)) continue;
      const quoted = v.startsWith("'") && v.endsWith("'") && v.length > 1;
      fit.set(v, quoted ? `'${clip(v.slice(1, -1), target - 2)}'` : clip(v, target));
      excess -= width(v) - width(fit.get(v)!);
    }
    line = line.replace(data, (v) => fit.get(v) ?? v);
  }
  if (width(line) - spare <= WIDTH) return line;
  // The end goes, never a kept path: cut after the last one.
  const after = kept.reduce((m, p) => Math.max(m, line.lastIndexOf(p) + p.length), 0);
  const room = Math.max(1, WIDTH + spare - width(line.slice(0, after)));
  return line.slice(0, after) + head(line.slice(after), room - 1) + '…';
}
