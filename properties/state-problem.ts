/**
 * The shape check of a state a policy returns (the policy guard's 'malformed' fault), walked from the
 * state's schema (model/state-shape.ts): every part of the right kind, every array one entry per APQN
 * (or per adapter), every enum value one of its list.
 */
import type { Scope } from '../model/scope.ts';
import { type Shape, STATE_SHAPE } from '../model/state-shape.ts';

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const isMask = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) <= 0xffffffff;

/** A value, shortly, for messages. */
export function show(x: unknown): string {
  if (typeof x === 'object' && x !== null) return Array.isArray(x) ? 'an array' : 'an object';
  const s = typeof x === 'string' ? JSON.stringify(x) : String(x);
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

const TOP = Object.keys(STATE_SHAPE.fields);

/**
 * A problem with the shape of a state (spec §3, model/state.ts), or null. Without a scope only the
 * top level is looked at (cheap, for every call); with one, everything.
 */
export function stateProblem(s: unknown, scope: Scope | null): string | null {
  if (!isObj(s)) return `expected a state or an errno name, got ${show(s)}`;
  for (const k of TOP) if (!(k in s)) return `the state has no '${k}'`;
  return scope === null ? null : fieldsProblem(STATE_SHAPE.fields, s, '', scope);
}

/** What a value of shape `sh` is, for messages. */
function noun(sh: Shape): string {
  switch (sh.t) {
    case 'mask':
      return 'a mask (a uint32)';
    case 'flag':
      return 'a boolean';
    case 'enum':
      return `${sh.what} (${sh.values.join(', ')})`;
    case 'name':
      return sh.of === 'vm' ? 'a VM name' : 'an mdev name';
    case 'nullable':
      return `null or ${noun(sh.of)}`;
    case 'record':
      return sh.what;
    case 'array':
      return 'an array';
    case 'table':
      return 'an object';
  }
}

/** The entries an array of shape `sh` has in `scope`, and what one is per. */
const entries = (sh: Shape & { t: 'array' }, scope: Scope): [number, string] =>
  sh.per === 'apqn' ? [scope.adapters * scope.domains, 'APQN'] : [scope.adapters, 'adapter'];

/** The message for a value of the wrong shape (a function, not a closure per call: a 32×32 state has thousands of
 * entries). */
function badValue(at: string, x: unknown, or: string, sh: Shape): string {
  return `${at} is ${show(x)}, not ${or}${noun(sh)}`;
}

/** A problem with `x` at path `at` (its shape `sh`), or null. `or`: 'null or ' when null would do. */
function problem(sh: Shape, x: unknown, at: string, scope: Scope, or = ''): string | null {
  switch (sh.t) {
    case 'mask':
      return isMask(x) ? null : badValue(at, x, or, sh);
    case 'flag':
      return typeof x === 'boolean' ? null : badValue(at, x, or, sh);
    case 'enum':
      return (sh.values as readonly unknown[]).includes(x) ? null : badValue(at, x, or, sh);
    case 'name':
      return typeof x === 'string' ? null : badValue(at, x, or, sh);
    case 'nullable':
      return x === null ? null : problem(sh.of, x, at, scope, 'null or ');
    case 'record':
      return isObj(x) ? fieldsProblem(sh.fields, x, `${at}.`, scope) : badValue(at, x, or, sh);
    case 'array': {
      const [n, per] = entries(sh, scope);
      if (!Array.isArray(x) || x.length !== n) {
        const got = Array.isArray(x) ? `${x.length} entries` : show(x);
        return `${at} must be an array of ${n} entries (one per ${per}), got ${got}`;
      }
      for (let i = 0; i < n; i++) {
        const p = problem(sh.of, x[i], `${at}[${i}]`, scope);
        if (p) return p;
      }
      return null;
    }
    case 'table':
      if (!isObj(x)) return badValue(at, x, or, sh);
      for (const [k, v] of Object.entries(x)) {
        const p = problem(sh.item, v, `${at}.${k}`, scope);
        if (p) return p;
      }
      return null;
  }
}

function fieldsProblem(fields: { readonly [k: string]: Shape }, x: Record<string, unknown>, at: string, scope: Scope) {
  for (const [k, sh] of Object.entries(fields)) {
    const p = problem(sh, x[k], `${at}${k}`, scope);
    if (p) return p;
  }
  return null;
}
