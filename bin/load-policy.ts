/**
 * Resolve `--policy`: a built-in name, or a path to a user's policy file (.ts / .js / .mjs / .mts).
 *
 * A policy file is code: it loads only from the command line (`--policy`), never because a trace or a
 * counterexample names it (`dataPolicy`). Its identity is its path (relative to the current directory
 * where possible, always with a '/'), which replaces the name it declares: saved counterexamples record
 * the path, and a file cannot pass for a built-in policy (nor declare a built-in's name).
 *
 * A policy file is an ES module wherever it is and whatever package.json is near it (bin/policy-hooks.mjs), and
 * `import … from 'apmc'` in it is this apmc's API. What it exports is read once (readPolicy): its callbacks, its
 * `expected` violations (keyed by property name or spec id, each with a sentence) and its `base` chain.
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { dirname, isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as api from '../model/index.ts';
import { CALLBACK_NAMES, CALLBACKS, type ExpectedViolation, type Policy } from '../model/policy.ts';
import { PROPERTY_NAMES, propertiesNamed, propertyByName, SPEC_IDS } from '../properties/registry.ts';
import { PolicyFault } from '../properties/policy-guard.ts';
import { PolicyExit, PolicyWrite, watched } from './sandbox-watch.ts';
import { BUNDLE_API } from './bundled.ts';
import { closest, UsageError } from './usage.ts';
import { policyLine } from './load-trace.ts';
import { InputError, type Trace } from '../trace/index.ts';

/** The query that marks a policy file's URL for bin/policy-hooks.mjs (an ES module, whatever its package says). */
const POLICY_QUERY = 'apmc-policy';
let hooked = false;

/**
 * Register bin/policy-hooks.mjs in this thread, once (after tsx, where the sources run: its hooks run first). In the
 * bundle, `apmc` is the bundle's API entry, and every TypeScript file a policy imports is transpiled by the hooks.
 */
function hookPolicies(): void {
  if (hooked) return;
  register(new URL('./policy-hooks.mjs', import.meta.url), { data: { bundleApi: BUNDLE_API } });
  hooked = true;
}

const looksLikePath = (s: string): boolean => s.includes('/') || /\.(m?[jt]s)$/.test(s);

