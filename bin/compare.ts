/**
 * `apmc compare a.trace b.trace [--policy P]`: two orders under one design. Both traces run from the same
 * initial state and settle (properties/quiescence.ts); when they end in the same configuration
 * (properties/configuration.ts, the projection order-independence uses), the guests they give are
 * compared as order-independence (I7) compares them, and shown as `apmc explain` shows an
 * order-independence counterexample: the two histories side by side, the guest views at the end.
 *
 * Exit codes: 1 the same configuration gives other guests (an order-independence counterexample); 0 the
 * same guests; 4 the two orders end in different configurations, so there is nothing to compare (not 0:
 * no claim about the guests is made). `--save FILE` writes the pair as an order-independence
 * counterexample (expect "violates", or "holds" for the same guests) that `apmc explain` replays; with
 * different configurations nothing is written.
 */
import { basename, dirname, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { type Difference, differences, observation } from '../model/observation.ts';
import { apqnName, type Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { isBuiltIn } from '../model/policies/index.ts';
import type { Config, Policy } from '../model/policy.ts';
import { runSettled } from '../properties/case.ts';
import { configurationKey } from '../properties/configuration.ts';
import { orderIndependence, orderViolation } from '../properties/order-independence.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { explain } from '../render/explain.ts';
import { explainText } from '../render/text.ts';
import { clip, oneLine, WIDTH, wrap } from '../render/term.ts';
import { traceInitialState } from '../trace/exec.ts';
import { traceToJson } from '../trace/json.ts';
import { InputError, type Trace } from '../trace/types.ts';
import type { ScopeFlags } from './explain.ts';
import { loadPolicy, tracePolicy } from './load-policy.ts';
import { loadTrace, withScopeFlags } from './load-trace.ts';
import { traceFault } from './run-fault.ts';
import { checkOutputDir, writeFileSafe } from './safe-write.ts';
import { UsageError } from './usage.ts';

export interface CompareFlags {
  readonly policy?: string | undefined;
  readonly save?: string | undefined;
  readonly scope: ScopeFlags;
}

/** Both traces, with the scope flags over them: they must describe the same system. */
export function loadPair(fileA: string, fileB: string, scope: ScopeFlags): [Trace, Trace] {
  const a = withScopeFlags(loadTrace(fileA), scope, fileA);
  const b = withScopeFlags(loadTrace(fileB), scope, fileB);
  if (JSON.stringify(a.scope) !== JSON.stringify(b.scope)) {
    throw new InputError(fileB, null, `its scope differs from ${fileA}'s (two orders of one system share it)`);
  }
  if (JSON.stringify(a.initial) !== JSON.stringify(b.initial))
    throw new InputError(fileB, null, `its initial host configuration is not ${fileA}'s: the orders must start alike`);
  return [a, b];
}

/** The policy: --policy, else the one both traces name (a policy file loads only from --policy). */
async function pairPolicy(a: Trace, b: Trace, fileA: string, fileB: string, spec: string | undefined): Promise<Policy> {
  if (spec !== undefined) return loadPolicy(spec);
  const pa = tracePolicy(a, fileA);
  const pb = tracePolicy(b, fileB);
  if (pa !== pb)
    throw new UsageError(`${fileA} names policy '${pa.name}', ${fileB} '${pb.name}': give one with --policy`);
  return pa;
}

/** What the configurations differ in: the parts of the settled states that an administrator decides. */
const CONFIG_PART = /^(host|cardOff|apmask|aqmask)$| (fault|driver|matrix|control_domains|guest|removing)$/;

/** The stored reset outcomes of the queues that exist in both states and differ in it. */
function resetDifferences(a: State, b: State, scope: Scope): Difference[] {
  const out: Difference[] = [];
  a.queues.forEach((q, i) => {
    const r = b.queues[i];
    if (q && r && q.reset !== r.reset) {
      const what = `${apqnName(Math.floor(i / scope.domains), i % scope.domains)} reset outcome`;
      out.push({ what, a: q.reset, b: r.reset });
    }
  });
  return out;
}

/** `apmc compare`: the text and the exit code. */
export async function compareCommand(
  c: ChalkInstance,
  fileA: string,
  fileB: string,
  f: CompareFlags,
  onLoaded: () => void = () => {},
): Promise<{ text: string; code: number }> {
  const save = f.save === undefined ? undefined : resolve(f.save);
  if (f.save === '') throw new UsageError('--save: expected a file name, got an empty one');
  if (save !== undefined) checkOutputDir('--save', dirname(save), [basename(save)]);
  const [ta, tb] = loadPair(fileA, fileB, f.scope);
  const raw = await pairPolicy(ta, tb, fileA, fileB, f.policy);
  onLoaded();
  // A policy file that throws is a policy error at its step (exit 7), as in run, explain and diff.
  if (!isBuiltIn(raw)) {
    const fault = traceFault(ta, raw, fileA, 0) ?? traceFault(tb, raw, fileB, 0);
    if (fault) throw fault;
  }
  const policy = isBuiltIn(raw) ? raw : guardPolicy(raw).policy;
  const cfg: Config = { scope: ta.scope, policy };
  const opsA = ta.steps.map((s) => s.op);
  const opsB = tb.steps.map((s) => s.op);
  const s0 = traceInitialState(ta);
  const endA = runSettled(cfg, s0, opsA);
  const endB = runSettled(cfg, s0, opsB);
  const title = `${fileA} and ${fileB}`;
  const name = clip(oneLine(policy.name), 32);
  if (configurationKey(endA) !== configurationKey(endB)) {
    const ds = [
      ...differences(observation(cfg, endA, null, 'all'), observation(cfg, endB, null, 'all')).filter((d) =>
        CONFIG_PART.test(d.what),
      ),
      ...resetDifferences(endA, endB, cfg.scope),
    ];
    const lines = wrap(
      `${oneLine(title)} under ${name}: different configurations at the end (settled), so the guests are not ` +
        'compared (order-independence compares orders that end in the same configuration):',
      WIDTH,
      '  ',
      '',
    ).map((l) => c.bold(l));
    for (const d of ds) lines.push(...wrap(oneLine(`${d.what}: ${d.a} after A, ${d.b} after B`), WIDTH, '    ', '  '));
    if (save !== undefined) lines.push('', `nothing saved to ${oneLine(save)}: not an order-independence pair`);
    return { text: lines.join('\n'), code: 4 };
  }
  const v = orderViolation(cfg, s0, opsA, opsB);
  const note = v
    ? `${basename(fileA)} and ${basename(fileB)}: the same configuration in two orders, other guests.`
    : `${basename(fileA)} and ${basename(fileB)}: the same configuration in two orders, the same guests.`;
  const ex = explain({ trace: ta, property: orderIndependence, other: opsB, note }, policy);
  const out = [explainText(c, ex, { header: true, title })];
  const verdict = v
    ? 'the same configuration, other guests: order matters under this design'
    : 'the same configuration and the same guests';
  out.push('', ...wrap(`${verdict} (${name})`, WIDTH, '  ', '').map((l) => c.bold(l)));
  if (save !== undefined) {
    const doc: Record<string, unknown> = {
      ...traceToJson({ ...ta, policy: policy.name }),
      property: orderIndependence.name,
      expect: v ? 'violates' : 'holds',
      note,
      ...(v ? { reason: v.reason } : {}),
      other_ops: traceToJson({ ...tb, header: [], trailer: [] })['ops'],
    };
    writeFileSafe(save, JSON.stringify(doc, null, 2) + '\n', 'replace');
    out.push(`saved to ${oneLine(save)}`);
  }
  return { text: out.join('\n'), code: v ? 1 : 0 };
}
