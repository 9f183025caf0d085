/**
 * The apmc command line as a function: `runCli(argv)` runs one command and returns its exit code; bad input,
 * policy errors and internal errors become one line on stderr. Exit codes: see README (0, 1, 4, 5, 7 from check;
 * 2 bad usage or input; 3 internal error; 130/143 a signal). bin/main.ts wires it to the process.
 */
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { tracePolicy, loadPolicy } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import { pathArgs, policiesText, propertiesText, UsageError } from './usage.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { resolve } from 'node:path';
import { runCheck } from './check.ts';
import { mergedJson, mergeReports, renderMerged } from './merge.ts';
import { summarize } from '../check/summary.ts';
import { expectationBeyond } from '../check/verdict.ts';
import { runExhaustiveCheck } from './check-exhaustive.ts';
import { checkJson, renderCheck } from './render-check.ts';
import { explainCommand, loadSubject } from './explain.ts';
import { reportHtml } from '../render/report.ts';
import { REPORT_FILE, writeReport } from './report.ts';
import { checkOutputDir } from './safe-write.ts';
import { saveFound } from './save.ts';
import { onePositional, parse, parseCheckArgs, SCOPE_FLAGS, scopeFlagValues } from './args.ts';
import { abortFlag } from '../properties/abort.ts';
import { expectation, expectationFor } from '../properties/expected.ts';
import type { Policy } from '../model/policy.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { stopOnSignals } from './signals.ts';
import { statsLines } from './render-robust.ts';
import { runFault, stepWhere, traceFault, TracePolicyError } from './run-fault.ts';
import { errorLine } from '../render/term.ts';
import type { Case } from '../properties/case.ts';
import { sandboxCommand } from './sandbox.ts';
import { recordCase, recordStepDone } from './sandbox-watch.ts';
import { help, identity, type Io, LOCAL, sandboxed } from './io.ts';
import { cmdCompare, cmdDiff } from './cli-diff.ts';

export type { Io } from './io.ts';

async function cmdRun(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    policy: { type: 'string' },
    json: { type: 'boolean' },
    ...SCOPE_FLAGS,
  });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  const t = withScopeFlags(loadTrace(file), scopeFlagValues(values), file);
  // A policy file loads only from --policy (which wins over the trace's `policy` line, as for built-in names).
  if (sandboxed(io, [values.policy])) {
    return sandboxCommand('run', args, { policies: [identity(values.policy!)], locate: (i) => stepWhere(t, file, i) });
  }
  const policy = values.policy !== undefined ? await loadPolicy(values.policy) : tracePolicy(t, file);
  io.loaded();
  // Guarded, so that a misbehaving policy is a one-line policy error (exit 7), not a stack trace.
  const guard = guardPolicy(policy);
  guard.thorough = true;
  let report;
  try {
    // In a sandbox, each step is recorded first, for the watchdog to name the step a policy hangs on.
    const f = io.sandbox ? traceFault(t, policy, file) : null;
    if (f) throw f;
    report = runReport(t, guard.policy);
  } catch (e) {
    if (e instanceof TracePolicyError) throw e;
    throw runFault(t, guard, file, e);
  }
  if (values.json) io.out(JSON.stringify(report, null, 2));
  else io.out(renderRun(makeChalk({ color: values.color, noColor: values['no-color'] }), report));
  return 0;
}

function cmdConvert(args: string[]): number {
  const { values, positionals } = parse(args, { to: { type: 'string' } });
  if (values.help) return help();
  const file = onePositional(positionals, 'trace file');
  if (values.to !== undefined && values.to !== 'json' && values.to !== 'text')
    throw new UsageError(`--to: expected 'json' or 'text', got '${values.to}'`);
  const t = loadTrace(file);
  // Default: to the other format (JSON files become text, text files JSON).
  const to = values.to ?? (file.endsWith('.json') ? 'text' : 'json');
  if (to === 'json') console.log(JSON.stringify(traceToJson(t), null, 2));
  else process.stdout.write(formatTrace(t));
  return 0;
}

