/** The JSON trace format `apmc-trace/1`: the same content as the text format, converting both ways without loss. */
import { FAULTS } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import { DEFAULT_SCOPE, SCOPE_KEYS, type Scope } from '../model/scope.ts';
import { checkTrace } from './check.ts';
import { realFromJson, realToJson } from './real.ts';
import { lineAt, problemLine, scanJson } from './json-lines.ts';
import { InputError, MAX_OPS, TRACE_FORMAT, type InitialHost, type Trace, type TraceStep } from './types.ts';

type Field =
  | 'int'
  | 'str'
  | 'value'
  | 'ints'
  | 'driver'
  | 'driver?'
  | 'fault'
  | 'half?'
  | 'override'
  | 'action'
  | 'resource'
  | 'config'
  | 'async?';
const APQN: Record<string, Field> = { apid: 'int', apqi: 'int' };
const MDEV: Record<string, Field> = { mdev: 'str' };
const ID: Record<string, Field> = { mdev: 'str', id: 'int' };

/** The fields of each op kind (hand-written guards; no schema library). */
const SHAPES: Readonly<Record<Op['kind'], Record<string, Field>>> = {
  apmask: { value: 'value', async: 'async?' },
  aqmask: { value: 'value', async: 'async?' },
  reprobe: { ...APQN, half: 'half?' },
  reset_poll: APQN,
  driver_override: { ...APQN, driver: 'override' },
  bind: { ...APQN, driver: 'driver' },
  unbind: { ...APQN, driver: 'driver?' },
  scan: {},
  scan_start: {},
  scan_step: {},
  scan_complete: {},
  host: { action: 'action', resource: 'resource', id: 'int', async: 'async?' },
  card_config: { apid: 'int', config: 'config' },
  fault: { ...APQN, fault: 'fault' },
  create: MDEV,
  remove: { mdev: 'str', async: 'async?' },
  assign_adapter: ID,
  assign_domain: ID,
  assign_control_domain: ID,
  unassign_adapter: ID,
  unassign_domain: ID,
  unassign_control_domain: ID,
  ap_config: { mdev: 'str', apm: 'ints', aqm: 'ints', adm: 'ints' },
  start: { mdev: 'str', vm: 'str' },
  stop: MDEV,
  vfio_reset: MDEV,
  request: MDEV,
  kvm_gone: MDEV,
};

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isInt = (x: unknown): x is number => Number.isInteger(x) && (x as number) >= 0;
/** Comments as the text format can carry them: one line each, no trailing blanks. */
const isStrs = (x: unknown): x is string[] => Array.isArray(x) && x.every(isComment);
const isComment = (c: unknown): c is string => typeof c === 'string' && !/[\r\n]/.test(c);
const tidy = (cs: readonly string[]): string[] => cs.map((c) => c.trimEnd());

