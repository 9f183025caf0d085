/**
 * Command-line parsing, without I/O: every bad flag or value is a UsageError with one line naming the
 * flag and the problem (tested by fuzzing, test/fuzz.test.ts).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { type Mechanism, MECHANISMS } from '../model/op-values.ts';
import { DEFAULT_SCOPE, type Scope } from '../model/scope.ts';
import { PROPERTY_NAMES } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import {
  type CommandName,
  type CommandSpec,
  COMMANDS,
  COMMON,
  EXHAUSTIVE,
  type Flags as FlagTable,
} from './commands.ts';
import { withScopeFlags } from './load-trace.ts';
import { propertyArgs } from './property-args.ts';
import { readStdin, STDIN, useStdin } from './read-input.ts';
import { type ScopeFlagValues, scopeFlagValues } from './scope-flags.ts';
import { closest, UsageError } from './usage.ts';
import type { ExhaustiveSettings } from './check-exhaustive.ts';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;

export { COMMON } from './commands.ts';
export { scopeFlagValues } from './scope-flags.ts';

/** `--help` or `-h` on a command line that parsed: bin/cli.ts prints that command's help, exit 0. */
export class HelpRequest extends Error {
  readonly command: CommandName;
  constructor(command: CommandName) {
    super(`apmc ${command} --help`);
    this.command = command;
  }
}

/**
 * node:util parseArgs in strict mode over the flags of `spec` (bin/commands.ts) and the common ones, its
 * errors as one-line UsageErrors. A flag that takes a value and is not `multiple` may be given once
 * (parseArgs would keep the last silently). `--help` throws HelpRequest. For a command that reads traces,
 * a positional `-` is standard input: read here, once, and named `<stdin>` (bin/read-input.ts).
 */
export function parse<const F extends FlagTable>(args: readonly string[], spec: CommandSpec<F>) {
  const all: FlagTable = { ...COMMON, ...spec.flags };
  const options: ParseArgsOptionsConfig = {};
  for (const [name, f] of Object.entries(all)) {
    options[name] = { type: f.type, ...(f.multiple ? { multiple: true } : {}), ...(f.short ? { short: f.short } : {}) };
  }
  let parsed;
  try {
    parsed = parseArgs({
      args: [...args],
      options: options as unknown as F & typeof COMMON,
      allowPositionals: true,
      strict: true,
      tokens: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    const code = (e as { code?: string }).code;
    const flag = /'(--?[^' ]+)/.exec(msg)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      const hint = closest(flag.replace(/^-+/, ''), Object.keys(all));
      const see = hint ? ` (did you mean '--${hint}'?)` : ` (see 'apmc ${spec.name} --help')`;
      throw new UsageError(`unknown option '${flag}'${see}`);
    }
    if (/ambiguous/.test(msg)) {
      const i = args.indexOf(flag);
      const next = args[i + 1] ?? '';
      const hint = next.startsWith('--') ? '' : `; write ${flag}=${next} if it is the value`;
      throw new UsageError(`${flag}: missing value (got '${next}'${hint})`);
    }
    if (/argument missing/.test(msg)) throw new UsageError(`${flag}: missing value`);
    throw new UsageError(msg.split('\n')[0]!);
  }
  if ((parsed.values as Record<string, unknown>)['help'] === true) throw new HelpRequest(spec.name as CommandName);
  const given = new Map<string, string | undefined>();
  for (const t of parsed.tokens) {
    if (t.kind !== 'option' || all[t.name]?.type !== 'string' || all[t.name]?.multiple === true) continue;
    if (given.has(t.name)) {
      throw new UsageError(`--${t.name}: given twice ('${given.get(t.name)}', then '${t.value}'); give it once`);
    }
    given.set(t.name, t.value);
  }
  const { values, tokens } = parsed;
  let positionals = parsed.positionals;
  if (spec.stdin === true) positionals = stdinPositionals(positionals);
  else useStdin(false);
  return { values, positionals, tokens };
}