/** `spec` names a policy file (not a built-in policy): loading it runs its code. */
export const isPolicyFile = (spec: string): boolean => !Object.hasOwn(api.POLICIES, spec) && looksLikePath(spec);

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Bidirectional formatting characters: a sentence shown in a terminal or a report must read as it is stored. */
const BIDI = /[\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** How deep a chain of bases may go (extend of extend of …): a cycle or a runaway chain is bad input. */
const MAX_BASES = 64;

const ctlIn = (s: string, bidi = false): string | null => {
  const m = CONTROL.exec(s) ?? (bidi ? BIDI.exec(s) : null);
  return m ? `a control character (U+${hex4(m[0].charCodeAt(0))})` : null;
};

/** A property word as the user wrote it, shown safely in a one-line message. */
const shown = (k: string): string => JSON.stringify(k.length > 40 ? `${k.slice(0, 40)}…` : k);

const EXPECTED_KEYS = ['kind', 'why', 'foundBy'];

/**
 * A policy's own `expected` declaration read once into a plain object keyed by property name (a spec id stands for
 * every property it names, unless that property is also declared by name); a one-line problem otherwise.
 */
function readExpected(e: unknown, what: string): Record<string, ExpectedViolation | null> | string {
  if (typeof e !== 'object' || e === null || Array.isArray(e))
    return `${what} 'expected' must be an object: property name or spec id -> { kind, why } or null`;
  const byId: [string, ExpectedViolation | null][] = [];
  const byName: Record<string, ExpectedViolation | null> = {};
  for (const k of Object.keys(e)) {
    const at = `${what} expected[${shown(k)}]`;
    const props = propertiesNamed(k);
    if (props.length === 0) {
      const hint = closest(k, [...PROPERTY_NAMES, ...SPEC_IDS]);
      return `${at}: unknown property${hint ? ` (did you mean '${hint}'?)` : '; see apmc properties'}`;
    }
    const v = (e as Record<string, unknown>)[k];
    let x: ExpectedViolation | null = null;
    if (v !== null) {
      if (typeof v !== 'object' || Array.isArray(v)) return `${at} must be { kind, why } or null`;
      const o = v as Record<string, unknown>;
      const extra = Object.keys(o).find((f) => !EXPECTED_KEYS.includes(f));
      if (extra !== undefined) return `${at} has ${shown(extra)}; expected kind, why and foundBy only`;
      const { kind, why, foundBy } = o;
      if (kind !== 'design' && kind !== 'modelling') return `${at}.kind must be 'design' or 'modelling'`;
      if (typeof why !== 'string' || why.trim() === '') return `${at}.why must be a sentence (it is missing or empty)`;
      const ctl = ctlIn(why, true);
      if (ctl) return `${at}.why contains ${ctl}`;
      if (foundBy !== undefined && foundBy !== 'exhaustive') return `${at}.foundBy must be 'exhaustive' or absent`;
      x = { kind, why, ...(foundBy === 'exhaustive' ? { foundBy } : {}) };
    }
    if (propertyByName(k)) byName[k] = x;
    else byId.push([k, x]);
  }
  const out: Record<string, ExpectedViolation | null> = {};
  for (const [k, x] of byId) for (const p of propertiesNamed(k)) out[p.name] = x;
  return { ...out, ...byName };
}

/**
 * A loaded value read once as a complete policy: a plain object (its `expected` keyed by property name, its bases
 * read the same way; a built-in base stays the built-in); a one-line problem otherwise. A getter reads once here, so
 * it cannot answer differently later; one that throws is the caller's to catch.
 */
export function readPolicy(p: unknown, what = 'the policy', depth = 0): Policy | string {
  if (typeof p !== 'object' || p === null)
    return depth === 0
      ? 'does not export a policy (default export: a policy object or a function (api) => policy)'
      : `${what} is not a policy object`;
  if (Object.hasOwn(api.POLICIES, (p as Policy).name) && api.POLICIES[(p as Policy).name] === p) return p as Policy;
  const o = { ...(p as Record<string, unknown>) };
  if (typeof o['name'] !== 'string' || o['name'] === '') return `${what} has no 'name'`;
  const ctl = ctlIn(o['name']);
  if (ctl) return `${what}'s 'name' contains ${ctl}`;
  if (o['summary'] !== undefined && typeof o['summary'] !== 'string') return `${what}'s 'summary' is not a string`;
  for (const k of CALLBACK_NAMES) {
    const optional = CALLBACKS[k].optional;
    if (typeof o[k] === 'function' || (optional && o[k] === null)) continue;
    return `${what}'s '${k}' ${optional ? 'must be a function or null' : 'is not a function'}`;
  }
  if (o['expected'] !== undefined) {
    const e = readExpected(o['expected'], `${what}'s`);
    if (typeof e === 'string') return e;
    o['expected'] = e;
  }
  if (o['base'] !== undefined) {
    if (depth >= MAX_BASES) return `${what}'s bases go deeper than ${MAX_BASES} (a cycle?)`;
    const b = readPolicy(o['base'], depth === 0 ? 'its base' : 'a base of its base', depth + 1);
    if (typeof b === 'string') return b;
    o['base'] = b;
  }
  o['summary'] ??= '';
  return o as unknown as Policy;
}

/** Check that a loaded value is a complete policy; a one-line problem otherwise. */
export function policyProblem(p: unknown): string | null {
  const r = readPolicy(p);
  return typeof r === 'string' ? r : null;
}

/** A policy file's identity: its path, relative to the current directory where possible; always with a '/'. */
export function policyIdentity(file: string): string {
  const rel = relative(process.cwd(), file);
  const id = rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
  const posix = sep === '/' ? id : id.split(sep).join('/');
  return posix.includes('/') ? posix : `./${posix}`;
}

/**
 * The policy a trace or counterexample names (`policy` line, "policy" key): only a built-in one. A file
 * is refused (UsageError; callers add the file and line) with the hint to pass it with `--policy`.
 */
export function dataPolicy(spec: string): Policy {
  if (isPolicyFile(spec)) {
    throw new UsageError(`policy files load only from the command line: --policy ${spec}`, [spec]);
  }
  return builtin(spec);
}

function builtin(spec: string): Policy {
  // Own keys only: '__proto__' or 'constructor' in a trace is an unknown name, not Object's.
  if (Object.hasOwn(api.POLICIES, spec)) return api.POLICIES[spec]!;
  const hint = closest(spec, Object.keys(api.POLICIES));
  const tail = hint ? ` (did you mean '${hint}'?); see apmc policies` : '; see apmc policies, or give a file path';
  throw new UsageError(`unknown policy '${spec}'${tail}`);
}

/** A policy given on the command line: a built-in name, or a file to load (its code runs). */
export async function loadPolicy(spec: string, baseDir = process.cwd()): Promise<Policy> {
  if (!isPolicyFile(spec)) return builtin(spec);
  const file = resolve(baseDir, spec);
  if (!existsSync(file)) throw new UsageError(`${spec}: no such policy file`);
  const id = policyIdentity(file);
  let mod: Record<string, unknown>;
  try {
    hookPolicies();
    mod = (await import(`${pathToFileURL(file).href}?${POLICY_QUERY}`)) as Record<string, unknown>;
  } catch (e) {
    if (e instanceof PolicyExit || e instanceof PolicyWrite) throw new PolicyFault(id, '(loading)', 'threw', e.message);
    // esbuild (bin/policy-hooks.mjs, or tsx) puts the useful line, file:line:col: ERROR: …, after a header line.
    const lines = e instanceof Error ? e.message.split('\n') : [String(e)];
    const msg = lines.find((l) => /ERROR:/.test(l))?.trim() ?? lines[0]!;
    // esbuild names the file by its absolute path: the user's spelling is shorter.
    const where = msg.split(file).join(spec);
    const first = where.replace(/\.\s.*$/, '.');
    throw new UsageError(`${spec}: cannot load policy file: ${first}`);
  }
  let p = mod['default'] ?? mod['policy'];
  if (typeof p === 'function') {
    try {
      p = (p as (a: typeof api) => unknown)(api);
    } catch (e) {
      if (e instanceof PolicyExit || e instanceof PolicyWrite)
        throw new PolicyFault(id, '(loading)', 'threw', e.message);
      throw new UsageError(`${spec}: the policy factory threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  let read: Policy | string;
  try {
    // Read once, as plain objects: a getter cannot answer differently later.
    read = readPolicy(p);
  } catch {
    // A Proxy that throws on every read, a getter that throws (`name`, `expected`, a base's): not a policy.
    read = 'the exported policy cannot be read (a property access threw)';
  }
  if (typeof read === 'string') throw new UsageError(`${spec}: ${read}`);
  p = read;
  const declared = (p as Policy).name;
  if (Object.hasOwn(api.POLICIES, declared)) {
    throw new UsageError(`${spec}: named '${declared}' like a built-in policy; give it a name of its own`, [spec]);
  }
  // The path is the policy's identity; in a sandbox every callback is watched (bin/sandbox-watch.ts).
  return watched({ ...(p as Policy), name: id });
}

/**
 * The policy a trace or counterexample names (its `policy` line or key): a built-in one; a file is bad input of
 * `file`, whose message names the path to pass with --policy (a recorded relative path is relative to `file`).
 */
export function tracePolicy(t: Trace, file: string): Policy {
  const named = t.policy ?? 'upstream';
  if (t.policy !== null && isPolicyFile(named)) {
    // The path to pass from the current directory (a recorded path is absolute, or relative to `file`).
    const path = policyIdentity(resolve(dirname(file), named));
    const problem = `policy files load only from the command line: --policy ${path}`;
    throw new InputError(file, policyLine(file), problem, [path]);
  }
  try {
    return dataPolicy(named);
  } catch (e) {
    if (e instanceof UsageError && t.policy !== null) throw new InputError(file, policyLine(file), e.message, e.keep);
    throw e;
  }
}
