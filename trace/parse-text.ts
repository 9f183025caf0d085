/**
 * The plain-text trace format: one operation per line in sysfs vocabulary, `#` comments, and a few
 * directives before the first operation (`scope`, `policy`, `initial`). See README "Traces".
 */
import type { Driver, Fault } from '../model/state.ts';
import type { Op, Resource } from '../model/ops.ts';
import { DEFAULT_SCOPE, SCOPE_KEYS, type Scope } from '../model/scope.ts';
import { parseApqn, parseIdList, parseNumber } from './ids.ts';
import { checkTrace } from './check.ts';
import { parseRealWords, REAL_KEYS } from './real.ts';
import { InputError, MAX_OPS, type InitialHost, type RealIds, type Trace, type TraceStep } from './types.ts';
import { DRIVERS as DRIVER_LIST, FAULTS as FAULT_LIST, RESOURCES as RESOURCE_LIST } from '../model/op-values.ts';

const MDEV_ATTRS = new Set([
  'assign_adapter',
  'assign_domain',
  'assign_control_domain',
  'unassign_adapter',
  'unassign_domain',
  'unassign_control_domain',
  'ap_config',
  'remove',
]);
const DRIVERS: readonly Driver[] = DRIVER_LIST;
const FAULTS: readonly Fault[] = FAULT_LIST;
const RESOURCES: readonly Resource[] = RESOURCE_LIST;
export const KEYWORDS = new Set([
  'apmask',
  'aqmask',
  'reprobe',
  'bind',
  'unbind',
  'scan',
  'host',
  'fault',
  'create',
  'start',
  'stop',
  'vfio_reset',
  'reset_poll',
  'request',
  'kvm_gone',
  'driver_override',
  'scope',
  'policy',
  'initial',
  'real',
]);
const NAME = /^[A-Za-z][\w-]*$/;

/** Split off a trailing `# comment` (the first `#` on the line). */
function splitComment(line: string): [string, string | undefined] {
  const i = line.indexOf('#');
  if (i < 0) return [line.trim(), undefined];
  // A stray \r inside a comment becomes a space: JSON comments are single lines (found by fuzzing).
  return [
    line.slice(0, i).trim(),
    line
      .slice(i + 1)
      .replace(/^ /, '')
      .replace(/\r/g, ' ')
      .trimEnd(),
  ];
}

// parseOpLine's helpers live out here: closures made per line (tsx names each) made long traces parse 4x slower.
function expectWords(t: readonly string[], n: number, usage: string): void {
  if (t.length !== n) throw `expected '${usage}'`;
}

function apqn(tok: string | undefined): [number, number] {
  const q = tok === undefined ? null : parseApqn(tok);
  if (q === null) throw `bad APQN '${tok ?? ''}' (expected aa.dddd in hex, e.g. 05.002c)`;
  return q;
}

function id(tok: string | undefined, what: string): number {
  const n = tok === undefined ? null : parseNumber(tok);
  if (n === null) throw `bad ${what} '${tok ?? ''}' (expected a number: 5, 0x2c or 054)`;
  return n;
}

function name(tok: string | undefined, what: string): string {
  if (tok === undefined || !NAME.test(tok) || KEYWORDS.has(tok)) throw `bad ${what} name '${tok ?? ''}'`;
  return tok;
}

