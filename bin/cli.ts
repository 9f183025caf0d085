/**
 * The apmc command line as a function: `runCli(argv)` runs one command and returns its exit code; bad input,
 * policy errors and internal errors become one line on stderr. Exit codes: see README (0, 1, 4, 5, 7 from check;
 * 2 bad usage or input; 3 internal error; 130/143 a signal). bin/main.ts wires it to the process.
 */
import { POLICIES } from '../model/policies/index.ts';
import { formatTrace, InputError, isJsonTrace, traceToJson } from '../trace/index.ts';
import { makeChalk } from './color.ts';
import { tracePolicy, loadPolicy } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { renderRun, runReport } from './run.ts';
import {
  closest,
  commandHelp,
  HELP,
  packageVersion,
  pathArgs,
  policiesText,
  propertiesText,
  SHORT_USAGE,
  UsageError,
} from './usage.ts';
import { PROPERTIES } from '../properties/registry.ts';
import { HelpRequest, onePositional, parse, scopeFlagValues } from './args.ts';
import { type CommandName, COMMANDS, isCommand } from './commands.ts';
import { withConfig } from './config.ts';
import { readInput, STDIN } from './read-input.ts';
import { guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { runFault, stepWhere, traceFault, TracePolicyError } from './run-fault.ts';
import { errorLine } from '../render/term.ts';
import { sandboxCommand } from './sandbox.ts';
import { identity, type Io, LOCAL, sandboxed, stdio } from './io.ts';

export type { Io } from './io.ts';

async function cmdRun(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, COMMANDS.run);
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
  const { values, positionals } = parse(args, COMMANDS.convert);
  const file = onePositional(positionals, 'trace file');
  if (values.to !== undefined && values.to !== 'json' && values.to !== 'text')
    throw new UsageError(`--to: expected 'json' or 'text', got '${values.to}'`);
  const t = loadTrace(file);
  // Default: to the other format (JSON files become text, text files JSON; standard input by its content).
  const json = file === STDIN ? isJsonTrace(readInput(file, 'trace'), file) : file.endsWith('.json');
  const to = values.to ?? (json ? 'text' : 'json');
  if (to === 'json') stdio.log(JSON.stringify(traceToJson(t), null, 2));
  else process.stdout.write(formatTrace(t));
  return 0;
}

async function cmdExplain(args: string[], io: Io): Promise<number> {
  const { explainCommand, loadSubject } = await import('./explain.ts');
  const { values, positionals } = parse(args, COMMANDS.explain);
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

function cmdPolicies(args: string[]): number {
  const { positionals } = parse(args, COMMANDS.policies);
  if (positionals.length > 0) throw new UsageError(`apmc policies takes no arguments (got '${positionals[0]}')`);
  stdio.log(policiesText(Object.values(POLICIES)));
  return 0;
}

/** `apmc properties`: every property with its spec id and sentence (`--json`: the same as data). */
function cmdProperties(args: string[]): number {
  const { values, positionals } = parse(args, COMMANDS.properties);
  if (positionals.length > 0) throw new UsageError(`apmc properties takes no arguments (got '${positionals[0]}')`);
  if (values.json) {
    const list = PROPERTIES.map((p) => ({ name: p.name, spec: p.spec, kind: p.kind, statement: p.statement }));
    stdio.log(JSON.stringify(list, null, 2));
  } else stdio.log(propertiesText(PROPERTIES));
  return 0;
}

/** `apmc help [command]`: the list of commands, or one command's help. */
function cmdHelp(args: string[]): number {
  const { positionals } = parse(args, COMMANDS.help);
  if (positionals.length > 1) throw new UsageError(`apmc help takes one command name, got ${positionals.length}`);
  const name = positionals[0];
  if (name === undefined) stdio.log(HELP);
  else stdio.log(commandHelp(commandNamed(name)));
  return 0;
}

/** `name` as a command; an unknown one is a UsageError with the closest name. */
function commandNamed(name: string): CommandName {
  if (isCommand(name)) return name;
  // Names longer than any command's by far get no hint (the distance costs their length times a name's).
  const hint = name.length <= 40 ? closest(name, Object.keys(COMMANDS)) : null;
  throw new UsageError(`unknown command '${name}'${hint ? ` (did you mean '${hint}'?)` : " (see 'apmc help')"}`);
}

type Handler = (args: string[], io: Io) => number | Promise<number>;

/** Each command's function: one per entry of bin/commands.ts COMMANDS (tsc checks both ways). */
const HANDLERS: { readonly [K in CommandName]: Handler } = {
  run: cmdRun,
  check: async (args, io) => (await import('./cli-check.ts')).cmdCheck(withConfig(args, io.err), io),
  merge: async (args) => (await import('./cli-check.ts')).cmdMerge(args),
  explain: cmdExplain,
  diff: async (args, io) => (await import('./cli-diff.ts')).cmdDiff(args, io),
  compare: async (args, io) => (await import('./cli-diff.ts')).cmdCompare(args, io),
  convert: cmdConvert,
  import: async (args, io) => (await import('./import.ts')).cmdImport(args, io),
  snapshot: async (args) => (await import('./snapshot.ts')).cmdSnapshot(args),
  policies: cmdPolicies,
  properties: cmdProperties,
  help: cmdHelp,
};

async function main(argv: string[], io: Io): Promise<number> {
  const [cmd, ...rest] = argv;
  if (cmd === undefined) {
    io.err(SHORT_USAGE);
    return 2;
  }
  if (cmd === '--help' || cmd === '-h') return cmdHelp(rest);
  if (cmd === '--version' || cmd === '-V') {
    if (rest.length > 0) throw new UsageError(`${cmd} takes no arguments (got '${rest[0]}')`);
    io.out(packageVersion());
    return 0;
  }
  if (cmd.startsWith('-')) {
    throw new UsageError(`unknown command '${cmd}' (the command comes first: see 'apmc help')`);
  }
  const name = commandNamed(cmd);
  try {
    return await HANDLERS[name](rest, io);
  } catch (e) {
    if (!(e instanceof HelpRequest)) throw e;
    io.out(commandHelp(e.command));
    return 0;
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
    // The command's name is no path, even where a directory of that name exists (the repository's check/).
    const f = failure(e, argv.slice(1));
    stdio.error(f.line);
    return f.code;
  }
}
