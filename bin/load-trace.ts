import { type Scope, SCOPE_KEYS, scopeLimit } from '../model/scope.ts';
import { checkTrace, parseTrace, type Trace } from '../trace/index.ts';
import { readInput } from './read-input.ts';
import { scopeFlag } from './scope-flags.ts';
import { UsageError } from './usage.ts';

/** Read (bin/read-input.ts) and parse a trace file (either format). InputError carries file and line. */
export function loadTrace(path: string): Trace {
  return parseTrace(readInput(path, 'trace'), path);
}

/** Apply scope flags (--adapters ...) over the trace's own scope, and re-check the trace against it. */
export function withScopeFlags(t: Trace, flags: Partial<Record<keyof Scope, string | undefined>>, file: string): Trace {
  const scope: Record<string, number> = { ...t.scope };
  const set = new Set(t.scopeSet);
  for (const k of SCOPE_KEYS) {
    const v = flags[k];
    if (v === undefined) continue;
    const max = scopeLimit(k);
    if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max) {
      throw new UsageError(`--${scopeFlag(k)}: expected 1 to ${max} (the model's limit), got '${v}'`);
    }
    scope[k] = Number(v);
    set.add(k);
  }
  return checkTrace({ ...t, scope: scope as unknown as Scope, scopeSet: [...set] }, file);
}

/** The line of a trace file's `policy` directive (text) or "policy" key (JSON), for error messages; null if none. */
export function policyLine(path: string): number | null {
  let text: string;
  try {
    text = readInput(path, 'trace');
  } catch {
    return null;
  }
  const lines = text.split('\n');
  const re = /^\s*\{/.test(text) ? /"policy"\s*:/ : /^\s*policy\s/;
  const i = lines.findIndex((l) => re.test(l));
  return i < 0 ? null : i + 1;
}