/** Parse one operation line (comment already removed). Throws a message string on a problem. */
export function parseOpLine(text: string): Op {
  const t = text.split(/\s+/);
  const [w0 = '', w1, w2, w3] = t;
  const async = t.at(-1) === '&';
  if (async) t.pop();
  if (async && !['apmask', 'aqmask', 'host'].includes(w0) && !(w1 === 'remove' && t.length === 2))
    throw `'&' (async) only follows apmask, aqmask, host and <mdev> remove`;
  const card = /^card([0-9a-fA-F]{2})$/.exec(w0);
  if (card) {
    expectWords(t, 3, 'cardXX config 0|1');
    if (w1 !== 'config' || (w2 !== '0' && w2 !== '1')) throw `expected 'card${card[1]} config 0|1'`;
    return { kind: 'card_config', apid: parseInt(card[1]!, 16), config: w2 === '1' ? 1 : 0 };
  }
  switch (w0) {
    case 'apmask':
    case 'aqmask': {
      expectWords(t, 2, `${w0} <value> [&]`);
      return async ? { kind: w0, value: w1!, async: true } : { kind: w0, value: w1! };
    }
    case 'reprobe': {
      if (t.length !== 2 && t.length !== 3) throw `expected 'reprobe aa.dddd [unbind|bind]'`;
      const [apid, apqi] = apqn(w1);
      if (w2 === undefined) return { kind: 'reprobe', apid, apqi };
      if (w2 !== 'unbind' && w2 !== 'bind') throw `expected 'reprobe aa.dddd [unbind|bind]', got half '${w2}'`;
      return { kind: 'reprobe', apid, apqi, half: w2 };
    }
    case 'reset_poll': {
      expectWords(t, 2, 'reset_poll aa.dddd');
      const [apid, apqi] = apqn(w1);
      return { kind: 'reset_poll', apid, apqi };
    }
    case 'driver_override': {
      expectWords(t, 3, 'driver_override aa.dddd vfio_ap|cex4queue|none');
      const [apid, apqi] = apqn(w1);
      if (w2 === 'none') return { kind: 'driver_override', apid, apqi, driver: null };
      if (!DRIVERS.includes(w2 as Driver)) throw `unknown driver '${w2}' (vfio_ap, cex4queue or none)`;
      return { kind: 'driver_override', apid, apqi, driver: w2 as Driver };
    }
    case 'bind': {
      expectWords(t, 3, 'bind aa.dddd vfio_ap|cex4queue');
      const [apid, apqi] = apqn(w1);
      if (!DRIVERS.includes(w2 as Driver)) throw `unknown driver '${w2}' (vfio_ap or cex4queue)`;
      return { kind: 'bind', apid, apqi, driver: w2 as Driver };
    }
    case 'unbind': {
      if (t.length !== 2 && t.length !== 3) throw `expected 'unbind aa.dddd [vfio_ap|cex4queue]'`;
      const [apid, apqi] = apqn(w1);
      if (w2 === undefined) return { kind: 'unbind', apid, apqi };
      if (!DRIVERS.includes(w2 as Driver)) throw `unknown driver '${w2}' (vfio_ap or cex4queue)`;
      return { kind: 'unbind', apid, apqi, driver: w2 as Driver };
    }
    case 'scan': {
      if (t.length === 1) return { kind: 'scan' };
      expectWords(t, 2, 'scan [start|step|complete]');
      if (w1 === 'start') return { kind: 'scan_start' };
      if (w1 === 'step') return { kind: 'scan_step' };
      if (w1 === 'complete') return { kind: 'scan_complete' };
      throw `expected 'scan', 'scan start', 'scan step' or 'scan complete'`;
    }
    case 'host': {
      expectWords(t, 4, 'host add|remove adapter|domain|control_domain <id> [&]');
      if (w1 !== 'add' && w1 !== 'remove') throw `expected 'host add' or 'host remove', got 'host ${w1}'`;
      if (!RESOURCES.includes(w2 as Resource)) throw `unknown resource '${w2}' (adapter, domain or control_domain)`;
      const op = { kind: 'host', action: w1, resource: w2 as Resource, id: id(w3, w2!) } as const;
      return async ? { ...op, async: true } : op;
    }
    case 'fault': {
      expectWords(t, 3, `fault aa.dddd ${FAULTS.join('|')}`);
      const [apid, apqi] = apqn(w1);
      if (!FAULTS.includes(w2 as Fault)) throw `unknown fault '${w2}' (${FAULTS.join(', ')})`;
      return { kind: 'fault', apid, apqi, fault: w2 as Fault };
    }
    case 'create':
      expectWords(t, 2, 'create <mdev>');
      return { kind: 'create', mdev: name(w1, 'mdev') };
    case 'start':
      expectWords(t, 3, 'start <mdev> <vm>');
      return { kind: 'start', mdev: name(w1, 'mdev'), vm: name(w2, 'VM') };
    case 'stop':
    case 'vfio_reset':
    case 'request':
    case 'kvm_gone':
      expectWords(t, 2, `${w0} <mdev>`);
      return { kind: w0, mdev: name(w1, 'mdev') };
    default:
      break;
  }
  if (w1 === undefined || !MDEV_ATTRS.has(w1)) throw `unknown operation '${text}'`;
  const mdev = name(w0, 'mdev');
  if (w1 === 'remove') {
    expectWords(t, 2, `${mdev} remove [&]`);
    return async ? { kind: 'remove', mdev, async: true } : { kind: 'remove', mdev };
  }
  if (w1 === 'ap_config') {
    expectWords(t, 5, `${mdev} ap_config apm=<ids> aqm=<ids> adm=<ids>`);
    const field = (tok: string | undefined, key: string): number[] => {
      if (!tok?.startsWith(`${key}=`)) throw `expected ${key}=<ids> in ap_config, got '${tok ?? ''}'`;
      const r = parseIdList(tok.slice(key.length + 1));
      if (typeof r === 'string') throw r;
      return r;
    };
    return { kind: 'ap_config', mdev, apm: field(w2, 'apm'), aqm: field(w3, 'aqm'), adm: field(t[4], 'adm') };
  }
  expectWords(t, 3, `${mdev} ${w1} <id>`);
  const what = w1.replace(/^(un)?assign_/, '').replace('_', ' ');
  return { kind: w1 as 'assign_adapter', mdev, id: id(w2, what) };
}

