/**
 * The scope flags: one per scope key (model/scope.ts SCOPE_KEYS), named as the key with '-' for '_'
 * (`control_domains` → `--control-domains`). The parser's options, the flag values as scope keys, the
 * error messages and the help text derive from here.
 */
import { DEFAULT_SCOPE, SCOPE_KEYS, type ScopeKey } from '../model/scope.ts';

/** A scope key as a flag name, at the type level. */
export type ScopeFlag<K extends string> = K extends `${infer A}_${infer B}` ? `${A}-${ScopeFlag<B>}` : K;

/** The flag (without '--') for scope key `k`. */
export const scopeFlag = <K extends ScopeKey>(k: K): ScopeFlag<K> => k.replaceAll('_', '-') as ScopeFlag<K>;

/** The scope flags as node:util parseArgs options. */
export const SCOPE_FLAGS = Object.fromEntries(SCOPE_KEYS.map((k) => [scopeFlag(k), { type: 'string' }])) as {
  readonly [K in ScopeKey as ScopeFlag<K>]: { readonly type: 'string' };
};

/** The values parseArgs gives for the scope flags. */
export type ScopeFlagValues = { readonly [K in ScopeKey as ScopeFlag<K>]?: string | undefined };

/** The scope flags' values by scope key (for withScopeFlags). */
export const scopeFlagValues = (v: ScopeFlagValues): Partial<Record<ScopeKey, string | undefined>> =>
  Object.fromEntries(SCOPE_KEYS.map((k) => [k, v[scopeFlag(k)]]));

/** The help text's lines for the scope flags, each with its default, filled into `width` columns. */
export function scopeFlagsHelp(width: number, indent = '  '): string[] {
  const lines: string[] = [];
  let line = '';
  for (const item of SCOPE_KEYS.map((k) => `--${scopeFlag(k)} N (${DEFAULT_SCOPE[k]})`)) {
    if (line !== '' && indent.length + line.length + 2 + item.length <= width) line += `  ${item}`;
    else {
      if (line !== '') lines.push(indent + line);
      line = item;
    }
  }
  if (line !== '') lines.push(indent + line);
  return lines;
}
