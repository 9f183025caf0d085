/** `apmc diff` and `apmc compare` on the command line: flags, the policy sandbox, signals, exit codes. */
import type { Op } from '../model/ops.ts';
import { abortFlag } from '../properties/abort.ts';
import { parse, scopeFlagValues } from './args.ts';
import { COMMANDS } from './commands.ts';
import { makeChalk } from './color.ts';
import { compareCommand, loadPair } from './compare.ts';
import { diffCommand, diffSearchCommand, parseDiffArgs } from './diff.ts';
import { diffClassesCommand } from './diff-classes.ts';
import { loadSubject } from './explain.ts';
import { identity, type Io, sandboxed } from './io.ts';
import { isPolicyFile } from './load-policy.ts';
import { withScopeFlags } from './load-trace.ts';
import { stepWhere } from './run-fault.ts';
import { sandboxCommand } from './sandbox.ts';
import { recordCase, recordStepDone } from './sandbox-watch.ts';
import { stopOnSignals } from './signals.ts';
import { UsageError } from './usage.ts';

/**
 * Exit 0: no difference (with a trace: on every step; without: none in the search, which said how far it
 * went); 1: they differ; 6: a bound stopped the search undecided; 130/143: a signal stopped it.
 */
export async function cmdDiff(args: string[], io: Io): Promise<number> {
  const a = parseDiffArgs(args);
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
    const h = { signal, ...record };
    const r = a.classes
      ? await diffClassesCommand(c, a, a.saveDir, io.loaded, h)
      : await diffSearchCommand(c, a, io.loaded, h);
    io.out(r.text);
    return r.code;
  } finally {
    restore();
  }
}

/** Exit 1: the same configuration in two orders gives other guests; 0: the same guests; 4: other configurations. */
export async function cmdCompare(args: string[], io: Io): Promise<number> {
  const { values, positionals } = parse(args, COMMANDS.compare);
  if (positionals.length !== 2)
    throw new UsageError(
      `apmc compare: expected two trace files, got ${positionals.length} (see 'apmc compare --help')`,
    );
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
