/** The apmc command line. Exit codes: see README (0, 1, 4, 5 from check; 2 bad usage or input; 3 internal error). */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { loadPolicy } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import { closest, HELP, UsageError } from './usage.ts';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DEFAULT_SCOPE, type Scope } from '../model/scope.ts';
import { PROPERTY_NAMES, propertyByName } from '../properties/registry.ts';
import { exitCode, runCheck } from './check.ts';
import { mergedExit, mergeReports, renderMerged } from './merge.ts';
import { ENGINE_FLAGS, engineSettings, runExhaustiveCheck } from './engine-flags.ts';
import { checkJson, renderCheck } from './render-check.ts';
import { saveCounterexamples } from './save.ts';
import { diffCommand, explainCommand } from './explain.ts';
import { reportHtml } from '../render/report.ts';
import { writeReport } from './report.ts';

const COMMON = {
  color: { type: 'boolean' },
  'no-color': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;
const SCOPE_FLAGS = {
  adapters: { type: 'string' },
  domains: { type: 'string' },
  'control-domains': { type: 'string' },
  mdevs: { type: 'string' },
  vms: { type: 'string' },
} as const;

function parse<const O extends ParseArgsOptionsConfig>(args: string[], options: O) {
  try {
    return parseArgs({ args, options: { ...COMMON, ...options }, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError(e instanceof Error ? e.message.split('\n')[0]! : String(e));
  }
}

function onePositional(positionals: string[], what: string): string {
  if (positionals.length !== 1) throw new UsageError(`expected one ${what}, got ${positionals.length} (see 'apmc help')`);
  return positionals[0]!;
}

async function cmdRun(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { policy: { type: 'string' }, json: { type: 'boolean' }, ...SCOPE_FLAGS });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  const t = withScopeFlags(
    loadTrace(file),
    {
      adapters: values.adapters,
      domains: values.domains,
      control_domains: values['control-domains'],
      mdevs: values.mdevs,
      vms: values.vms,
    },
    file,
  );
  const policy = await loadPolicy(values.policy ?? t.policy ?? 'upstream');
  const report = runReport(t, policy);
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(renderRun(makeChalk({ color: values.color, noColor: values['no-color'] }), report));
  return 0;
}

function cmdConvert(args: string[]): number {
  const { values, positionals } = parse(args, { to: { type: 'string' } });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  const t = loadTrace(file);
  // Default: to the other format (JSON files become text, text files JSON).
  const to = values.to ?? (file.endsWith('.json') ? 'text' : 'json');
  if (to === 'json') console.log(JSON.stringify(traceToJson(t), null, 2));
  else if (to === 'text') process.stdout.write(formatTrace(t));
  else throw new UsageError(`--to: expected 'json' or 'text', got '${to}'`);
  return 0;
}

async function cmdCheck(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    policy: { type: 'string', multiple: true },
    property: { type: 'string', multiple: true },
    seed: { type: 'string' },
    runs: { type: 'string' },
    time: { type: 'string' },
    json: { type: 'boolean' },
    save: { type: 'boolean' },
    ci: { type: 'boolean' },
    ...ENGINE_FLAGS,
    report: { type: 'string' },
    ...SCOPE_FLAGS,
  });
  if (values.help) return help();
  if (positionals.length > 0) throw new UsageError(`apmc check takes no file arguments (got '${positionals[0]}')`);
  const eng = engineSettings(values);
  const int = (name: string, v: string | undefined, dflt: number, min: number): number => {
    if (v === undefined) return dflt;
    if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name}: expected a whole number ≥ ${min}, got '${v}'`);
    return Number(v);
  };
  const scope = scopeFromFlags(values);
  const policies = await Promise.all((values.policy ?? Object.keys(POLICIES)).map((p) => loadPolicy(p)));
  const props = (values.property ?? PROPERTY_NAMES).map((n) => {
    const p = propertyByName(n);
    if (!p) {
      const hint = closest(n, PROPERTY_NAMES);
      throw new UsageError(`unknown property '${n}'${hint ? ` (did you mean '${hint}'?)` : ''}; see the README's property list`);
    }
    return p;
  });
  const seed = int('seed', values.seed, 1, 0);
  const runs = int('runs', values.runs, 50000, 1);
  const time = values.time === undefined ? undefined : int('time', values.time, 0, 1) * 1000;
  const specs = values.policy ?? Object.keys(POLICIES);
  const run =
    eng.engine === 'exhaustive'
      ? await runExhaustiveCheck(policies, specs, props, scope, { ...eng.settings, ...(time !== undefined ? { timeMs: time } : {}) }, !values.json && process.stderr.isTTY === true)
      : runCheck(policies, props, scope, eng.settings.shard ? seed * eng.settings.shard.n + eng.settings.shard.k : seed, eng.settings.shard ? Math.ceil(runs / eng.settings.shard.n) : runs, time, eng.settings.shard);
  let code = exitCode(run.cells);
  if (values.json) console.log(JSON.stringify(checkJson(run, values.ci && code === 4 ? 0 : code), null, 2));
  else {
    const c = makeChalk({ color: values.color, noColor: values['no-color'] });
    console.log(renderCheck(c, run, policies));
    console.log('\n' + c.bold(EXIT_TEXT[code] ?? ''));
  }
  if (values.save) {
    const r = saveCounterexamples(join(packageRoot(), 'counterexamples'), scope, run.cells);
    for (const p of r.written) console.error(`saved ${p}`);
    for (const p of r.existing) console.error(`kept ${p} (exists)`);
  }
  if (values.report !== undefined) console.error(`report written to ${writeReport(values.report, reportHtml(run, policies, EXIT_TEXT[code] ?? ''))}`);
  if (values.ci && code === 4) code = 0;
  return code;
}

