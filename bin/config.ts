/**
 * The project config of `apmc check`, so that a CI job runs `apmc check --ci` with no other flag. Where it
 * is: the file `--config FILE` names (a package.json: its "apmc" key), else ./apmc.config.json, else the
 * "apmc" key of ./package.json (both present: bad input, keep one); `--no-config` reads none. Its
 * settings become check's flags, placed before the command line's, and a flag on the command line wins:
 * it replaces the config's setting (every --policy of the config at once). The "exhaustive" settings
 * apply when the engine (the command line's, else the config's) is exhaustive, and are left out
 * otherwise. Policy and base files are relative to the config file's directory.
 *
 * Each value is checked here as its flag would be: a bad one (and invalid JSON, an unknown key, a wrong
 * type) is one line naming the file, the line and the key, exit 2, before anything runs.
 */
import { existsSync } from 'node:fs';
import { basename, dirname, relative, resolve } from 'node:path';
import { SCOPE_KEYS } from '../model/scope.ts';
import { POLICIES } from '../model/policies/index.ts';
import { parseJsonText } from '../trace/json.ts';
import { scanJson } from '../trace/json-lines.ts';
import { InputError } from '../trace/types.ts';
import { parse, parseCheckArgs } from './args.ts';
import { COMMANDS, EXHAUSTIVE } from './commands.ts';
import { isPolicyFile } from './load-policy.ts';
import { readInput } from './read-input.ts';
import { scopeFlag } from './scope-flags.ts';
import { closest, UsageError } from './usage.ts';

export const CONFIG_FILE = 'apmc.config.json';

type Kind = 'int' | 'string' | 'strings' | 'policy' | 'policies' | 'engine' | 'bool' | 'memo' | 'mechanisms';

/** Each key (a path: `budget.runs`) with the flag it sets and the JSON it takes. */
const KEYS: Readonly<Record<string, { readonly flag: string; readonly kind: Kind }>> = {
  policies: { flag: 'policy', kind: 'policies' },
  base: { flag: 'base', kind: 'policy' },
  properties: { flag: 'property', kind: 'strings' },
  engine: { flag: 'engine', kind: 'engine' },
  mechanisms: { flag: 'mechanisms', kind: 'mechanisms' },
  'budget.runs': { flag: 'runs', kind: 'int' },
  'budget.time': { flag: 'time', kind: 'int' },
  'budget.seed': { flag: 'seed', kind: 'int' },
  'exhaustive.depth': { flag: 'depth', kind: 'int' },
  'exhaustive.max_states': { flag: 'max-states', kind: 'int' },
  'exhaustive.max_memory': { flag: 'max-memory', kind: 'int' },
  'exhaustive.symmetry': { flag: 'symmetry', kind: 'bool' },
  'exhaustive.memo': { flag: 'memo', kind: 'memo' },
  'exhaustive.order': { flag: 'order', kind: 'string' },
  'exhaustive.workers': { flag: 'workers', kind: 'int' },
  ...Object.fromEntries(SCOPE_KEYS.map((k) => [`scope.${k}`, { flag: scopeFlag(k), kind: 'int' as const }])),
};
const GROUPS = ['budget', 'exhaustive', 'scope'];

/** The flags the exhaustive engine alone takes: the config's apply only with that engine. */
const EXHAUSTIVE_ONLY = new Set(Object.keys(EXHAUSTIVE).filter((f) => f !== 'mechanisms'));

