/**
 * A JSON scanner of apmc's own, for what JSON.parse does not say: the line of each value by its path
 * (`format`, `scope.adapters`, `ops[3]`, `ops[3].id` …) for error messages, the offset of the first
 * syntax error (V8's messages give a position only for some errors), and the first key repeated within
 * one object (JSON.parse silently keeps the last). Iterative, with an explicit stack: input nesting never
 * reaches the call stack; nesting deeper than MAX_DEPTH is an error (apmc's own files nest 4 deep).
 */

export const MAX_DEPTH = 100;

/** A key given twice in one object: the key, the line of the repetition and of the first. */
export interface DuplicateKey {
  readonly key: string;
  readonly line: number;
  readonly first: number;
}

export type JsonScan =
  | { readonly lines: ReadonlyMap<string, number>; readonly duplicate: DuplicateKey | null }
  | { readonly error: string; readonly offset: number };

class Stop {
  readonly error: string;
  readonly offset: number;
  constructor(error: string, offset: number) {
    this.error = error;
    this.offset = offset;
  }
}

interface Frame {
  readonly array: boolean;
  readonly path: string;
  /** Objects: each key and the line it is on. */
  readonly keys: Map<string, number> | null;
  /** Arrays: the index of the next element. */
  n: number;
}

const STRING_RUN = /[^"\\\x00-\x1f]*/y;
const SCALAR = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null/y;

/**
 * Scan `text` as JSON. `want` says which values' lines to record in `lines`: all (true, the default),
 * none (false: cheaper on large files), or the paths in a set, in which case the scan ends as soon as
 * it has seen them all (so its result then says nothing about the rest of the text).
 */
export function scanJson(text: string, want: boolean | ReadonlySet<string> = true): JsonScan {
  const lines = new Map<string, number>();
  const paths = want !== false;
  const some = typeof want === 'object' ? want : null;
  let duplicate: DuplicateKey | null = null;
  let i = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new Stop(i >= text.length ? 'unexpected end of JSON' : `${what}, found ${JSON.stringify(text[i])}`, i);
  };
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) line++;
      else if (c !== 32 && c !== 9 && c !== 13) break;
    }
  };
  /** A string at text[i] === '"'; its value when `decode`. */
  const str = (decode: boolean): string => {
    const start = i++;
    let escaped = false;
    for (;;) {
      STRING_RUN.lastIndex = i;
      STRING_RUN.test(text);
      i = STRING_RUN.lastIndex;
      if (i >= text.length) return fail('unterminated string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        if (!decode) return '';
        return escaped ? (JSON.parse(text.slice(start, i)) as string) : text.slice(start + 1, i - 1);
      }
      if (c < 0x20) fail('control character in a string');
      // A backslash.
      escaped = true;
      const e = text[++i];
      if (e === 'u') {
        if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
        i += 5;
      } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('bad escape');
      else i++;
    }
  };
  const stack: Frame[] = [];
  /** The path of the value that comes next in the innermost container (or '' at the top). */
  let path = '';
  try {
    for (;;) {
      // A value at `path`.
      ws();
      if (paths && path !== '' && (some === null || some.has(path))) {
        lines.set(path, line);
        if (some !== null && lines.size === some.size) return { lines, duplicate };
      }
      const c = text[i];
      let closed = false;
      if (c === '{' || c === '[') {
        if (stack.length >= MAX_DEPTH) throw new Stop(`nested more than ${MAX_DEPTH} levels deep`, i);
        const array = c === '[';
        i++;
        stack.push({ array, path, keys: array ? null : new Map(), n: 0 });
        ws();
        if (text[i] === (array ? ']' : '}')) {
          i++;
          stack.pop();
          closed = true;
        }
      } else if (c === '"') {
        str(false);
        closed = true;
      } else {
        SCALAR.lastIndex = i;
        if (!SCALAR.test(text)) fail('expected a value');
        i = SCALAR.lastIndex;
        closed = true;
      }
      // After a complete value: close containers that end here, then find where the next value goes.
      for (;;) {
        const top = stack.at(-1);
        if (top === undefined) {
          ws();
          if (i < text.length) fail('unexpected text after the JSON value');
          return { lines, duplicate };
        }
        if (closed) {
          ws();
          if (text[i] === ',') i++;
          else if (text[i] === (top.array ? ']' : '}')) {
            i++;
            stack.pop();
            continue;
          } else fail(top.array ? "expected ',' or ']'" : "expected ',' or '}'");
        }
        if (top.array) {
          path = paths ? `${top.path}[${top.n}]` : '';
          top.n++;
        } else {
          ws();
          if (text[i] !== '"') fail('expected a property name');
          const keyLine = line;
          const key = str(true);
          const first = top.keys!.get(key);
          if (first !== undefined) duplicate ??= { key, line: keyLine, first };
          else top.keys!.set(key, keyLine);
          ws();
          if (text[i] !== ':') fail("expected ':'");
          i++;
          path = paths ? (top.path === '' ? key : `${top.path}.${key}`) : '';
        }
        break;
      }
    }
  } catch (e) {
    if (e instanceof Stop) return { error: e.error, offset: e.offset };
    throw e;
  }
}

/** The 1-based line of a character offset. */
export const lineAt = (text: string, offset: number): number => {
  let n = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
};

/** A problem about a top-level key: the key, then the unknown key or the field under it, if named. */
const KEY_PROBLEM =
  /^(?:"?)(scope|initial|policy|comments|comments_after|ops|format)(?:"?)(?:[.:]\s*(?:unknown key '(\w+)'|(\w+)))?/;

/**
 * The paths a trace problem may be about, from the way trace/json.ts and trace/check.ts word it
 * (`ops[3]: …`, `scope.adapters: …`, `unknown format …`), longest first.
 */
export function problemPaths(problem: string): string[] {
  const candidates: string[] = [];
  const op = /^ops\[(\d+)\](?:\.(\w+))?(?::\s*\w+\.(\w+):)?/.exec(problem);
  if (op) candidates.push(`ops[${op[1]}].${op[3] ?? op[2] ?? ''}`, `ops[${op[1]}]`, 'ops');
  const key = KEY_PROBLEM.exec(problem);
  if (key) candidates.push(`${key[1]}.${key[2] ?? key[3] ?? ''}`, key[1]!);
  const init = /^initial (adapter|domain|control domain) /.exec(problem);
  if (init) candidates.push(`initial.${init[1]!.replace(' ', '_')}s`, 'initial');
  if (/^unknown format/.test(problem)) candidates.push('format');
  return candidates;
}

/** The line in JSON `text` of the value a trace problem is about (see problemPaths); null if none. */
export function problemLine(text: string, problem: string): number | null {
  const candidates = problemPaths(problem);
  if (candidates.length === 0) return null;
  const scan = scanJson(text, new Set(candidates));
  if (!('lines' in scan)) return null;
  for (const c of candidates) {
    const l = scan.lines.get(c);
    if (l !== undefined) return l;
  }
  return null;
}
