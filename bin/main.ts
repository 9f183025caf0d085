/** The apmc command line. Exit codes: 0 done, 2 bad usage or input, 3 internal error. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type ParseArgsOptionsConfig = NonNullable<ParseArgsConfig['options']>;
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { loadPolicy } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import { HELP, UsageError } from './usage.ts';

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

function cmdPolicies(): number {
  for (const p of Object.values(POLICIES)) console.log(`${p.name.padEnd(10)} ${p.summary}`);
  return 0;
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
    case 'policies':
      return cmdPolicies();
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help();
    default:
      throw new UsageError(`unknown command '${cmd}' (run, convert, policies, help)`);
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
