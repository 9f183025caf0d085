/**
 * The two ways text reaches a replay script (render/sh*.ts), and the only two: as a shell word (shWord),
 * and as text on one line, for a comment or a message the script prints (shLine). Every string that comes
 * from data (a note, a property or policy name, a policy summary, a file name, a trace comment, a mask
 * value, an mdev or guest name) goes through one of them; a message is shLine first, then shWord.
 */

/**
 * What may not stand raw on a line of a script: control characters (C0, DEL, C1: newline and CR end a
 * line, U+0085 does in some editors, ESC drives the terminal), format characters (bidi overrides and
 * isolates, zero-width characters, BOM: the line would show other than it reads), the line and paragraph
 * separators U+2028/U+2029, and lone surrogates (no UTF-8 for them).
 */
const UNSAFE = '\\p{Cc}\\p{Cf}\\p{Zl}\\p{Zp}\\p{Cs}';
const UNSAFE_IN_LINE = new RegExp(`[${UNSAFE}\\\\]`, 'gu');
/** In a word a newline may stay inside the quotes (it is the one such character that printf cannot give back). */
const UNSAFE_IN_WORD = new RegExp(`(?:(?!\\n)[${UNSAFE}])+`, 'gu');

/** One character as an escape: \xHH below U+0100, \u{H…} above; a backslash as \\. */
function escapeChar(c: string): string {
  if (c === '\\') return '\\\\';
  const cp = c.codePointAt(0)!;
  return cp < 0x100 ? `\\x${cp.toString(16).padStart(2, '0')}` : `\\u{${cp.toString(16)}}`;
}

/**
 * `s` as one printable line: each character that could end the line or change how it shows becomes an
 * escape (\x0a, \x1b, \u{2028}), and a backslash \\, so that the escaping can be read back. For a comment
 * (`# ${shLine(s)}` can never end early) and for text the script prints (shWord(shLine(s))).
 */
export function shLine(s: string): string {
  return s.replace(UNSAFE_IN_LINE, escapeChar);
}

/** A comment line holding `s`. */
export const shComment = (s: string): string => (s === '' ? '#' : `# ${shLine(s)}`);

const single = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;
/** printf's octal escapes for the UTF-8 bytes of `s` (lone surrogates as U+FFFD, as the script file has them). */
const octal = (s: string): string =>
  [...Buffer.from(s, 'utf8')].map((b) => `\\${b.toString(8).padStart(3, '0')}`).join('');

/**
 * A shell word whose value is exactly `s`: single quotes, each ' written as '\''. Characters that may not
 * stand raw on a line (see UNSAFE; a newline aside) are spliced in as "$(printf '\ooo')", so a reviewer's
 * terminal never receives them from the script's text. No shell variable can hold NUL: a RangeError.
 */
export function shWord(s: string): string {
  if (s.includes('\0')) throw new RangeError('a shell word cannot hold a NUL byte');
  let out = '';
  let from = 0;
  for (const m of s.matchAll(UNSAFE_IN_WORD)) {
    if (m.index > from) out += single(s.slice(from, m.index));
    out += `"$(printf '${octal(m[0])}')"`;
    from = m.index + m[0].length;
  }
  if (from < s.length || out === '') out += single(s.slice(from));
  return out;
}
