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
import { onePositional, parse, SCOPE_FLAGS, scopeFlagValues } from './args.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { runFault, stepWhere, traceFault, TracePolicyError } from './run-fault.ts';
import { errorLine } from '../render/term.ts';
import { sandboxCommand } from './sandbox.ts';
import { help, identity, type Io, LOCAL, sandboxed, stdio } from './io.ts';

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
  if (to === 'json') stdio.log(JSON.stringify(traceToJson(t), null, 2));
  else process.stdout.write(formatTrace(t));
  return 0;
}

async function cmdExplain(args: string[], io: Io): Promise<number> {
  const { explainCommand, loadSubject } = await import('./explain.ts');
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
  stdio.log(policiesText(Object.values(POLICIES)));
  return 0;
}

/** `apmc properties`: every property with its spec id and sentence (`--json`: the same as data). */
function cmdProperties(args: string[]): number {
  const { values, positionals } = parse(args, { json: { type: 'boolean' } });
  if (values.help) return help();
  if (positionals.length > 0) throw new UsageError(`apmc properties takes no arguments (got '${positionals[0]}')`);
  if (values.json) {
    const list = PROPERTIES.map((p) => ({ name: p.name, spec: p.spec, kind: p.kind, statement: p.statement }));
    stdio.log(JSON.stringify(list, null, 2));
  } else stdio.log(propertiesText(PROPERTIES));
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
      return (await import('./cli-check.ts')).cmdCheck(rest, io);
    case 'explain':
      return cmdExplain(rest, io);
    case 'diff':
      return (await import('./cli-diff.ts')).cmdDiff(rest, io);
    case 'compare':
      return (await import('./cli-diff.ts')).cmdCompare(rest, io);
    case 'merge':
      return (await import('./cli-check.ts')).cmdMerge(rest);
    case 'import':
      return (await import('./import.ts')).cmdImport(rest, io);
    case 'snapshot':
      return (await import('./snapshot.ts')).cmdSnapshot(rest);
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
    stdio.error(f.line);
    return f.code;
  }
}