const scopeValues = (v: Partial<Record<keyof typeof SCOPE_FLAGS, string | undefined>>) => ({
  adapters: v.adapters,
  domains: v.domains,
  control_domains: v['control-domains'],
  mdevs: v.mdevs,
  vms: v.vms,
});

async function cmdExplain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { policy: { type: 'string' }, format: { type: 'string' }, ...SCOPE_FLAGS });
  if (values.help) return help();
  const c = makeChalk({ color: values.color, noColor: values['no-color'] });
  const f = { format: values.format, policy: values.policy, scope: scopeValues(values) };
  console.log(await explainCommand(c, onePositional(positionals, 'trace or counterexample file'), f));
  return 0;
}

/** Exit 0: the policies agree on every step; 1: they differ. */
async function cmdDiff(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { policy: { type: 'string', multiple: true }, ...SCOPE_FLAGS });
  if (values.help) return help();
  const c = makeChalk({ color: values.color, noColor: values['no-color'] });
  const d = await diffCommand(c, onePositional(positionals, 'trace file'), values.policy ?? [], scopeValues(values));
  console.log(d.text);
  return d.differ ? 1 : 0;
}

const EXIT_TEXT: Record<number, string> = {
  6: 'not finished: a bound (--max-states or memory) ended the search, or a shard is missing (exit 6)',
  0: 'every property checked holds (exit 0)',
  1: 'a violation that is not expected (exit 1)',
  4: 'violations found, all of them expected (exit 4; --ci makes this 0)',
  5: 'no new violation, but an expected violation was not found (exit 5)',
};

function scopeFromFlags(v: Partial<Record<'adapters' | 'domains' | 'control-domains' | 'mdevs' | 'vms', string | undefined>>): Scope {
  const t = withScopeFlags(
    { scope: DEFAULT_SCOPE, scopeSet: [], policy: null, initial: null, header: [], steps: [], trailer: [] },
    { adapters: v.adapters, domains: v.domains, control_domains: v['control-domains'], mdevs: v.mdevs, vms: v.vms },
    'scope flags',
  );
  return t.scope;
}

/** The directory holding package.json, found by walking up from this file (works from source and from a build). */
function packageRoot(): string {
  let dir = import.meta.dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) return process.cwd();
    dir = up;
  }
  return dir;
}

function cmdPolicies(): number {
  for (const p of Object.values(POLICIES)) console.log(`${p.name.padEnd(10)} ${p.summary}`);
  return 0;
}

function cmdMerge(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, ci: { type: 'boolean' } });
  if (values.help) return help();
  if (positionals.length === 0) throw new UsageError('apmc merge: expected one or more report files (apmc check --json output)');
  const m = mergeReports(positionals);
  let code = mergedExit(m);
  if (values.ci && code === 4) code = 0;
  if (values.json) console.log(JSON.stringify({ format: 'apmc-check/1', merged_from: positionals, exit: code, notes: m.notes, results: m.results }, null, 2));
  else {
    const c = makeChalk({ color: values.color, noColor: values['no-color'] });
    console.log(renderMerged(c, m, positionals));
    console.log('\n' + c.bold(EXIT_TEXT[mergedExit(m)] ?? ''));
  }
  return code;
}

function help(): number {
  console.log(HELP);
  return 0;
}

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return cmdRun(rest);
    case 'convert':
      return cmdConvert(rest);
    case 'check':
      return cmdCheck(rest);
    case 'explain':
      return cmdExplain(rest);
    case 'diff':
      return cmdDiff(rest);
    case 'merge':
      return cmdMerge(rest);
    case 'policies':
      return cmdPolicies();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help();
    default:
      throw new UsageError(`unknown command '${cmd}' (run, check, explain, diff, merge, convert, policies, help)`);
  }
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  if (e instanceof UsageError || e instanceof InputError) {
    console.error(`apmc: ${e.message}`);
    process.exitCode = 2;
  } else {
    console.error(`apmc: internal error: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 3;
  }
}
