import { MAX_ID } from './bits.ts';

/**
 * How big the modelled machine is. `adapters` plays the role of the QCI's Na + 1 (apm_max =
 * adapters - 1), `domains` of Nd + 1 for usage domains (aqm_max), `control_domains` of the ADM
 * range (adm_max). `mdevs` is the mdev core's instance limit; `vms` bounds the explorers' VM names.
 */
export interface Scope {
  readonly adapters: number;
  readonly domains: number;
  readonly control_domains: number;
  readonly mdevs: number;
  readonly vms: number;
}

export const DEFAULT_SCOPE: Scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };

/** The keys of a Scope, in the order traces and flags list them (every key of Scope: checked by tsc). */
export const SCOPE_KEYS = [
  'adapters',
  'domains',
  'control_domains',
  'mdevs',
  'vms',
] as const satisfies readonly (keyof Scope)[];
export type ScopeKey = (typeof SCOPE_KEYS)[number];
true satisfies Exclude<keyof Scope, ScopeKey> extends never ? true : false;

/** The largest value of scope key `k` the model represents: ids 0..MAX_ID; up to 8 mdevs and VMs. */
export const scopeLimit = (k: ScopeKey): number => (k === 'mdevs' || k === 'vms' ? 8 : MAX_ID + 1);

/** A problem with a scope, or null. */
export function scopeProblem(s: Scope): string | null {
  for (const k of SCOPE_KEYS) {
    const v = s[k];
    const max = scopeLimit(k);
    if (!Number.isInteger(v) || v < 1 || v > max) return `${k} must be an integer from 1 to ${max}, got ${v}`;
  }
  return null;
}

/** Index of APQN (apid, apqi) in the per-queue arrays of the state. */
export const qix = (scope: Scope, apid: number, apqi: number): number => apid * scope.domains + apqi;

/** `%02x.%04x`, as sysfs prints an APQN. */
export const apqnName = (apid: number, apqi: number): string =>
  apid.toString(16).padStart(2, '0') + '.' + apqi.toString(16).padStart(4, '0');