/** The positionals with `-` as STDIN, read (once per process); at most one `-`, and no file named STDIN with it. */
function stdinPositionals(positionals: string[]): string[] {
  const dashes = positionals.filter((p) => p === '-').length;
  useStdin(dashes > 0);
  if (dashes === 0) return positionals;
  if (dashes > 1) throw new UsageError(`'-' given ${dashes} times: standard input holds one trace`);
  if (positionals.includes(STDIN))
    throw new UsageError(`'${STDIN}' is how '-' is named; write './${STDIN}' for a file of that name`);
  readStdin();
  return positionals.map((p) => (p === '-' ? STDIN : p));
}

export function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1)
    throw new UsageError(`expected one ${what}, got ${positionals.length} (see 'apmc help')`);
  return positionals[0]!;
}

export function scopeFromFlags(v: ScopeFlagValues): Scope {
  const empty = { scope: DEFAULT_SCOPE, scopeSet: [], policy: null, initial: null, header: [], steps: [], trailer: [] };
  return withScopeFlags(empty, scopeFlagValues(v), 'scope flags').scope;
}

export interface CheckArgs {
  /** Policy names or files, unresolved (bin/load-policy.ts resolves them). */
  readonly policies: readonly string[] | null;
  /** --base: the policy (name or file, unresolved) every policy is checked against; null without. */
  readonly base: string | null;
  readonly properties: readonly Property[];
  readonly scope: Scope;
  readonly seed: number;
  readonly runs: number;
  readonly timeMs: number | undefined;
  readonly json: boolean;
  readonly ci: boolean;
  readonly stats: boolean;
  /** --verbose: every counterexample in full, the expected ones too. */
  readonly verbose: boolean;
  /** --save: null (no), or the directory (default: counterexamples/ of the current directory). */
  readonly save: string | null;
  readonly color: boolean | undefined;
  readonly noColor: boolean | undefined;
  /** --report DIR: the HTML report's directory. */
  readonly report: string | undefined;
  /** --engine and the exhaustive engine's flags, --shard. */
  readonly engine: ReturnType<typeof engineSettings>;
  /** --from FILE: explore from the state the trace FILE reaches; the scope flags as given, over its scope. */
  readonly from: string | undefined;
  readonly scopeFlags: ReturnType<typeof scopeFlagValues>;
}

