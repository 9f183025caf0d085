import { readFileSync } from 'node:fs';
import { type Scope, SCOPE_KEYS } from '../model/scope.ts';
import { checkTrace, parseTrace, type Trace } from '../trace/index.ts';
import { UsageError } from './usage.ts';

/** Read and parse a trace file (either format). InputError carries file and line. */
export function loadTrace(path: string): Trace {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${path}: cannot read trace (${code === 'ENOENT' ? 'no such file' : code ?? String(e)})`);
  }
  return parseTrace(text, path);
}

/** Apply scope flags (--adapters ...) over the trace's own scope, and re-check the trace against it. */
export function withScopeFlags(t: Trace, flags: Partial<Record<keyof Scope, string | undefined>>, file: string): Trace {
  const scope: Record<string, number> = { ...t.scope };
  const set = new Set(t.scopeSet);
  for (const k of SCOPE_KEYS) {
    const v = flags[k];
    if (v === undefined) continue;
    if (!/^\d+$/.test(v)) throw new UsageError(`--${k.replace('_', '-')}: expected a whole number, got '${v}'`);
    scope[k] = Number(v);
    set.add(k);
  }
  return checkTrace({ ...t, scope: scope as unknown as Scope, scopeSet: [...set] }, file);
}