interface Setting {
  readonly key: string;
  readonly flag: string;
  readonly args: readonly string[];
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

const TYPE: Readonly<Record<Kind, string>> = {
  int: 'a whole number',
  string: 'a string',
  strings: 'a non-empty list of strings',
  policy: 'a policy name or file (a string)',
  policies: 'a non-empty list of policy names or files',
  engine: "'random' or 'exhaustive'",
  bool: 'true or false',
  memo: "'auto', true or false",
  mechanisms: "'all', 'none' or a list of mechanism names",
};

/** A JSON value of `kind` as flag values; null when it has the wrong type. */
function flagValues(kind: Kind, v: unknown): string[] | null {
  const strings = Array.isArray(v) && v.length > 0 && v.every((x) => typeof x === 'string') ? (v as string[]) : null;
  switch (kind) {
    case 'int':
      return typeof v === 'number' ? [String(v)] : null;
    case 'string':
    case 'policy':
    case 'engine':
      return typeof v === 'string' ? [v] : null;
    case 'strings':
    case 'policies':
      return strings;
    case 'bool':
      return typeof v === 'boolean' ? [v ? 'on' : 'off'] : null;
    case 'memo':
      return v === 'auto' ? ['auto'] : typeof v === 'boolean' ? [v ? 'on' : 'off'] : null;
    case 'mechanisms':
      return v === 'all' || v === 'none' ? [v] : strings && [strings.join(',')];
  }
}

/** A policy spec of the config: a file relative to the config's directory, as a path from here. */
function policySpec(spec: string, dir: string): string {
  if (!isPolicyFile(spec)) return spec;
  const r = relative(process.cwd(), resolve(dir, spec));
  return r.includes('/') || /\.(m?[jt]s)$/.test(r) ? r : `./${r}`;
}

/** The settings of a config document (`doc`, under `prefix` in its file), checked; InputError at the key's line. */
export function configSettings(doc: unknown, text: string, file: string, prefix: string): Setting[] {
  const lines = 'lines' in scanJson(text) ? (scanJson(text) as { lines: ReadonlyMap<string, number> }).lines : null;
  const lineOf = (key: string): number | null => {
    for (let k = key; k !== ''; k = k.replace(/(\.[^.]*|\[\d+\])$/, '')) {
      const l = lines?.get(prefix + k);
      if (l !== undefined) return l;
      if (!/[.[]/.test(k)) break;
    }
    return lines?.get(prefix.replace(/\.$/, '')) ?? null;
  };
  const bad = (key: string, problem: string): never => {
    throw new InputError(file, lineOf(key), `${key === '' ? '' : `"${key}": `}${problem}`);
  };
  if (!isObj(doc)) return bad('', `expected a JSON object of settings (${Object.keys(KEYS).join(', ')})`);
  const entries: [string, unknown][] = [];
  for (const [k, v] of Object.entries(doc)) {
    if (GROUPS.includes(k)) {
      if (!isObj(v)) return bad(k, 'expected an object');
      for (const [kk, vv] of Object.entries(v)) entries.push([`${k}.${kk}`, vv]);
    } else entries.push([k, v]);
  }
  const dir = dirname(resolve(file));
  const out: Setting[] = [];
  for (const [key, v] of entries) {
    const spec = KEYS[key];
    if (spec === undefined) {
      const hint = closest(key, Object.keys(KEYS));
      return bad(key, `unknown key${hint ? ` (did you mean '${hint}'?)` : ` (keys: ${Object.keys(KEYS).join(', ')})`}`);
    }
    const values = flagValues(spec.kind, v);
    if (values === null) return bad(key, `expected ${TYPE[spec.kind]}, got ${JSON.stringify(v)?.slice(0, 40)}`);
    if (spec.kind === 'policy' || spec.kind === 'policies') {
      values.forEach((p, i) => {
        const at = spec.kind === 'policies' ? `${key}[${i}]` : key;
        if (isPolicyFile(p) && !existsSync(resolve(dir, p))) bad(at, `no such policy file '${p}'`);
        if (!isPolicyFile(p) && !Object.hasOwn(POLICIES, p)) {
          const hint = closest(p, Object.keys(POLICIES));
          bad(at, `unknown policy '${p}'${hint ? ` (did you mean '${hint}'?)` : '; see apmc policies'}`);
        }
        values[i] = policySpec(p, dir);
      });
    }
    out.push({ key, flag: spec.flag, args: values.flatMap((x) => [`--${spec.flag}`, x]) });
  }
  // Each value as its flag would take it (the exhaustive settings with the exhaustive engine).
  for (const s of out) {
    const withEngine = EXHAUSTIVE_ONLY.has(s.flag) ? ['--engine', 'exhaustive'] : [];
    // A list's items one by one, each named by its index.
    const list = KEYS[s.key]!.kind === 'strings' || KEYS[s.key]!.kind === 'policies';
    for (let i = 0; i < s.args.length; i += 2) {
      try {
        parseCheckArgs([...withEngine, ...s.args.slice(i, i + 2)]);
      } catch (e) {
        if (!(e instanceof UsageError)) throw e;
        const m = e.message;
        const key = list ? `${s.key}[${i / 2}]` : s.key;
        // `--runs: expected …, got '0'` as `"budget.runs" is 0; expected …`: the value first, the range may clip.
        const own = m.startsWith(`--${s.flag}:`) ? m.slice(s.flag.length + 3).trimStart() : m;
        const got = /^(.*), got '(.*)'$/.exec(own);
        if (got) throw new InputError(file, lineOf(key), `"${key}" is ${got[2]}; ${got[1]}`);
        bad(key, own);
      }
    }
  }
  return out;
}

/** The config file to read, and the key in it; null if there is none. */
function locate(given: string | undefined): { file: string; key: string | null } | null {
  if (given !== undefined) return { file: given, key: basename(given) === 'package.json' ? 'apmc' : null };
  const own = existsSync(CONFIG_FILE);
  let pkg = false;
  if (existsSync('package.json')) {
    const text = readInput('package.json', 'package.json');
    const doc = parseJsonText(text, 'package.json');
    pkg = isObj(doc) && Object.hasOwn(doc, 'apmc');
  }
  if (own && pkg) {
    const why = `${CONFIG_FILE} and package.json's "apmc" key both configure apmc; keep one (or choose with --config)`;
    throw new InputError(CONFIG_FILE, null, why);
  }
  if (own) return { file: CONFIG_FILE, key: null };
  return pkg ? { file: 'package.json', key: 'apmc' } : null;
}

/**
 * `apmc check`'s arguments with the config's settings before them (those the command line does not
 * give), and `--no-config` first so that a sandbox thread, which parses them again, does not read it
 * twice. Without a config: `args` as they are.
 */
export function withConfig(args: readonly string[], note: (line: string) => void = () => {}): string[] {
  // Nothing to read and no --config or --no-config: the arguments as they are, unparsed (check parses them).
  const named = args.some((a) => a.startsWith('--config') || a.startsWith('--no-config'));
  if (!named && !existsSync(CONFIG_FILE) && !existsSync('package.json')) return [...args];
  const { values, tokens } = parse(args, COMMANDS.check);
  if (values['no-config'] === true && values.config !== undefined)
    throw new UsageError('--config and --no-config: give one');
  if (values['no-config'] === true) return [...args];
  const where = locate(values.config);
  if (where === null) return [...args];
  const text = readInput(where.file, 'config');
  const parsed = parseJsonText(text, where.file);
  let doc: unknown = parsed;
  if (where.key !== null) {
    if (!isObj(parsed) || !Object.hasOwn(parsed, where.key))
      throw new InputError(where.file, null, `no "${where.key}" key (the settings of apmc)`);
    doc = parsed[where.key];
  }
  const settings = configSettings(doc, text, where.file, where.key === null ? '' : `${where.key}.`);
  const given = new Set<string>(tokens.filter((t) => t.kind === 'option').map((t) => t.name));
  // The exhaustive settings only with the exhaustive engine (the command line's or else the config's).
  const engine = values.engine ?? settings.find((s) => s.flag === 'engine')?.args[1] ?? 'random';
  // The hybrid engine takes the search's depth and symmetry (bin/check-hybrid.ts).
  const takes = (f: string) =>
    engine === 'exhaustive' || !EXHAUSTIVE_ONLY.has(f) || (engine === 'hybrid' && (f === 'depth' || f === 'symmetry'));
  const kept = settings.filter((s) => !given.has(s.flag) && takes(s.flag));
  // The command line without its --config (the settings are in the arguments now).
  const drop = new Set<number>();
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name !== 'config') continue;
    drop.add(t.index);
    if (t.inlineValue === false) drop.add(t.index + 1);
  }
  note(`settings from ${where.file}${where.key !== null ? ` ("${where.key}")` : ''}; --no-config ignores them`);
  return ['--no-config', ...kept.flatMap((s) => s.args), ...args.filter((_, i) => !drop.has(i))];
}
