/**
 * Resolve `--policy`: a built-in name, or a path to a user's policy file (.ts / .js / .mjs / .mts).
 *
 * A policy file is code: it loads only from the command line (`--policy`), never because a trace or a
 * counterexample names it (`dataPolicy`). Its identity is its path (relative to the current directory
 * where possible, always with a '/'), which replaces the name it declares: saved counterexamples record
 * the path, and a file cannot pass for a built-in policy (nor declare a built-in's name).
 */
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as api from '../model/index.ts';
import { CALLBACK_NAMES, CALLBACKS, type Policy } from '../model/policy.ts';
import { PolicyFault } from '../properties/policy-guard.ts';
import { PolicyExit, PolicyWrite, watched } from './sandbox-watch.ts';
import { closest, UsageError } from './usage.ts';
import { policyLine } from './load-trace.ts';
import { InputError, type Trace } from '../trace/index.ts';

/** The query that marks a policy file's URL for bin/policy-hooks.mjs (an ES module, whatever its package says). */
const POLICY_QUERY = 'apmc-policy';
let hooked = false;

/** Register bin/policy-hooks.mjs in this thread, once (after tsx: its hooks run first). */
function hookPolicies(): void {
  if (hooked) return;
  register(new URL('./policy-hooks.mjs', import.meta.url));
  hooked = true;
}

const looksLikePath = (s: string): boolean => s.includes('/') || /\.(m?[jt]s)$/.test(s);

/** `spec` names a policy file (not a built-in policy): loading it runs its code. */
export const isPolicyFile = (spec: string): boolean => !Object.hasOwn(api.POLICIES, spec) && looksLikePath(spec);

/** C0 and C1 control characters, DEL, and the Unicode line and paragraph separators. */
const CONTROL = /[\x00-\x1f\x7f-\x9f\u2028\u2029]/;

const hex4 = (n: number): string => n.toString(16).padStart(4, '0');

/** Check that a loaded value is a complete policy; a one-line problem otherwise. */
export function policyProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null)
    return 'does not export a policy (default export: a policy object or a function (api) => policy)';
  const o = p as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'] === '') return "the policy has no 'name'";
  const ctl = CONTROL.exec(o['name']);
  if (ctl) return `the policy's 'name' contains a control character (U+${hex4(ctl[0].charCodeAt(0))})`;
  for (const k of CALLBACK_NAMES) {
    const optional = CALLBACKS[k].optional;
    if (typeof o[k] === 'function' || (optional && o[k] === null)) continue;
    return `the policy's '${k}' ${optional ? 'must be a function or null' : 'is not a function'}`;
  }
  return null;
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
    // esbuild (through tsx) puts the useful line, file:line:col: ERROR: …, after a header line.
    const lines = e instanceof Error ? e.message.split('\n') : [String(e)];
    const msg = lines.find((l) => /ERROR:/.test(l))?.trim() ?? lines[0]!;
    // tsx loads a .ts file as CommonJS unless the nearest package.json says "type": "module".
    const hint = /require\(\) ES Module|cycle/.test(msg)
      ? ' (outside an ES-module package, name the file .mts, or add a package.json with "type": "module")'
      : '';
    throw new UsageError(`${spec}: cannot load policy file: ${msg.replace(/\.\s.*$/, '.')}${hint}`);
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
  let problem: string | null;
  try {
    // Read once, as a plain object: a getter cannot answer differently later.
    problem = policyProblem(p);
    if (problem === null) p = { ...(p as Policy) };
  } catch {
    // A Proxy that throws on every read, a `name` getter that throws: not a policy object.
    problem = 'the exported policy cannot be read (a property access threw)';
  }
  if (problem) throw new UsageError(`${spec}: ${problem}`);
  const declared = (p as Policy).name;
  if (Object.hasOwn(api.POLICIES, declared)) {
    throw new UsageError(`${spec}: named '${declared}' like a built-in policy; give it a name of its own`, [spec]);
  }
  // The path is the policy's identity; in a sandbox every callback is watched (bin/sandbox-watch.ts).
  return watched({ ...(p as Policy), name: id });
}

/**
 * The policy a trace or counterexample names (its `policy` line or key): a built-in one; a file is bad input of
 * `file`.
 */
export function tracePolicy(t: Trace, file: string): Policy {
  try {
    return dataPolicy(t.policy ?? 'upstream');
  } catch (e) {
    if (e instanceof UsageError && t.policy !== null) throw new InputError(file, policyLine(file), e.message, e.keep);
    throw e;
  }
}
