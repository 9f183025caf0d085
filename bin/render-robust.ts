/**
 * The parts of the `apmc check` report about how much was checked and what went wrong besides
 * violations: how far each exploration got, operation coverage (--stats), and policy errors.
 */
import type { ChalkInstance } from 'chalk';
import type { Op } from '../model/ops.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { foundTrace } from '../properties/counterexample.ts';
import type { PolicyError } from '../properties/policy-error.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { coverage } from '../properties/stats.ts';
import { formatOp } from '../trace/format.ts';
import { traceToJson } from '../trace/json.ts';
import type { CheckRun, PolicyRun } from './check.ts';
import { oneLine, WIDTH, wrap, wrapLine } from '../render/term.ts';

const STOPPED: Record<string, string> = { time: 'stopped by --time', 'policy-error': 'stopped by a policy error' };

/** "static: 50000 cases, 379049 operations in 5.5 s (stopped by SIGINT)". */
export function progressLine(r: PolicyRun): string {
  const x = r.x;
  const why = x.stoppedBy === null ? '' : ` (${STOPPED[x.stoppedBy] ?? `stopped by ${x.stoppedBy}`})`;
  if (x.runs === 0 && x.interrupted) return `${r.policy}: not started${why}`;
  return `${r.policy}: ${x.runs} cases, ${x.ops} operations in ${(x.ms / 1000).toFixed(1)} s${why}`;
}

/** One table per policy: each operation kind, how often it ran, succeeded, and failed with which errno. */
export function statsLines(c: ChalkInstance, run: CheckRun): string[] {
  const out: string[] = [];
  for (const r of run.explorations) {
    const rows = coverage(r.stats);
    const title = wrapLine(oneLine(`operation coverage, ${r.policy} (steps of the generated histories)`));
    out.push('', ...title.map((l) => c.bold(l)));
    out.push(c.dim(`  ${'operation'.padEnd(24)}${'runs'.padStart(9)}${'ok'.padStart(9)}  failed`));
    for (const row of rows) {
      const failed = oneLine(Object.entries(row.failed).map(([e, n]) => `${e} ${n}`).join(', '));
      // The failed column wraps under itself.
      const cols = `  ${row.op.padEnd(24)}${String(row.total).padStart(9)}${String(row.ok).padStart(9)}  `;
      out.push(...(failed ? wrap(failed, WIDTH, ' '.repeat(cols.length), cols) : [cols.trimEnd()]));
    }
    if (rows.length === 0) out.push('  (no operation ran)');
  }
  return out;
}

export function statsJson(r: PolicyRun): Record<string, unknown> {
  return Object.fromEntries(coverage(r.stats).map((row) => [row.op, { runs: row.total, ok: row.ok, failed: row.failed }]));
}

/** The policy error's trace, each step with its result, the faulting step marked (run guarded, so it cannot throw). */
function faultBlock(policy: Policy, scope: Scope, pe: PolicyError): string[] {
  const guard = guardPolicy(policy);
  guard.thorough = true;
  const cfg = { scope, policy: guard.policy };
  let s = initialState(scope);
  const texts = pe.ops.map((op) => oneLine(formatOp(op)));
  const w = Math.min(36, texts.reduce((m, t) => Math.max(m, t.length), 0));
  const lines: string[] = [];
  for (const [i, op] of pe.ops.entries()) {
    try {
      const r = step(cfg, s, op);
      s = r.state;
      lines.push(`${texts[i]!.padEnd(w)}  # ${oneLine(r.result)}`);
    } catch {
      lines.push(`${texts[i]!.padEnd(w)}  # <-- policy error`);
      break;
    }
  }
  return lines;
}

export function policyErrorLines(c: ChalkInstance, run: CheckRun, policies: readonly Policy[]): string[] {
  const out: string[] = [];
  for (const r of run.explorations) {
    const pe = r.x.policyError;
    if (!pe) continue;
    const policy = policies.find((p) => p.name === r.policy)!;
    const heading = wrapLine(oneLine(`== ${r.policy}: POLICY ERROR: ${pe.message}`), WIDTH, '   ');
    out.push('', ...heading.map((l) => c.red.bold(l)));
    const found = `found after ${pe.afterRuns} cases; fast-check seed ${pe.seed}, path ${pe.path}`;
    const shrunk = `${pe.ops.length} ops after shrinking`;
    const how = `   the policy is broken, so its remaining verdicts are 'policy error'; ${found}; ${shrunk}`;
    out.push(...wrapLine(how, WIDTH, '   ').map((l) => c.dim(l)));
    out.push(...faultBlock(policy, run.scope, pe).flatMap((l) => wrapLine(`   ${l}`, WIDTH, '     ')));
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