/** key=value words of a directive; each key at most once. */
function keyValues(words: string[], allowed: readonly string[], line: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const w of words) {
    const m = /^([a-z_]+)=(.*)$/.exec(w);
    if (!m || !allowed.includes(m[1]!))
      throw `bad '${w}' in '${line}' (expected ${allowed.map((a) => `${a}=`).join(', ')})`;
    if (out.has(m[1]!)) throw `'${m[1]}=' given twice in '${line}'`;
    out.set(m[1]!, m[2]!);
  }
  return out;
}

/** The longest line a text trace may have: 1 MiB characters (a real one is under 100). */
export const MAX_LINE = 1024 * 1024;

/** Parse a text trace. Throws InputError naming `file`, the line and the problem. */
export function parseTextTrace(text: string, file: string): Trace {
  let scope: Scope = DEFAULT_SCOPE;
  const scopeSet: (keyof Scope)[] = [];
  let policy: string | null = null;
  let initial: InitialHost | null = null;
  let real: RealIds | undefined;
  const header: string[] = [];
  const steps: TraceStep[] = [];
  let pending: string[] = [];
  let seenDirective = false;
  const lineOf: { scope?: number; initial?: number; policy?: number; real?: number } = {};
  const lines = text.split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.length > MAX_LINE) {
      throw new InputError(file, line, `line longer than ${MAX_LINE} characters, the most a trace line may have`);
    }
    if (raw.includes('\0')) throw new InputError(file, line, 'NUL character (a trace is text)');
    const [body, comment] = splitComment(raw);
    try {
      if (body === '') {
        if (comment !== undefined) (steps.length === 0 && !seenDirective ? header : pending).push(comment);
        return;
      }
      const words = body.split(/\s+/);
      const directive = words[0];
      if (directive === 'scope' || directive === 'policy' || directive === 'initial' || directive === 'real') {
        if (steps.length > 0) throw `'${directive}' must come before the first operation`;
        seenDirective = true;
        const first = lineOf[directive];
        if (first !== undefined) throw `'${directive}' given twice (first on line ${first}; give it once)`;
        lineOf[directive] = line;
        if (directive === 'policy') {
          if (words.length !== 2) throw `expected 'policy <name|file>'`;
          policy = words[1]!;
        } else if (directive === 'real') {
          real = parseRealWords(keyValues(words.slice(1), REAL_KEYS, body));
        } else if (directive === 'scope') {
          const kv = keyValues(words.slice(1), SCOPE_KEYS, body);
          const next: Record<string, number> = { ...scope };
          for (const [k, v] of kv) {
            const n = parseNumber(v);
            if (n === null) throw `bad scope value '${k}=${v}'`;
            next[k] = n;
            scopeSet.push(k as keyof Scope);
          }
          scope = next as unknown as Scope;
        } else {
          const kv = keyValues(words.slice(1), ['adapters', 'domains', 'control_domains'], body);
          const get = (k: string): number[] | null => {
            const v = kv.get(k);
            if (v === undefined) return null;
            const r = parseIdList(v);
            if (typeof r === 'string') throw r;
            return r;
          };
          const a = get('adapters');
          const d = get('domains');
          const c = get('control_domains');
          // An omitted list means "all of the scope".
          initial = {
            ...(a ? { adapters: a } : {}),
            ...(d ? { domains: d } : {}),
            ...(c ? { control_domains: c } : {}),
          };
        }
        if (comment !== undefined) pending.push(comment);
        return;
      }
      if (steps.length === MAX_OPS) throw `more than ${MAX_OPS} operations, the most a trace may have`;
      const op = parseOpLine(body);
      const step: TraceStep = {
        op,
        line,
        ...(comment !== undefined ? { comment } : {}),
        ...(pending.length > 0 ? { before: pending } : {}),
      };
      pending = [];
      steps.push(step);
    } catch (e) {
      if (typeof e === 'string') throw new InputError(file, line, e);
      throw e;
    }
  });
  try {
    const t: Trace = { scope, scopeSet, policy, initial, header, steps, trailer: pending };
    return checkTrace(real ? { ...t, real } : t, file);
  } catch (e) {
    // A problem with the scope or the initial configuration: name the directive's line.
    if (!(e instanceof InputError) || e.line !== null) throw e;
    const at = /^scope/.test(e.problem)
      ? lineOf.scope
      : /^initial/.test(e.problem)
        ? lineOf.initial
        : /^real/.test(e.problem)
          ? lineOf.real
          : null;
    throw at === undefined || at === null ? e : new InputError(file, at, e.problem);
  }
}