async function cmdCheck(args: string[], io: Io): Promise<number> {
  const a = parseCheckArgs(args);
  if (a.help) return help();
  // Where the run will write is checked before it starts: a bad location is bad input, not a failure at the end.
  if (a.save !== null) checkOutputDir('--save', a.save);
  if (a.report !== undefined) checkOutputDir('--report', a.report, [REPORT_FILE]);
  const specs = a.policies ?? Object.keys(POLICIES);
  // A counterexample saved as found records what its policy expects (its own declarations count; against a base,
  // only what the variant declares beyond it). In a sandbox's main thread no policy is loaded: by name.
  const loaded: Policy[] = [];
  let baseName: string | null = null;
  const expectedOf = (policy: string, property: string) => {
    const p = loaded.find((x) => x.name === policy);
    if (!p) return expectation(policy, property);
    return baseName === null ? expectationFor(p, property) : expectationBeyond(p, baseName, property);
  };
  const saveDir = a.save === null ? null : resolve(a.save);
  // Counterexamples are saved as soon as they are found, so that an interrupted run keeps them.
  const save = (policy: string, f: Parameters<typeof saveFound>[3]) => {
    if (saveDir === null) return;
    const r = saveFound(saveDir, a.scope, policy, f, expectedOf(policy, f.property));
    console.error(r.written ? `saved ${r.path}` : `kept ${r.path} (exists)`);
  };
  const writeHtml = (html: string) => console.error(`report written to ${writeReport(a.report!, html)}`);
  if (sandboxed(io, [...specs, a.base ?? undefined])) {
    const maxMemory = a.engine.engine === 'exhaustive' ? a.engine.settings.maxMemory : undefined;
    const limits = { timeMs: a.timeMs, maxMemory, signals: true, json: a.json, scope: a.scope };
    const policies = [...specs, ...(a.base !== null ? [a.base] : [])].map(identity);
    return sandboxCommand('check', args, { ...limits, policies, onFound: save, onReport: writeHtml });
  }
  const policies = await Promise.all(specs.map((p) => loadPolicy(p)));
  const base = a.base === null ? undefined : await loadPolicy(a.base);
  loaded.push(...policies);
  baseName = base?.name ?? null;
  io.loaded();
  const onFound = io.sandbox ? io.found : save;
  const signal = io.abort ?? abortFlag();
  const restore = io.sandbox ? () => {} : stopOnSignals(signal);
  const { engine, settings } = a.engine;
  const shard = settings.shard;
  // In a sandbox, each case is recorded for the watchdog (bin/sandbox-watch.ts).
  const onCase = (policy: string, c: Case) => recordCase(policy, c.ops);
  const record = io.sandbox ? { onCase, onStepDone: recordStepDone } : {};
  let run;
  try {
    run =
      engine === 'exhaustive'
        ? await runExhaustiveCheck(
            policies,
            specs,
            a.properties,
            a.scope,
            {
              ...settings,
              signal,
              ...(a.timeMs !== undefined ? { timeMs: a.timeMs } : {}),
              ...(base && a.base !== null ? { base, baseSpec: a.base } : {}),
            },
            !a.json && io.tty,
            onFound,
          )
        : await runCheck(
            policies,
            a.properties,
            a.scope,
            shard ? a.seed * shard.n + shard.k : a.seed,
            shard ? Math.ceil(a.runs / shard.n) : a.runs,
            a.timeMs,
            { signal, onFound, ...record },
            shard,
            base,
          );
  } finally {
    restore();
  }
  if (base) run = { ...run, base: base.name };
  const summary = summarize(run, a.ci, base ? [...policies, base] : policies);
  if (a.json) io.out(JSON.stringify(checkJson(summary), null, 2));
  else {
    const c = makeChalk({ color: a.color, noColor: a.noColor });
    io.out(renderCheck(c, summary, base ? [...policies, base] : policies));
    if (a.stats) io.out(statsLines(c, summary).join('\n'));
    io.out('\n' + c.bold(summary.closing));
  }
  if (a.report !== undefined) {
    const html = reportHtml(summary, policies);
    if (io.sandbox) io.report(html);
    else writeHtml(html);
  }
  return summary.exit;
}

