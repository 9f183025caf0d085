/**
 * A guard around a policy, so that a misbehaving policy is reported as a *policy error* instead of
 * corrupting the exploration or crashing apmc. Every callback the model calls (the outermost call;
 * calls a callback makes through `cfg.policy` pass straight through) is wrapped:
 *
 * - always: an exception becomes a PolicyFault ('threw', or 'mutated' for a write to a frozen object),
 *   and the result's kind is checked cheaply (an errno name, a state-like object, a boolean);
 * - when `thorough` is set (engines set it on a sample of cases): the callback is called twice on
 *   the same inputs; inputs that differ afterwards from a snapshot taken before are a 'mutated' fault
 *   (whether the code is strict or not), two results that differ structurally a 'nondeterministic'
 *   one, and the result's whole shape is validated.
 *
 * Engines own the sampling: set `guard.thorough` before each case (or state), step with
 * `guard.policy` in the Config (or, on unsampled cases, with `guard.raw`: cheaper, and what it throws
 * is still caught), and catch exceptions around the steps (properties/policy-error.ts `asFault`).
 */
import { isKernelStop } from '../model/blocks/events.ts';
import type { BlockName } from '../model/blocks/replaceable.ts';
import { ERRNO } from '../model/errno.ts';
import { CALLBACK_NAMES, CALLBACKS, type CallbackResult, type Config, type Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { show, stateProblem } from './state-problem.ts';

/** What a replaced building block returns: a state, or an object whose `state` is one (a filter's, zapq's). */
const BLOCK_RESULTS: Readonly<Record<BlockName, 'state' | 'part'>> = {
  filterMatrix: 'part',
  filterScoped: 'part',
  filterCdoms: 'part',
  updateApcb: 'state',
  link: 'state',
  unlink: 'state',
  zapq: 'part',
  resetQueue: 'state',
};
/** The results the guard checks: a callback's, or a replaced block's `part` (an object holding a state). */
type Kind = CallbackResult | 'part';

export type FaultKind = 'threw' | 'mutated' | 'malformed' | 'nondeterministic';

/** What a misbehaving callback did. Thrown by the guarded policy; caught by the engines. */
export class PolicyFault extends Error {
  readonly policy: string;
  readonly callback: string;
  readonly kind: FaultKind;
  readonly detail: string;
  constructor(policy: string, callback: string, kind: FaultKind, detail: string) {
    super(`'${callback}' ${KIND_TEXT[kind]}: ${detail}`);
    this.policy = policy;
    this.callback = callback;
    this.kind = kind;
    this.detail = detail;
  }
}

const KIND_TEXT: Record<FaultKind, string> = {
  threw: 'threw',
  mutated: 'mutated its input',
  malformed: 'returned a malformed result',
  nondeterministic: 'is not deterministic',
};

export interface PolicyGuard {
  /** The guarded policy: put it in the Config the engine steps with. */
  readonly policy: Policy;
  /**
   * The policy itself. Engines step unsampled cases with it (no wrapper on the hot path) and catch
   * what it throws; a run with the guarded policy then finds out what it was.
   */
  readonly raw: Policy;
  /** Freeze inputs, validate results fully and call twice to compare, on the next calls. */
  thorough: boolean;
}

/**
 * A deep copy of plain data (a state): engines give each case a fresh initial state, so that a policy that mutates
 * its input cannot corrupt the cases after it.
 */
export function copyState<T>(x: T): T {
  if (x === null || typeof x !== 'object') return x;
  if (Array.isArray(x)) {
    const a: unknown[] = new Array(x.length);
    for (let i = 0; i < x.length; i++) a[i] = copyState(x[i]);
    return a as T;
  }
  const o: Record<string, unknown> = {};
  for (const k of Object.keys(x)) o[k] = copyState((x as Record<string, unknown>)[k]);
  return o as T;
}

/** The first path where a and b differ structurally (`at` names the root), or null when they are equal. */
export function difference(a: unknown, b: unknown, at = 'the result'): string | null {
  const path: string[] = [];
  const d = diff(a, b, path);
  return d === null ? null : `${at}${path.reverse().join('')}: ${d}`;
}

/** What differs, with the path pushed innermost first; the path is built only when something differs. */
function diff(a: unknown, b: unknown, path: string[]): string | null {
  if (Object.is(a, b)) return null;
  if (
    typeof a !== 'object' ||
    typeof b !== 'object' ||
    a === null ||
    b === null ||
    Array.isArray(a) !== Array.isArray(b)
  ) {
    return `${show(a)} vs ${show(b)}`;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  const arr = Array.isArray(a);
  for (const k in x) {
    const d = diff(x[k], y[k], path);
    if (d !== null) {
      path.push(arr ? `[${k}]` : `.${k}`);
      return d;
    }
  }
  for (const k in y) {
    if (!(k in x)) {
      path.push(`.${k}`);
      return `absent vs ${show(y[k])}`;
    }
  }
  return null;
}

const message = (e: unknown): string => {
  const m = e instanceof Error ? `${e.name}: ${e.message}` : `a non-error ${show(e)}`;
  return m.split('\n')[0]!;
};
/**
 * The most thorough calls of one callback while thoroughness stays on (a sampled case); later ones get the cheap
 * checks. A thorough call writes out and validates the whole state, and at 32×32 a mask write re-probes 1,024
 * queues, each a callback: uncapped, one such step took seconds.
 */
export const MAX_THOROUGH_CALLS = 64;
const FROZEN_WRITE = /read[- ]only|not extensible|Cannot (assign|add|delete|define|redefine)|object is frozen/i;

/** Wrap every callback of `p`; see the module comment. */
export function guardPolicy(p: Policy): PolicyGuard {
  let depth = 0;
  // An input's JSON as the last thorough call left it, by object: a state passed to many calls in a row (`status`
  // runs once per queue) is written out once per call instead of twice. Thorough calls see every change a policy
  // makes to its inputs (a nested call's, at the end of the outermost one), so the text stays true while they run;
  // it is forgotten whenever thoroughness is turned on, since a plain call may have changed an input unseen.
  let known = new WeakMap<object, string>();
  // Thorough calls per callback since thoroughness was turned on: past MAX_THOROUGH_CALLS the cheap checks do.
  let counts = new Map<string, number>();
  let thorough = false;
  const g: { policy: Policy; raw: Policy; thorough: boolean } = {
    policy: p,
    raw: p,
    get thorough() {
      return thorough;
    },
    set thorough(on: boolean) {
      if (on && !thorough) {
        known = new WeakMap();
        counts = new Map();
      }
      thorough = on;
    },
  };
  const fault = (cb: string, kind: FaultKind, detail: string) => new PolicyFault(p.name, cb, kind, detail);
  // Total: what was thrown may be a Proxy whose every trap throws, or an Error whose message getter throws.
  const thrown = (cb: string, e: unknown): PolicyFault => {
    try {
      if (e instanceof PolicyFault) return e;
      return fault(cb, e instanceof TypeError && FROZEN_WRITE.test(e.message) ? 'mutated' : 'threw', message(e));
    } catch {
      return fault(cb, 'threw', 'a value that cannot be read');
    }
  };
  const call = (cb: string, raw: (...a: unknown[]) => unknown, args: unknown[]): unknown => {
    try {
      return raw(...args);
    } catch (e) {
      // A building block's oops or hang (model/events.ts) is the kernel's, not the policy's: the step reports it.
      throw isKernelStop(e) ? e : thrown(cb, e);
    }
  };
  // Fixed arity (no rest parameters): the wrappers sit on hot paths (`passable` runs per queue).
  const wrap =
    (cb: string, kind: Kind, raw: (...a: unknown[]) => unknown) =>
    (a: unknown, b: unknown, c: unknown, d: unknown, e: unknown): unknown => {
      if (depth > 0) return raw(a, b, c, d, e);
      // The closure's flag, not g's accessor: this runs on every outermost callback call.
      const n = thorough ? (counts.get(cb) ?? 0) : MAX_THOROUGH_CALLS;
      if (n >= MAX_THOROUGH_CALLS) {
        depth++;
        let r: unknown;
        try {
          r = raw(a, b, c, d, e);
        } catch (x) {
          throw isKernelStop(x) ? x : thrown(cb, x);
        } finally {
          depth--;
        }
        if (!cheapOk(kind, r)) throw fault(cb, 'malformed', resultProblem(kind, r, null) ?? `unexpected ${show(r)}`);
        return r;
      }
      counts.set(cb, n + 1);
      return thoroughCall(cb, kind, raw, [a, b, c, d, e]);
    };
  // Twice on the same inputs, which must come out of each call as they went in; the two results must agree.
  const thoroughCall = (cb: string, kind: Kind, raw: (...a: unknown[]) => unknown, args: unknown[]): unknown => {
    depth++;
    try {
      // cfg (the first argument of all but `passable`) holds the policy itself: leave it alone.
      const first = cb === 'passable' ? 0 : 1;
      // The state (or, for `passable`, the reset status) is the input that matters; the other
      // arguments are ids and masks. JSON.stringify is native: the cheapest snapshot to compare.
      const input = args[first];
      const held = typeof input === 'object' && input !== null ? input : null;
      const before = (held && known.get(held)) ?? JSON.stringify(input);
      const r1 = call(cb, raw, args);
      // After the first call only: a second one would find the same.
      const after = JSON.stringify(input);
      if (after !== before) {
        if (held) known.delete(held);
        const where = difference(JSON.parse(before), input, first === 0 ? 'its argument' : 'state');
        throw fault(cb, 'mutated', `${where ?? 'a value JSON does not show'} (before vs after the call)`);
      }
      if (held) known.set(held, after);
      const r = call(cb, raw, args);
      const problem = resultProblem(kind, r, first === 0 ? null : (args[0] as Config).scope);
      if (problem) throw fault(cb, 'malformed', problem);
      const d = difference(r1, r);
      if (d) throw fault(cb, 'nondeterministic', `two calls on the same input gave different results (${d})`);
      return r;
    } finally {
      depth--;
    }
  };
  const out: Record<string, unknown> = { ...p };
  for (const cb of CALLBACK_NAMES) {
    const kind = CALLBACKS[cb].result;
    const raw = (p as unknown as Record<string, unknown>)[cb];
    if (typeof raw === 'function') out[cb] = wrap(cb, kind, raw as (...a: unknown[]) => unknown);
  }
  // The building blocks the policy replaces: their dispatchers find these in cfg.policy.blocks.
  if (p.blocks) {
    const blocks: Record<string, unknown> = {};
    for (const [name, raw] of Object.entries(p.blocks)) {
      const kind = BLOCK_RESULTS[name as BlockName] ?? 'state';
      blocks[name] =
        typeof raw === 'function' ? wrap(`blocks.${name}`, kind, raw as (...a: unknown[]) => unknown) : raw;
    }
    out['blocks'] = blocks;
  }
  g.policy = out as unknown as Policy;
  return g;
}

/** The check made on every call: the right kind of value (an errno name, a state-like object, a boolean). */
function cheapOk(kind: Kind, r: unknown): boolean {
  if (kind === 'boolean') return typeof r === 'boolean';
  if (kind === 'answer' && typeof r === 'boolean') return true;
  if (kind === 'status') return r === 'in use' || r === 'assigned' || r === 'unassigned';
  if (typeof r === 'string') return kind === 'outcome' && Object.hasOwn(ERRNO, r);
  if (typeof r !== 'object' || r === null) return false;
  const reported = typeof (r as { state?: unknown }).state === 'object';
  const state = (r as { mdevs?: unknown }).mdevs !== undefined;
  if (kind === 'reported' || kind === 'answer' || kind === 'part') return reported;
  return kind === 'outcome' ? reported || state : state;
}

/** A problem with a callback's result, or null. `scope` given: validate a returned state's whole shape. */
function resultProblem(kind: Kind, r: unknown, scope: Scope | null): string | null {
  switch (kind) {
    case 'boolean':
      return typeof r === 'boolean' ? null : `expected true or false, got ${show(r)}`;
    case 'answer':
      return typeof r === 'boolean' ? null : resultProblem('reported', r, scope);
    case 'part': {
      if (typeof r !== 'object' || r === null) return `expected an object with a state, got ${show(r)}`;
      const sp = stateProblem((r as Record<string, unknown>)['state'], scope);
      return sp ? `state: ${sp}` : null;
    }
    case 'status':
      return r === 'in use' || r === 'assigned' || r === 'unassigned'
        ? null
        : `expected "in use", "assigned" or "unassigned", got ${show(r)}`;
    case 'outcome':
      if (typeof r === 'string')
        return Object.hasOwn(ERRNO, r)
          ? null
          : `${JSON.stringify(r)} is not an errno name (${Object.keys(ERRNO).join(', ')})`;
      if (typeof r === 'object' && r !== null && 'errno' in r) return resultProblem('reported', r, scope);
      return stateProblem(r, scope);
    case 'state':
      return stateProblem(r, scope);
    case 'reported': {
      if (typeof r !== 'object' || r === null) return `expected { state, errno }, got ${show(r)}`;
      const o = r as Record<string, unknown>;
      if (o['errno'] !== null && !(typeof o['errno'] === 'string' && Object.hasOwn(ERRNO, o['errno'])))
        return `errno: ${show(o['errno'])} is neither null nor an errno name`;
      const sp = stateProblem(o['state'], scope);
      return sp ? `state: ${sp}` : null;
    }
  }
}
