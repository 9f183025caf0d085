/**
 * The scope flags: one per scope key (model/scope.ts SCOPE_KEYS), named as the key with '-' for '_'
 * (`control_domains` → `--control-domains`). The parser's options (bin/commands.ts SCOPE), the flag values
 * as scope keys and the error messages derive from here.
 */
import { SCOPE_KEYS, type ScopeKey } from '../model/scope.ts';

/** A scope key as a flag name, at the type level. */
export type ScopeFlag<K extends string> = K extends `${infer A}_${infer B}` ? `${A}-${ScopeFlag<B>}` : K;

/** The flag (without '--') for scope key `k`. */
export const scopeFlag = <K extends ScopeKey>(k: K): ScopeFlag<K> => k.replaceAll('_', '-') as ScopeFlag<K>;

/** The values parseArgs gives for the scope flags. */
export type ScopeFlagValues = { readonly [K in ScopeKey as ScopeFlag<K>]?: string | undefined };

/** The scope flags' values by scope key (for withScopeFlags). */
export const scopeFlagValues = (v: ScopeFlagValues): Partial<Record<ScopeKey, string | undefined>> =>
  Object.fromEntries(SCOPE_KEYS.map((k) => [k, v[scopeFlag(k)]]));
