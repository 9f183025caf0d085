/**
 * The `real` directive: which real adapter, domain and control domain ids and mdev UUIDs a trace's model ids
 * stand for. `apmc import` writes it; `apmc explain --format sh` maps the model ids back with it.
 *
 *     real adapters=0x05,0x06 domains=0x0004,0x002c control_domains=0x0004 mdevs=m1:<uuid>,m2:<uuid>
 *
 * Lists are in model id order (model adapter 0 is real adapter 0x05). JSON: `"real": { "adapters": [5, 6],
 * "domains": [4, 44], "control_domains": [4], "mdevs": { "m1": "<uuid>" } }`.
 */
import type { Scope } from '../model/scope.ts';
import { parseNumber } from './ids.ts';
import { type RealIds, UUID } from './types.ts';

export const REAL_KEYS = ['adapters', 'domains', 'control_domains', 'mdevs'] as const;
const ID_KEYS = ['adapters', 'domains', 'control_domains'] as const;
const NAME = /^[A-Za-z][\w-]*$/;
/** The most a real id can be: the architecture's 0..255. */
const MAX_REAL = 255;

/** `real`'s key=value pairs (already split, each key once) as RealIds. Throws a problem string. */
export function parseRealWords(kv: ReadonlyMap<string, string>): RealIds {
  const list = (k: string): number[] => {
    const v = kv.get(k);
    if (v === undefined || v === '') return [];
    return v.split(',').map((tok) => {
      const n = parseNumber(tok);
      if (n === null) throw `real: bad id '${tok}' in ${k}= (expected a number: 5 or 0x05)`;
      return n;
    });
  };
  const mdevs = new Map<string, string>();
  const m = kv.get('mdevs');
  if (m !== undefined && m !== '') {
    for (const pair of m.split(',')) {
      const i = pair.indexOf(':');
      if (i < 0) throw `real: bad mdevs entry '${pair}' (expected <name>:<uuid>)`;
      const name = pair.slice(0, i);
      if (mdevs.has(name)) throw `real: mdev '${name}' given twice in mdevs=`;
      mdevs.set(name, pair.slice(i + 1));
    }
  }
  return {
    adapters: list('adapters'),
    domains: list('domains'),
    control_domains: list('control_domains'),
    mdevs: Object.fromEntries(mdevs),
  };
}

const hex = (n: number, w: number): string => `0x${n.toString(16).padStart(w, '0')}`;

/** The directive's text (without a `#` comment). */
export function formatReal(r: RealIds): string {
  const parts: string[] = [];
  const widths = { adapters: 2, domains: 4, control_domains: 4 };
  for (const k of ID_KEYS) if (r[k].length > 0) parts.push(`${k}=${r[k].map((n) => hex(n, widths[k])).join(',')}`);
  const mdevs = Object.entries(r.mdevs);
  if (mdevs.length > 0) parts.push(`mdevs=${mdevs.map(([n, u]) => `${n}:${u}`).join(',')}`);
  return ['real', ...parts].join(' ');
}

/** A problem with the mapping against the trace's scope, or null: ids real, distinct, no more than the scope. */
export function realProblem(r: RealIds, scope: Scope): string | null {
  for (const k of ID_KEYS) {
    const ids = r[k];
    if (ids.length > scope[k]) return `real: ${ids.length} ${k} for a scope of ${scope[k]}`;
    const bad = ids.find((n) => !Number.isInteger(n) || n < 0 || n > MAX_REAL);
    if (bad !== undefined) return `real: ${k} id ${bad} is beyond the architecture's 0..255`;
    const dup = ids.find((n, i) => ids.indexOf(n) !== i);
    if (dup !== undefined) return `real: ${k} id ${dup} given for two model ids`;
  }
  const seen = new Set<string>();
  for (const [name, uuid] of Object.entries(r.mdevs)) {
    if (!NAME.test(name)) return `real: bad mdev name '${name}'`;
    if (typeof uuid !== 'string' || !UUID.test(uuid)) return `real: mdev ${name}: '${uuid}' is not a UUID`;
    if (seen.has(uuid.toLowerCase())) return `real: UUID ${uuid} given for two mdevs`;
    seen.add(uuid.toLowerCase());
  }
  return null;
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The JSON form's "real" object as RealIds (checked by realProblem afterwards). Throws a problem string. */
export function realFromJson(x: unknown): RealIds {
  if (!isObj(x)) throw '"real" must be an object';
  for (const k of Object.keys(x))
    if (!(REAL_KEYS as readonly string[]).includes(k)) throw `real: unknown key '${k}' (${REAL_KEYS.join(', ')})`;
  const ids = (k: string): number[] => {
    const v = x[k] ?? [];
    if (!Array.isArray(v) || !v.every((n) => Number.isInteger(n)))
      throw `real.${k}: expected an array of ids, got ${JSON.stringify(v)}`;
    return v as number[];
  };
  const m = x['mdevs'] ?? {};
  if (!isObj(m) || !Object.values(m).every((u) => typeof u === 'string'))
    throw 'real.mdevs: expected an object of mdev name to UUID';
  return {
    adapters: ids('adapters'),
    domains: ids('domains'),
    control_domains: ids('control_domains'),
    mdevs: m as Record<string, string>,
  };
}

/** RealIds as the JSON form's "real" object. */
export const realToJson = (r: RealIds): Record<string, unknown> => ({
  adapters: [...r.adapters],
  domains: [...r.domains],
  control_domains: [...r.control_domains],
  mdevs: { ...r.mdevs },
});
