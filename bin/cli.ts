/**
 * The apmc command line as a function: `runCli(argv)` runs one command and returns its exit code; bad input,
 * policy errors and internal errors become one line on stderr. Exit codes: see README (0, 1, 4, 5, 7 from check;
 * 2 bad usage or input; 3 internal error; 130/143 a signal). bin/main.ts wires it to the process.
 */
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { loadPolicy } from './load-policy.ts';
import { loadTrace, policyLine, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import { HELP, policiesText, UsageError } from './usage.ts';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { closingLine, exitCode, runCheck } from './check.ts';
import { mergedExit, mergeReports, renderMerged } from './merge.ts';
import { runExhaustiveCheck } from './check-exhaustive.ts';
import { checkJson, renderCheck } from './render-check.ts';
import { diffCommand, explainCommand } from './explain.ts';
import { reportHtml } from '../render/report.ts';
import { REPORT_FILE, writeReport } from './report.ts';
import { checkOutputDir } from './safe-write.ts';
import { saveFound } from './save.ts';
import { onePositional, parse, parseCheckArgs, SCOPE_FLAGS, scopeFlagValues } from './args.ts';
import { abortFlag } from '../properties/abort.ts';
import { expectation } from '../properties/expected.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { SIGNAL_EXIT, stopOnSignals } from './signals.ts';
import { statsLines } from './render-robust.ts';
import { runFault, TracePolicyError } from './run-fault.ts';
import { errorLine } from '../render/term.ts';

async function cmdRun(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, { policy: { type: 'string' }, json: { type: 'boolean' }, ...SCOPE_FLAGS });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  const t = withScopeFlags(loadTrace(file), scopeFlagValues(values), file);
  const policy = await loadPolicy(values.policy ?? t.policy ?? 'upstream').catch((e: unknown) => {
    // A bad `policy` line of the trace is bad input of the trace: name its file and line.
    if (values.policy === undefined && t.policy !== null && e instanceof UsageError) throw new InputError(file, policyLine(file), e.message);
    throw e;
  });
  // Guarded, so that a misbehaving policy is a one-line policy error (exit 7), not a stack trace.
  const guard = guardPolicy(policy);
  guard.thorough = true;
  let report;
  try {
    report = runReport(t, guard.policy);
  } catch (e) {
    throw runFault(t, guard, file, e);
  }
  if (values.json) console.log(JSON.stringify(report, null, 2));
  else console.log(renderRun(makeChalk({ color: values.color, noColor: values['no-color'] }), report));
  return 0;
}

function cmdConvert(args: string[]): number {
  const { values, positionals } = parse(args, { to: { type: 'string' } });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  if (values.to !== undefined && values.to !== 'json' && values.to !== 'text') throw new UsageError(`--to: expected 'json' or 'text', got '${values.to}'`);
  const t = loadTrace(file);
  // Default: to the other format (JSON files become text, text files JSON).
  const to = values.to ?? (file.endsWith('.json') ? 'text' : 'json');
  if (to === 'json') console.log(JSON.stringify(traceToJson(t), null, 2));
  else process.stdout.write(formatTrace(t));
  return 0;
}

async function cmdCheck(args: string[]): Promise<number> {
  const a = parseCheckArgs(args);
  if (a.help) return help();
  // Where the run will write is checked before it starts: a bad location is bad input, not a failure at the end.
  if (a.save !== null) checkOutputDir('--save', a.save);
  if (a.report !== undefined) checkOutputDir('--report', a.report, [REPORT_FILE]);
  const specs = a.policies ?? Object.keys(POLICIES);
  const policies = await Promise.all(specs.map((p) => loadPolicy(p)));
  const saveDir = a.save === null ? null : resolve(a.save);
  // Counterexamples are saved as soon as they are found, so that an interrupted run keeps them.
  const onFound = (policy: string, f: Parameters<typeof saveFound>[3]) => {
    if (saveDir === null) return;
    const r = saveFound(saveDir, a.scope, policy, f, expectation(policy, f.property));
    console.error(r.written ? `saved ${r.path}` : `kept ${r.path} (exists)`);
  };
  const signal = abortFlag();
  const restore = stopOnSignals(signal);
  const { engine, settings } = a.engine;
  const shard = settings.shard;
  let run;
  try {
    run =
      engine === 'exhaustive'
        ? await runExhaustiveCheck(policies, specs, a.properties, a.scope, { ...settings, signal, ...(a.timeMs !== undefined ? { timeMs: a.timeMs } : {}) }, !a.json && process.stderr.isTTY === true, onFound)
        : await runCheck(policies, a.properties, a.scope, shard ? a.seed * shard.n + shard.k : a.seed, shard ? Math.ceil(a.runs / shard.n) : a.runs, a.timeMs, { signal, onFound }, shard);
  } finally {
    restore();
  }
  let code = exitCode(run.cells);
  if (a.ci && code === 4) code = 0;
  if (run.stoppedBy !== null) code = SIGNAL_EXIT[run.stoppedBy] ?? code;
  if (a.json) console.log(JSON.stringify(checkJson(run, code), null, 2));
  else {
    const c = makeChalk({ color: a.color, noColor: a.noColor });
    console.log(renderCheck(c, run, policies));
    if (a.stats) console.log(statsLines(c, run).join('\n'));
    console.log('\n' + c.bold(closingLine(run.cells, code, run.stoppedBy)));
  }
  if (a.report !== undefined) {
    const page = reportHtml(run, policies, closingLine(run.cells, code, run.stoppedBy));
    console.error(`report written to ${writeReport(a.report, page)}`);
  }
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


function cmdPolicies(): number {
  console.log(policiesText(Object.values(POLICIES)));
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
    console.log('\n' + c.bold(closingLine(m.cells, code)));
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
      throw new UsageError(`unknown command '${cmd}' (commands: apmc help)`);
  }
}

/** Run one apmc command; the exit code. Errors that are not apmc's fault are one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  // Error lines: data clipped in its middle to keep 80 columns; file names stay whole (the user copies them).
  const paths = argv.filter((a) => /\/|\.\w+$/.test(a) || existsSync(a));
  const say = (message: string, file?: string) => {
    console.error(errorLine(message, file === undefined ? paths : [file, ...paths]));
  };
  try {
    return await main(argv);
  } catch (e) {
    if (e instanceof UsageError || e instanceof InputError) {
      say(e.message, e instanceof InputError ? e.file : undefined);
      return 2;
    } else if (e instanceof TracePolicyError) {
      say(e.message);
      return 7;
    } else if (e instanceof PolicyFault) {
      say(`policy error in '${e.policy}': ${e.message}`);
      return 7;
    }
    say(`internal error: ${e instanceof Error ? e.message : String(e)}`);
    return 3;
  }
}
