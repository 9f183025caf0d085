/**
 * `apmc check` and `apmc merge` on the command line: where the run writes, the policy sandbox, the engine
 * (random, exhaustive, against a base), the summary in text, JSON or HTML, and the exit code. Loaded by bin/cli.ts
 * only for these commands.
 */
import { isAbsolute, relative, resolve } from 'node:path';
import type { Finding } from '../check/finding.ts';
import { summarize } from '../check/summary.ts';
import type { Cell } from '../check/verdict.ts';
import { expectationBeyond } from '../check/verdict.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { abortFlag } from '../properties/abort.ts';
import type { Case } from '../properties/case.ts';
import { expectation, expectationFor } from '../properties/expected.ts';
import { traceEventsJson } from '../trace/events.ts';
import { reportHtml } from '../render/report.ts';
import { oneLine } from '../render/term.ts';
import { withPrefix } from '../check/run.ts';
import { execTrace } from '../trace/exec.ts';
import { parse, parseCheckArgs } from './args.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { runCheck } from './check.ts';
import { runExhaustiveCheck } from './check-exhaustive.ts';
import { runHybridCheck } from './check-hybrid.ts';
import { makeChalk } from './color.ts';
import { COMMANDS } from './commands.ts';
import { identity, type Io, sandboxed, stdio } from './io.ts';
import { loadPolicy } from './load-policy.ts';
import { mergedJson, mergeReports, renderMerged } from './merge.ts';
import { checkJson, renderCheck } from './render-check.ts';
import { statsLines } from './render-robust.ts';
import { REPORT_FILE, writeReport } from './report.ts';
import { checkOutputDir } from './safe-write.ts';
import { sandboxCommand } from './sandbox.ts';
import { recordCase, recordStepDone } from './sandbox-watch.ts';
import { foundPath, saveFound } from './save.ts';
import { stopOnSignals } from './signals.ts';
import { UsageError } from './usage.ts';

