/** Resolve `--policy`: a built-in name, or a path to a user's policy file (.ts / .js / .mjs). */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as api from '../model/index.ts';
import type { Policy } from '../model/policy.ts';
import { closest, UsageError } from './usage.ts';

const CALLBACKS = ['probe', 'remove', 'create', 'remove_mdev', 'assign', 'unassign', 'attach', 'detach', 'reset', 'passable'] as const;
const OPTIONAL = ['in_use', 'on_config_changed', 'on_scan_complete', 'ap_config'] as const;

const looksLikePath = (s: string): boolean => s.includes('/') || /\.(m?[jt]s)$/.test(s);

/** Check that a loaded value is a complete policy; a one-line problem otherwise. */
export function policyProblem(p: unknown): string | null {
  if (typeof p !== 'object' || p === null) return 'does not export a policy (default export: a policy object or a function (api) => policy)';
  const o = p as Record<string, unknown>;
  if (typeof o['name'] !== 'string' || o['name'] === '') return "the policy has no 'name'";
  for (const k of CALLBACKS) if (typeof o[k] !== 'function') return `the policy's '${k}' is not a function`;
  for (const k of OPTIONAL) if (o[k] !== null && typeof o[k] !== 'function') return `the policy's '${k}' must be a function or null`;
  return null;
}

export async function loadPolicy(spec: string, baseDir = process.cwd()): Promise<Policy> {
  const builtin = api.POLICIES[spec];
  if (builtin) return builtin;
  if (!looksLikePath(spec)) {
    const hint = closest(spec, Object.keys(api.POLICIES));
    throw new UsageError(`unknown policy '${spec}'${hint ? ` (did you mean '${hint}'?); see apmc policies` : '; see apmc policies, or give a file path'}`);
  }
  const file = resolve(baseDir, spec);
  if (!existsSync(file)) throw new UsageError(`${spec}: no such policy file`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (e) {
    // esbuild (through tsx) puts the useful line, file:line:col: ERROR: …, after a header line.
    const lines = e instanceof Error ? e.message.split('\n') : [String(e)];
    const msg = lines.find((l) => /ERROR:/.test(l))?.trim() ?? lines[0]!;
    // tsx loads a .ts file as CommonJS unless the nearest package.json says "type": "module".
    const hint = /require\(\) ES Module|cycle/.test(msg) ? ' (outside an ES-module package, name the file .mts, or add a package.json with "type": "module")' : '';
    throw new UsageError(`${spec}: cannot load policy file: ${msg.replace(/\.\s.*$/, '.')}${hint}`);
  }
  let p = mod['default'] ?? mod['policy'];
  if (typeof p === 'function') {
    try {
      p = (p as (a: typeof api) => unknown)(api);
    } catch (e) {
      throw new UsageError(`${spec}: the policy factory threw: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const problem = policyProblem(p);
  if (problem) throw new UsageError(`${spec}: ${problem}`);
  return p as Policy;
}