function fieldOk(f: Field, v: unknown): boolean {
  switch (f) {
    case 'int':
      return isInt(v);
    case 'str':
      return typeof v === 'string' && /^[A-Za-z][\w-]*$/.test(v);
    case 'value':
      // What the text format can carry: one word, no '#'.
      return typeof v === 'string' && /^[^\s#]+$/.test(v);
    case 'ints':
      return Array.isArray(v) && v.every(isInt);
    case 'driver':
      return v === 'vfio_ap' || v === 'cex4queue';
    case 'driver?':
      return v === undefined || v === 'vfio_ap' || v === 'cex4queue';
    case 'fault':
      return typeof v === 'string' && (FAULTS as readonly string[]).includes(v);
    case 'half?':
      return v === undefined || v === 'unbind' || v === 'bind';
    case 'override':
      return v === null || v === 'vfio_ap' || v === 'cex4queue';
    case 'action':
      return v === 'add' || v === 'remove';
    case 'resource':
      return v === 'adapter' || v === 'domain' || v === 'control_domain';
    case 'config':
      return v === 0 || v === 1;
    case 'async?':
      return v === undefined || v === true;
  }
}

/** Validate one op object; returns the op (only its own fields) or a problem. */
function parseOp(x: unknown): Op | string {
  if (!isObj(x)) return 'expected an object';
  const kind = x['kind'];
  if (typeof kind !== 'string' || !Object.hasOwn(SHAPES, kind)) return `unknown operation kind ${JSON.stringify(kind)}`;
  const shape = SHAPES[kind as Op['kind']];
  const op: Record<string, unknown> = { kind };
  for (const [k, f] of Object.entries(shape)) {
    if (!fieldOk(f, x[k])) return `${kind}.${k}: bad or missing value ${JSON.stringify(x[k])}`;
    if (x[k] !== undefined) op[k] = x[k];
  }
  for (const k of Object.keys(x)) {
    if (k !== 'kind' && k !== 'comment' && k !== 'comments_before' && !Object.hasOwn(shape, k))
      return `${kind}: unknown field '${k}'`;
  }
  return op as unknown as Op;
}

/** The trace as its JSON document (a plain object; `JSON.stringify` it). */
export function traceToJson(t: Trace): Record<string, unknown> {
  const doc: Record<string, unknown> = { format: TRACE_FORMAT, scope: { ...t.scope } };
  if (t.policy !== null) doc['policy'] = t.policy;
  if (t.initial !== null) doc['initial'] = t.initial;
  if (t.real) doc['real'] = realToJson(t.real);
  if (t.header.length > 0) doc['comments'] = t.header;
  doc['ops'] = t.steps.map((s) => ({
    ...s.op,
    ...(s.comment !== undefined ? { comment: s.comment } : {}),
    ...(s.before ? { comments_before: s.before } : {}),
  }));
  if (t.trailer.length > 0) doc['comments_after'] = t.trailer;
  return doc;
}

/** A key as an error message shows it: quoted, and cut short if long. */
const showKey = (k: string): string =>
  k.length > 40 ? `${JSON.stringify(k.slice(0, 40)).slice(0, -1)}…"` : JSON.stringify(k);

/**
 * JSON.parse for input files: a syntax error, a key repeated within one object (JSON.parse would keep
 * the last silently), nesting deeper than apmc's files ever need, and an empty text are InputErrors
 * naming their line. apmc's own scanner finds them first, so the line does not depend on V8's wording.
 */
export function parseJsonText(input: string, file: string): unknown {
  if (!/[^ \t\r\n]/.test(input)) throw new InputError(file, 1, 'empty file (expected a JSON document)');
  const scan = scanJson(input, false);
  if ('error' in scan) {
    const what = scan.error.startsWith('nested') ? scan.error : `malformed JSON: ${scan.error}`;
    throw new InputError(file, lineAt(input, scan.offset), what);
  }
  const d = scan.duplicate;
  if (d) {
    throw new InputError(
      file,
      d.line,
      `duplicate key ${showKey(d.key)} (first on line ${d.first}; give each key once)`,
    );
  }
  try {
    return JSON.parse(input);
  } catch (e) {
    // The scanner and JSON.parse agree on what is valid (fuzz-tested); should they not, still one line.
    const msg = (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
    const pos = /position (\d+)/.exec(msg);
    throw new InputError(file, lineAt(input, pos ? Number(pos[1]) : input.length), `malformed JSON: ${msg}`);
  }
}

/**
 * Parse and check a JSON trace document (already JSON-parsed, or text). Throws InputError naming the line
 * where it can.
 */
export function parseJsonTrace(input: string | unknown, file: string): Trace {
  if (typeof input !== 'string') return traceFromDoc(input, file);
  const doc = parseJsonText(input, file);
  try {
    return traceFromDoc(doc, file);
  } catch (e) {
    if (!(e instanceof InputError) || e.line !== null) throw e;
    throw new InputError(file, problemLine(input, e.problem) ?? 1, e.problem);
  }
}

export function traceFromDoc(doc: unknown, file: string): Trace {
  const bad = (p: string): never => {
    throw new InputError(file, null, p);
  };
  if (!isObj(doc)) return bad('expected a JSON object with "format": "apmc-trace/1"');
  if (doc['format'] !== TRACE_FORMAT)
    bad(`unknown format ${JSON.stringify(doc['format'])} (expected "${TRACE_FORMAT}")`);
  const scopeIn = doc['scope'] ?? {};
  if (!isObj(scopeIn)) return bad('"scope" must be an object');
  const scope: Record<string, number> = { ...DEFAULT_SCOPE };
  const scopeSet: (keyof Scope)[] = [];
  for (const [k, v] of Object.entries(scopeIn)) {
    if (!(SCOPE_KEYS as readonly string[]).includes(k)) bad(`scope: unknown key '${k}' (${SCOPE_KEYS.join(', ')})`);
    if (!isInt(v)) bad(`scope.${k}: expected an integer, got ${JSON.stringify(v)}`);
    scope[k] = v as number;
    scopeSet.push(k as keyof Scope);
  }
  const policy = doc['policy'] ?? null;
  if (policy !== null && typeof policy !== 'string') bad('"policy" must be a string');
  let initial: InitialHost | null = null;
  if (doc['initial'] !== undefined) {
    const i = doc['initial'];
    if (!isObj(i)) return bad('"initial" must be an object');
    const out: Record<string, number[]> = {};
    for (const [k, v] of Object.entries(i)) {
      if (!['adapters', 'domains', 'control_domains'].includes(k)) bad(`initial: unknown key '${k}'`);
      if (!Array.isArray(v) || !v.every(isInt)) bad(`initial.${k}: expected an array of ids`);
      out[k] = v as number[];
    }
    initial = out;
  }
  let real: ReturnType<typeof realFromJson> | undefined;
  if (doc['real'] !== undefined) {
    try {
      real = realFromJson(doc['real']);
    } catch (e) {
      if (typeof e === 'string') bad(e);
      throw e;
    }
  }
  const header = doc['comments'] ?? [];
  const trailer = doc['comments_after'] ?? [];
  if (!isStrs(header) || !isStrs(trailer))
    return bad('"comments" and "comments_after" must be arrays of one-line strings');
  if (!Array.isArray(doc['ops'])) return bad('"ops" must be an array');
  if (doc['ops'].length > MAX_OPS) bad(`"ops": more than ${MAX_OPS} operations, the most a trace may have`);
  const steps: TraceStep[] = doc['ops'].map((x: unknown, i: number) => {
    const op = parseOp(x);
    if (typeof op === 'string') return bad(`ops[${i}]: ${op}`);
    const o = x as Record<string, unknown>;
    const comment = o['comment'];
    const before = o['comments_before'];
    if (comment !== undefined && !isComment(comment)) bad(`ops[${i}].comment must be a one-line string`);
    if (before !== undefined && !isStrs(before)) bad(`ops[${i}].comments_before must be an array of one-line strings`);
    return {
      op,
      ...(isComment(comment) ? { comment: comment.trimEnd() } : {}),
      ...(isStrs(before) ? { before: tidy(before) } : {}),
    };
  });
  return checkTrace(
    {
      scope: scope as unknown as Scope,
      scopeSet,
      policy: policy as string | null,
      initial,
      header: tidy(header),
      steps,
      trailer: tidy(trailer),
      ...(real ? { real } : {}),
    },
    file,
  );
}