export async function cmdCheck(args: string[], io: Io): Promise<number> {
  const parsed = parseCheckArgs(args);
  if (parsed.engine.engine === 'hybrid' && parsed.from !== undefined)
    throw new UsageError('--from does not go with --engine hybrid');
  // --from FILE: its scope (the flags over it), its ops as every counterexample's fixed prefix (check/run.ts).
  const fromTrace =
    parsed.from === undefined ? null : withScopeFlags(loadTrace(parsed.from), parsed.scopeFlags, parsed.from);
  const a = fromTrace ? { ...parsed, scope: fromTrace.scope } : parsed;
  const prefix = fromTrace ? fromTrace.steps.map((s) => s.op) : [];
  const from = fromTrace ? (p: Policy) => execTrace(fromTrace, p).final : undefined;
  // Where the run will write is checked before it starts: a bad location is bad input, not a failure at the end.
  if (a.save !== null) checkOutputDir('--save', a.save);
  if (a.report !== undefined) checkOutputDir('--report', a.report, [REPORT_FILE]);
  const specs = a.policies ?? Object.keys(POLICIES);
  // A counterexample saved as found records what its policy expects (its own declarations count; against a base,
  // only what the variant declares beyond it). In a sandbox's main thread no policy is loaded: by name.
  const loaded: Policy[] = [];
  let basePolicy: Policy | null = null;
  const expectedOf = (policy: string, property: string) => {
    const p = loaded.find((x) => x.name === policy);
    if (!p) return expectation(policy, property);
    return basePolicy === null ? expectationFor(p, property) : expectationBeyond(p, basePolicy, property);
  };
  const saveDir = a.save === null ? null : resolve(a.save);
  // Counterexamples are saved as soon as they are found, so that an interrupted run keeps them.
  const save = (policy: string, f: Parameters<typeof saveFound>[3]) => {
    if (saveDir === null) return;
    const r = saveFound(saveDir, a.scope, policy, f, expectedOf(policy, f.property), fromTrace ?? undefined);
    stdio.error(r.written ? `saved ${oneLine(r.path)}` : `kept ${oneLine(r.path)} (exists)`);
  };
  const writeHtml = (html: string) => stdio.error(`report written to ${oneLine(writeReport(a.report!, html))}`);
  if (sandboxed(io, [...specs, a.base ?? undefined])) {
    const maxMemory = a.engine.engine === 'exhaustive' ? a.engine.settings.maxMemory : undefined;
    const mechanisms = a.engine.settings.mechanisms;
    const limits = { timeMs: a.timeMs, maxMemory, signals: true, json: a.json, scope: a.scope, mechanisms };
    const policies = [...specs, ...(a.base !== null ? [a.base] : [])].map(identity);
    return sandboxCommand('check', args, { ...limits, policies, onFound: save, onReport: writeHtml });
  }
  const policies = await Promise.all(specs.map((p) => loadPolicy(p)));
  const base = a.base === null ? undefined : await loadPolicy(a.base);
  loaded.push(...policies);
  basePolicy = base ?? null;
  io.loaded();
  // A finding carries the kernel events of its trace, replayed here where the policies are loaded.
  const withEvents = <F extends Finding>(policy: string, f: F): F => {
    const p = [...policies, ...(base ? [base] : [])].find((x) => x.name === policy);
    if (!p) return f;
    try {
      return { ...f, events: traceEventsJson(a.scope, p, f.ops, fromTrace?.initial ?? null) };
    } catch {
      return f; // the policy errs on the replay: reported as a policy error elsewhere, the finding stays as it is
    }
  };
  const onFound = (policy: string, f: Finding) =>
    (io.sandbox ? io.found : save)(policy, withEvents(policy, withPrefix(f, prefix)));
  const signal = io.abort ?? abortFlag();
  const restore = io.sandbox ? () => {} : stopOnSignals(signal);
  const { engine, settings } = a.engine;
  if (from && engine === 'exhaustive' && settings.workers > 1)
    stdio.error('apmc: a search --from a trace runs in one thread (--workers ignored)');
  const shard = settings.shard;
  // In a sandbox, each case is recorded for the watchdog (bin/sandbox-watch.ts).
  const onCase = (policy: string, c: Case, done?: number) => recordCase(policy, c.ops, done);
  const record = io.sandbox ? { onCase, onStepDone: recordStepDone } : {};
  let run;
  try {
    const hybrid = { symmetry: settings.symmetry, mechanisms: settings.mechanisms ?? [] };
    run =
      engine === 'hybrid'
        ? await runHybridCheck(
            policies,
            a.properties,
            a.scope,
            a.seed,
            a.runs,
            a.timeMs,
            {
              ...hybrid,
              ...(settings.depth !== undefined ? { depth: settings.depth } : {}),
            },
            { signal, onFound, ...record },
            base,
          )
        : engine === 'exhaustive'
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
                ...(from ? { from } : {}),
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
              settings.mechanisms,
              from,
            );
  } finally {
    restore();
  }
  if (base) run = { ...run, base: base.name };
  run = { ...run, mechanisms: settings.mechanisms ?? [] };
  if (fromTrace && parsed.from !== undefined) {
    const start = { initial: fromTrace.initial, ...(fromTrace.real ? { real: fromTrace.real } : {}) };
    run = { ...run, from: parsed.from, start };
  }
  const summarized = summarize(run, a.ci, base ? [...policies, base] : policies);
  // A fixed violation's counterexample is the base's: its events are the base's.
  const evented = (c: Cell): Cell =>
    c.found
      ? {
          ...c,
          found: withEvents(
            c.status === 'fixed' && c.base !== undefined ? c.base : c.policy,
            withPrefix(c.found, prefix),
          ),
        }
      : c;
  const summary = { ...summarized, cells: summarized.cells.map(evented) };
  if (a.json) io.out(JSON.stringify(checkJson(summary), null, 2));
  else {
    const c = makeChalk({ color: a.color, noColor: a.noColor });
    // A path as shown: relative to the current directory when under it.
    const shown = (path: string) => {
      const rel = relative(process.cwd(), path);
      return oneLine(rel === '' || rel.startsWith('..') || isAbsolute(rel) ? path : rel);
    };
    const text = {
      verbose: a.verbose,
      ...(saveDir !== null
        ? { saved: (p: string, f: Finding) => shown(foundPath(saveDir, a.scope, p, f, run.start)) }
        : {}),
      ...(a.report !== undefined ? { report: shown(resolve(a.report, REPORT_FILE)) } : {}),
    };
    io.out(renderCheck(c, summary, base ? [...policies, base] : policies, text));
    if (a.stats) io.out(statsLines(c, summary).join('\n'));
    io.out('\n' + c.bold(summary.closing));
  }
  if (a.report !== undefined) {
    const html = reportHtml(summary, base ? [...policies, base] : policies);
    if (io.sandbox) io.report(html);
    else writeHtml(html);
  }
  return summary.exit;
}

export function cmdMerge(args: string[]): number {
  const { values, positionals } = parse(args, COMMANDS.merge);
  if (positionals.length === 0)
    throw new UsageError('apmc merge: expected one or more report files (apmc check --json output)');
  const m = mergeReports(positionals, values.ci === true);
  if (values.json) stdio.log(JSON.stringify(mergedJson(m, positionals), null, 2));
  else {
    const c = makeChalk({ color: values.color, noColor: values['no-color'] });
    stdio.log(renderMerged(c, m, positionals));
    stdio.log('\n' + c.bold(m.closing));
  }
  return m.exit;
}
