/**
 * The apmc command line as a function: `runCli(argv)` runs one command and returns its exit code; bad input,
 * policy errors and internal errors become one line on stderr. Exit codes: see README (0, 1, 4, 5, 7 from check;
 * 2 bad usage or input; 3 internal error; 130/143 a signal). bin/main.ts wires it to the process.
 */
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { tracePolicy, isPolicyFile, loadPolicy, policyIdentity } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import { HELP, pathArgs, policiesText, propertiesText, UsageError } from './usage.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { resolve } from 'node:path';
import { runCheck } from './check.ts';
import { mergedJson, mergeReports, renderMerged } from './merge.ts';
import { summarize } from '../check/summary.ts';
import { expectationBeyond } from '../check/verdict.ts';
import type { Finding } from '../check/finding.ts';
import { runExhaustiveCheck } from './check-exhaustive.ts';
import { checkJson, renderCheck } from './render-check.ts';
import { explainCommand, loadSubject } from './explain.ts';
import { diffCommand, diffSearchCommand, parseDiffArgs } from './diff.ts';
import { compareCommand, loadPair } from './compare.ts';
import type { Op } from '../model/ops.ts';
import { reportHtml } from '../render/report.ts';
import { REPORT_FILE, writeReport } from './report.ts';
import { checkOutputDir } from './safe-write.ts';
import { saveFound } from './save.ts';
import { onePositional, parse, parseCheckArgs, SCOPE_FLAGS, scopeFlagValues } from './args.ts';
import { abortFlag, type AbortFlag } from '../properties/abort.ts';
import { expectation, expectationFor } from '../properties/expected.ts';
import type { Policy } from '../model/policy.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { stopOnSignals } from './signals.ts';
import { statsLines } from './render-robust.ts';
import { runFault, stepWhere, traceFault, TracePolicyError } from './run-fault.ts';
import { errorLine } from '../render/term.ts';
import type { Case } from '../properties/case.ts';
import { sandboxCommand } from './sandbox.ts';
import { recordCase, recordStepDone, type WatchShared } from './sandbox-watch.ts';

/**
 * Where a command writes, and what it runs in: in-process (LOCAL), or in a policy sandbox thread
 * (bin/sandbox-worker.ts), whose output, counterexamples and report go to the main thread as messages.
 */
export interface Io {
  readonly sandbox: { readonly shared: WatchShared; readonly heapMb: number } | null;
  /** stderr is a terminal (for the progress line). */
  readonly tty: boolean;
  /** The stop request the watchdog sets (in a sandbox). */
  readonly abort: AbortFlag | null;
  out(s: string): void;
  err(s: string): void;
  /** The policies are loaded (the watchdog's load time limit ends). */
  loaded(): void;
  /** In a sandbox: a counterexample to save, the report to write (the main thread does it). */
  found(policy: string, f: Finding): void;
  report(html: string): void;
}

const LOCAL: Io = {
  sandbox: null,
  tty: process.stderr.isTTY === true,
  abort: null,
  out: (s) => console.log(s),
  err: (s) => console.error(s),
  loaded: () => {},
  found: () => {},
  report: () => {},
};

/** Policies named on the command line that are files: the command runs in a sandbox (bin/sandbox.ts). */
const sandboxed = (io: Io, specs: readonly (string | undefined)[]): boolean =>
  io.sandbox === null && specs.some((p) => p !== undefined && isPolicyFile(p));
const identity = (spec: string): string => (isPolicyFile(spec) ? policyIdentity(resolve(spec)) : spec);

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
  if (a.base !== null && a.engine.engine === 'exhaustive') {
    throw new UsageError('--base: only the random engine checks against a base');
  }
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
            { ...settings, signal, ...(a.timeMs !== undefined ? { timeMs: a.timeMs } : {}) },
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

/**
 * Exit 0: no difference (with a trace: on every step; without: none in the search, which said how far it
 * went); 1: they differ; 6: a bound stopped the search undecided; 130/143: a signal stopped it.
 */
async function cmdDiff(args: string[], io: Io): Promise<number> {
  const a = parseDiffArgs(args);
  if (a.help) return help();
  const c = makeChalk({ color: a.color, noColor: a.noColor });
  const file = a.trace;
  if (sandboxed(io, a.policies)) {
    const policies = a.policies.map(identity);
    if (file === null) return sandboxCommand('diff', args, { policies, timeMs: a.timeMs, signals: true });
    const t = withScopeFlags(loadSubject(file).trace, a.scope, file);
    return sandboxCommand('diff', args, { policies, locate: (i) => stepWhere(t, file, i) });
  }
  if (file !== null) {
    const d = await diffCommand(c, file, a.policies, a.scope, io.loaded, a.level);
    io.out(d.text);
    return d.differ ? 1 : 0;
  }
  const signal = io.abort ?? abortFlag();
  const restore = io.sandbox ? () => {} : stopOnSignals(signal);
  // In a sandbox, each case and step is recorded for the watchdog (bin/sandbox-watch.ts), under the policy files.
  const files = a.policies.filter(isPolicyFile);
  const named = (files.length > 0 ? files : a.policies).join("', '");
  const record = io.sandbox
    ? { onCase: (ops: readonly Op[]) => recordCase(named, ops), onStepDone: recordStepDone }
    : {};
  try {
    const r = await diffSearchCommand(c, a, io.loaded, { signal, ...record });
    io.out(r.text);
    return r.code;
  } finally {
    restore();
  }
}

/** Exit 1: the same configuration in two orders gives other guests; 0: the same guests; 4: other configurations. */
async function cmdCompare(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, {
    policy: { type: 'string' },
    save: { type: 'string' },
    ...SCOPE_FLAGS,
  });
  if (values.help) return help();
  if (positionals.length !== 2)
    throw new UsageError(`apmc compare: expected two trace files, got ${positionals.length} (see 'apmc help')`);
  const [a, b] = positionals as [string, string];
  const c = makeChalk({ color: values.color, noColor: values['no-color'] });
  const f = { policy: values.policy, save: values.save, scope: scopeFlagValues(values) };
  if (sandboxed(io, [values.policy])) {
    const [ta, tb] = loadPair(a, b, f.scope);
    // The watchdog knows the step's number, not which of the two traces was running: both are named.
    const locate = (i: number) => {
      const [x, y] = [stepWhere(ta, a, i), stepWhere(tb, b, i)];
      return { where: `${x.where} or ${y.where}`, op: null };
    };
    return sandboxCommand('compare', args, { policies: [identity(values.policy!)], locate });
  }
  const r = await compareCommand(c, a, b, f, io.loaded);
  io.out(r.text);
  return r.code;
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

function help(): number {
  console.log(HELP);
  return 0;
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