async function cmdExplain(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    policy: { type: 'string' },
    format: { type: 'string' },
    property: { type: 'string' },
    ...SCOPE_FLAGS,
  });
  if (values.help) return help();
  const c = makeChalk({ color: values.color, noColor: values['no-color'] });
  const file = onePositional(positionals, 'trace or counterexample file');
  const f = { format: values.format, policy: values.policy, property: values.property, scope: scopeFlagValues(values) };
  if (sandboxed(io, [values.policy])) {
    const t = withScopeFlags(loadSubject(file).trace, f.scope, file);
    const policies = [identity(values.policy!)];
    return sandboxCommand('explain', args, { policies, locate: (i) => stepWhere(t, file, i) });
  }
  io.out(await explainCommand(c, file, f, io.loaded));
  return 0;
}

function cmdPolicies(): number {
  console.log(policiesText(Object.values(POLICIES)));
  return 0;
}

/** `apmc properties`: every property with its spec id and sentence (`--json`: the same as data). */
function cmdProperties(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return help();
  if (positionals.length > 0) throw new UsageError(`apmc properties takes no arguments (got '${positionals[0]}')`);
  if (values.json) {
    const list = PROPERTIES.map((p) => ({ name: p.name, spec: p.spec, kind: p.kind, statement: p.statement }));
    console.log(JSON.stringify(list, null, 2));
  } else console.log(propertiesText(PROPERTIES));
  return 0;
}

function cmdMerge(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' }, ci: { type: 'boolean' } });
  if (values.help) return help();
  if (positionals.length === 0)
    throw new UsageError('apmc merge: expected one or more report files (apmc check --json output)');
  const m = mergeReports(positionals, values.ci === true);
  if (values.json) console.log(JSON.stringify(mergedJson(m, positionals), null, 2));
  else {
    const c = makeChalk({ color: values.color, noColor: values['no-color'] });
    console.log(renderMerged(c, m, positionals));
    console.log('\n' + c.bold(m.closing));
  }
  return m.exit;
}

async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'run':
      return cmdRun(rest, io);
    case 'convert':
      return cmdConvert(rest);
    case 'check':
      return cmdCheck(rest, io);
    case 'explain':
      return cmdExplain(rest, io);
    case 'diff':
      return cmdDiff(rest, io);
    case 'compare':
      return cmdCompare(rest, io);
    case 'merge':
      return cmdMerge(rest);
    case 'policies':
      return cmdPolicies();
    case 'properties':
      return cmdProperties(rest);
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      return help();
    default:
      throw new UsageError(`unknown command '${cmd}' (commands: apmc help)`);
  }
}

/** What an error out of a command is: its exit code and its one stderr line (80 columns; the paths in
 * `argv` and the file named stay whole, the user copies them). */
function failure(e: unknown, argv: readonly string[]): { code: number; line: string } {
  const paths = pathArgs(argv);
  const line = (message: string, file?: string) => errorLine(message, file === undefined ? paths : [file, ...paths]);
  if (e instanceof UsageError || e instanceof InputError) {
    return { code: 2, line: errorLine(e.message, [...(e instanceof InputError ? [e.file] : []), ...e.keep, ...paths]) };
  }
  if (e instanceof TracePolicyError) return { code: 7, line: line(e.message) };
  if (e instanceof PolicyFault) return { code: 7, line: line(`policy error in '${e.policy}': ${e.message}`) };
  return { code: 3, line: line(`internal error: ${e instanceof Error ? e.message : String(e)}`) };
}

/** Run one command with `io` (a sandbox thread's); its exit code, with the stderr line when it failed. */
export async function runCommand(
  command: string,
  args: readonly string[],
  io: Io,
): Promise<{ code: number } | { code: number; line: string }> {
  try {
    return { code: await main([command, ...args], io) };
  } catch (e) {
    return failure(e, args);
  }
}

/** Run one apmc command; the exit code. Errors that are not apmc's fault are one line on stderr. */
export async function runCli(argv: string[]): Promise<number> {
  try {
    return await main(argv, LOCAL);
  } catch (e) {
    const f = failure(e, argv);
    console.error(f.line);
    return f.code;
  }
}
