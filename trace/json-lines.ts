/**
 * Where things are in a JSON text, for error messages that name a line: the line of each value by
 * its path (`format`, `scope.adapters`, `ops[3]`, `ops[3].id` …), and the offset of the first syntax
 * error (V8's messages give a position only for some errors). A small recursive-descent scanner;
 * it gives up (null) on nesting deeper than MAX_DEPTH rather than risk the stack.
 */

const MAX_DEPTH = 100;

export type JsonScan = { readonly lines: ReadonlyMap<string, number> } | { readonly error: string; readonly offset: number };

class Stop {
  readonly error: string;
  readonly offset: number;
  constructor(error: string, offset: number) {
    this.error = error;
    this.offset = offset;
  }
}

export function scanJson(text: string): JsonScan {
  const lines = new Map<string, number>();
  let i = 0;
  let line = 1;
  const fail = (what: string): never => {
    throw new Stop(i >= text.length ? 'unexpected end of JSON' : `${what}, found ${JSON.stringify(text[i])}`, i);
  };
  const ws = () => {
    for (; i < text.length; i++) {
      const c = text[i];
      if (c === '\n') line++;
      else if (c !== ' ' && c !== '\t' && c !== '\r') break;
    }
  };
  const str = (): string => {
    const start = i++;
    for (; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return JSON.parse(text.slice(start, ++i)) as string;
      if (c < 0x20) fail('control character in a string');
      if (c === 0x5c) {
        const e = text[++i];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('bad \\u escape');
          i += 4;
        } else if (e === undefined || !'"\\/bfnrt'.includes(e)) fail('bad escape');
      }
    }
    return fail('unterminated string');
  };
  const value = (path: string, depth: number): void => {
    if (depth > MAX_DEPTH) throw new Stop('nested too deeply', i);
    ws();
    if (path !== '') lines.set(path, line);
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail('expected a property name');
        const key = str();
        ws();
        if (text[i] !== ':') fail("expected ':'");
        i++;
        value(path === '' ? key : `${path}.${key}`, depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === '}') return void i++;
        else fail("expected ',' or '}'");
      }
    }
    if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (let n = 0; ; n++) {
        value(`${path}[${n}]`, depth + 1);
        ws();
        if (text[i] === ',') i++;
        else if (text[i] === ']') return void i++;
        else fail("expected ',' or ']'");
      }
    }
    if (c === '"') return void str();
    const m = /^(?:-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(text.slice(i, i + 400));
    if (!m) fail('expected a value');
    i += m![0].length;
  };
  try {
    value('', 0);
    ws();
    if (i < text.length) fail('unexpected text after the JSON value');
    return { lines };
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

/**
 * The path a trace problem is about, from the way trace/json.ts and trace/check.ts word it
 * (`ops[3]: …`, `scope.adapters: …`, `unknown format …`), longest known path first.
 */
export function problemPath(problem: string, lines: ReadonlyMap<string, number>): number | null {
  const candidates: string[] = [];
  const op = /^ops\[(\d+)\](?:\.(\w+))?(?::\s*\w+\.(\w+):)?/.exec(problem);
  if (op) candidates.push(`ops[${op[1]}].${op[3] ?? op[2] ?? ''}`, `ops[${op[1]}]`, 'ops');
  const key = /^(?:"?)(scope|initial|policy|comments|comments_after|ops|format)(?:"?)(?:[.:]\s*(?:unknown key '(\w+)'|(\w+)))?/.exec(problem);
  if (key) candidates.push(`${key[1]}.${key[2] ?? key[3] ?? ''}`, key[1]!);
  const init = /^initial (adapter|domain|control domain) /.exec(problem);
  if (init) candidates.push(`initial.${init[1]!.replace(' ', '_')}s`, 'initial');
  if (/^unknown format/.test(problem)) candidates.push('format');
  for (const c of candidates) {
    const l = lines.get(c);
    if (l !== undefined) return l;
  }
  return null;
}
