/**
 * The parts of the `apmc check` report about how much was checked and what went wrong besides
 * violations: how far each exploration or search got, operation coverage (--stats), and policy errors.
 */
import { foundWhere } from '../render/budget.ts';
import type { ChalkInstance } from 'chalk';
import type { Op } from '../model/ops.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { foundTrace } from '../properties/counterexample.ts';
import type { PolicyError } from '../properties/policy-error.ts';
import { formatOp } from '../trace/format.ts';
import { faultSteps } from '../render/fault.ts';
import { traceToJson } from '../trace/json.ts';
import type { SampledPolicy } from '../check/run.ts';
import type { CheckSummary } from '../check/summary.ts';
import { oneLine, WIDTH, wrap, wrapLine } from '../render/term.ts';

export { progressLine, searchLine } from '../render/budget.ts';

/** One table per policy: each operation kind, how often it ran, succeeded, and failed with which errno. */
export function statsLines(c: ChalkInstance, run: CheckSummary): string[] {
  const out: string[] = [];
  if (run.engine !== 'random') return out;
  for (const r of run.policies) {
    const rows = r.coverage;
    const title = wrapLine(oneLine(`operation coverage, ${r.policy} (steps of the generated histories)`));
    out.push('', ...title.map((l) => c.bold(l)));
    out.push(c.dim(`  ${'operation'.padEnd(24)}${'runs'.padStart(9)}${'ok'.padStart(9)}  failed`));
    for (const row of rows) {
      const failed = oneLine(
        Object.entries(row.failed)
          .map(([e, n]) => `${e} ${n}`)
          .join(', '),
      );
      // The failed column wraps under itself.
      const cols = `  ${row.op.padEnd(24)}${String(row.total).padStart(9)}${String(row.ok).padStart(9)}  `;
      out.push(...(failed ? wrap(failed, WIDTH, ' '.repeat(cols.length), cols) : [cols.trimEnd()]));
    }
    if (rows.length === 0) out.push('  (no operation ran)');
  }
  return out;
}

export function statsJson(r: SampledPolicy): Record<string, unknown> {
  return Object.fromEntries(r.coverage.map((row) => [row.op, { runs: row.total, ok: row.ok, failed: row.failed }]));
}

/** The policy error's trace, each step with its result, the faulting step marked (render/fault.ts). */
function faultBlock(policy: Policy, scope: Scope, pe: PolicyError): string[] {
  const steps = faultSteps(policy, scope, pe.ops);
  const w = Math.min(
    36,
    steps.reduce((m, x) => Math.max(m, x.op.length), 0),
  );
  return steps.map((x) => `${x.op.padEnd(w)}  # ${x.result ?? '<-- policy error'}`);
}

export function policyErrorLines(c: ChalkInstance, run: CheckSummary, policies: readonly Policy[]): string[] {
  const out: string[] = [];
  if (run.engine !== 'random') return out;
  for (const r of run.policies) {
    const pe = r.exploration.policyError;
    if (!pe) continue;
    // Against a base (`--base`), the policy error may be the base's.
    const policy = policies.find((p) => p.name === pe.policy) ?? policies.find((p) => p.name === r.policy)!;
    const whose = pe.policy === r.policy ? r.policy : `${r.policy}: its base ${pe.policy}`;
    const heading = policyErrorHeading(whose, pe.message);
    out.push('', ...heading.map((l) => c.red.bold(l)));
    const found = `found after ${pe.afterRuns} cases; ${foundWhere(pe.seed, pe.path)}`;
    const shrunk = `${pe.ops.length} ops after shrinking`;
    const how = `   the policy is broken, so its remaining verdicts are 'policy error'; ${found}; ${shrunk}`;
    out.push(...wrapLine(how, WIDTH, '   ').map((l) => c.dim(l)));
    out.push(...faultBlock(policy, run.scope, pe).flatMap((l) => wrapLine(`   ${l}`, WIDTH, '     ')));
  }
  return out;
}

/** A policy error's heading: its policy and message on one line (a name's newline escaped), wrapped to WIDTH. */
export function policyErrorHeading(policy: string, message: string): string[] {
  return wrapLine(oneLine(`== ${policy}: POLICY ERROR: ${message}`), WIDTH, '   ');
}

/** The policy errors of a search, each in full: the message, and a shortest trace that triggers it. */
export function searchErrorLines(c: ChalkInstance, run: CheckSummary): string[] {
  const out: string[] = [];
  for (const x of run.engine === 'exhaustive' ? run.policies : []) {
    const e = x.result.policyError;
    if (!e) continue;
    const heading = policyErrorHeading(x.policy, e.message);
    out.push('', ...heading.map((l) => c.red.bold(l)));
    out.push(c.dim(`   a shortest trace that triggers it (${e.ops.length} ops):`));
    e.ops.forEach((op, i) => {
      out.push(...wrapLine(`   ${oneLine(formatOp(op))}${i === e.at ? '  # <-- policy error' : ''}`, WIDTH, '     '));
    });
  }
  return out;
}

export function policyErrorJson(scope: Scope, pe: PolicyError): Record<string, unknown> {
  return {
    policy: pe.policy,
    kind: pe.kind,
    callback: pe.callback,
    message: pe.message,
    at: pe.at,
    trace: traceToJson(foundTrace(scope, pe.policy, pe.ops as Op[])),
    found: { seed: pe.seed, path: pe.path, runs: pe.afterRuns },
  };
}