const intFlag = (
  name: string,
  v: string | undefined,
  dflt: number,
  min: number,
  max = Number.MAX_SAFE_INTEGER,
): number => {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got '${v}'`);
  return Number(v);
};

/** `apmc check`'s arguments. */
export function parseCheckArgs(args: string[]): CheckArgs {
  const { values, positionals } = parse(args, COMMANDS.check);
  // `--save DIR`: the one positional check accepts.
  if (positionals.length > (values.save ? 1 : 0)) {
    throw new UsageError(
      `apmc check takes no file arguments (got '${positionals.at(-1)}'` +
        `${values.save ? '' : '; --save DIR names a directory'})`,
    );
  }
  // A name or a spec id (I7; I3 names four properties): bin/property-args.ts.
  const properties = propertyArgs(values.property ?? PROPERTY_NAMES);
  const time = values.time === undefined ? undefined : intFlag('time', values.time, 0, 1, 86400 * 365) * 1000;
  return {
    policies: values.policy ?? null,
    base: values.base ?? null,
    properties,
    scope: scopeFromFlags(values),
    seed: intFlag('seed', values.seed, 1, 0, 2 ** 31 - 1),
    runs: intFlag('runs', values.runs, 50000, 1, 1e12),
    timeMs: time,
    json: values.json === true,
    ci: values.ci === true,
    stats: values.stats === true,
    verbose: values.verbose === true,
    save: values.save ? (positionals[0] ?? 'counterexamples') : null,
    color: values.color,
    noColor: values['no-color'],
    report: values.report,
    engine: engineSettings(values),
    from: values.from,
    scopeFlags: scopeFlagValues(values),
  };
}

/** --engine, the exhaustive engine's flags and --shard (`apmc check`; bin/commands.ts). */
export const ENGINE_FLAGS = {
  engine: COMMANDS.check.flags.engine,
  shard: COMMANDS.check.flags.shard,
  ...EXHAUSTIVE,
} as const;

/**
 * `--mechanisms LIST`: the kernel mechanisms beyond the classic ops that the engines generate
 * (model/op-values.ts MECHANISMS): `all` (the default), `none`, or a comma list of their names.
 */
export function mechanismsFlag(v: string | undefined): readonly Mechanism[] {
  if (v === undefined || v === 'all') return [...MECHANISMS];
  if (v === 'none') return [];
  const out: Mechanism[] = [];
  for (const word of v.split(',')) {
    if (word === '') throw new UsageError(`--mechanisms: an empty name in '${v}'`);
    if (word === 'all' || word === 'none') throw new UsageError(`--mechanisms: '${word}' only alone, got '${v}'`);
    const m = MECHANISMS.find((x) => x === word);
    if (m === undefined) {
      const hint = closest(word, [...MECHANISMS]);
      const help = hint ? ` (did you mean '${hint}'?)` : " (see 'apmc check --help' for the names)";
      throw new UsageError(`--mechanisms: unknown mechanism '${word}'${help}`);
    }
    if (!out.includes(m)) out.push(m);
  }
  return MECHANISMS.filter((m) => out.includes(m));
}

type Flags = Partial<Record<keyof typeof ENGINE_FLAGS, string | undefined>>;

export function engineSettings(v: Flags): {
  engine: 'random' | 'exhaustive' | 'hybrid';
  settings: ExhaustiveSettings;
} {
  const engine = v.engine ?? 'random';
  if (engine !== 'random' && engine !== 'exhaustive' && engine !== 'hybrid')
    throw new UsageError(`--engine: expected 'random', 'exhaustive' or 'hybrid', got '${engine}'`);
  const int = (name: string, x: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined =>
    x === undefined ? undefined : intFlag(name, x, 0, min, max);
  const onlyExhaustive = (['depth', 'max-states', 'max-memory', 'symmetry', 'memo', 'order', 'workers'] as const).find(
    (f) => v[f] !== undefined,
  );
  if (engine === 'random' && onlyExhaustive) throw new UsageError(`--${onlyExhaustive} needs --engine exhaustive`);
  // The hybrid engine's search phase runs in one thread to a depth (bin/check-hybrid.ts).
  const notHybrid = (['max-states', 'max-memory', 'memo', 'order', 'workers'] as const).find((f) => v[f] !== undefined);
  if (engine === 'hybrid' && (notHybrid ?? v.shard) !== undefined)
    throw new UsageError(`--${notHybrid ?? 'shard'} does not go with --engine hybrid`);
  const sym = v.symmetry ?? 'on';
  if (sym !== 'on' && sym !== 'off') throw new UsageError(`--symmetry: expected 'on' or 'off', got '${sym}'`);
  const memo = v.memo ?? 'auto';
  if (memo !== 'auto' && memo !== 'on' && memo !== 'off')
    throw new UsageError(`--memo: expected 'auto', 'on' or 'off', got '${memo}'`);
  const order = v.order;
  if (order !== undefined && order !== 'guests-first' && order !== 'plain')
    throw new UsageError(`--order: expected 'guests-first' or 'plain', got '${order}'`);
  let shard: { k: number; n: number } | undefined;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2]))
      throw new UsageError(`--shard: expected k/n with 1 ≤ k ≤ n (e.g. 2/4), got '${v.shard}'`);
    shard = { k: Number(m[1]) - 1, n: Number(m[2]) };
  }
  const depth = int('depth', v.depth, 0, 1000);
  const maxStates = int('max-states', v['max-states'], 1);
  const mb = int('max-memory', v['max-memory'], 64);
  return {
    engine,
    settings: {
      mechanisms: mechanismsFlag(v.mechanisms),
      symmetry: sym === 'on',
      ...(memo !== 'auto' ? { memo: memo === 'on' } : {}),
      ...(order !== undefined ? { order } : {}),
      workers: int('workers', v.workers, 1, 64) ?? 1,
      ...(depth !== undefined ? { depth } : {}),
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(mb !== undefined ? { maxMemory: mb * 1024 * 1024 } : {}),
      ...(shard ? { shard } : {}),
    },
  };
}
