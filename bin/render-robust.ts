/**
 * The parts of the `apmc check` report about how much was checked and what went wrong besides
 * violations: how far each exploration or search got, operation coverage (--stats), and policy errors.
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
import { formatOp } from '../trace/format.ts';
import { traceToJson } from '../trace/json.ts';
import type { SampledPolicy, SearchedPolicy } from '../check/run.ts';
import type { CheckSummary } from '../check/summary.ts';
import { oneLine, WIDTH, wrap, wrapLine } from '../render/term.ts';

const STOPPED: Record<string, string> = { time: 'stopped by --time', 'policy-error': 'stopped by a policy error' };

/** "static: 50000 cases, 379049 operations in 5.5 s (stopped by SIGINT)". */
export function progressLine(r: SampledPolicy): string {
  const x = r.exploration;
  const why = x.stoppedBy === null ? '' : ` (${STOPPED[x.stoppedBy] ?? `stopped by ${x.stoppedBy}`})`;
  if (x.runs === 0 && x.interrupted) return `${r.policy}: not started${why}`;
  return `${r.policy}: ${x.runs} cases, ${x.ops} operations in ${(x.ms / 1000).toFixed(1)} s${why}`;
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/**
 * The closing line of one policy's search: how much was checked, how fast, with what reduction, e.g.
 * "d0: every ordering of up to 4 ops; 1,234 states, ..., 0.4 s".
 */
export function searchLine(x: SearchedPolicy): string {
  const r = x.result;
  const rate = r.ms > 0 ? (r.states / r.ms) * 1000 : 0;
  const end = r.complete
    ? 'every reachable state'
    : r.bound === 'depth'
      ? `every ordering of up to ${r.depth} ops`
      : r.bound === null
        ? `stopped at depth ${r.depth}: every property violated`
        : `${r.bound} bound reached at depth ${r.depth}`;
  const counts = `${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${fmt(rate)} states/s, depth ${r.depth}`;
  const memory = `${(r.bytes / 1048576).toFixed(1)} MB, symmetry reduction ×${r.reduction.toFixed(2)}`;
  const hits = r.memo ? (100 * r.memo.hits) / Math.max(1, r.memo.hits + r.memo.misses) : 0;
  const cache = r.memo ? `, transition cache ${hits.toFixed(1)}% hits` : '';
  const workers = x.workers > 1 ? `, ${x.workers} workers` : '';
  return `${x.policy}: ${end}; ${counts}, ${memory}${cache}${workers}, ${(r.ms / 1000).toFixed(1)} s`;
}

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

/** The policy error's trace, each step with its result, the faulting step marked (run guarded, so it cannot throw). */
function faultBlock(policy: Policy, scope: Scope, pe: PolicyError): string[] {
  const guard = guardPolicy(policy);
  guard.thorough = true;
  const cfg = { scope, policy: guard.policy };
  let s = initialState(scope);
  const texts = pe.ops.map((op) => oneLine(formatOp(op)));
  const w = Math.min(
    36,
    texts.reduce((m, t) => Math.max(m, t.length), 0),
  );
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

export function policyErrorLines(c: ChalkInstance, run: CheckSummary, policies: readonly Policy[]): string[] {
  const out: string[] = [];
  if (run.engine !== 'random') return out;
  for (const r of run.policies) {
    const pe = r.exploration.policyError;
    if (!pe) continue;
    // Against a base (`--base`), the policy error may be the base's.
    const policy = policies.find((p) => p.name === pe.policy) ?? policies.find((p) => p.name === r.policy)!;
    const whose = pe.policy === r.policy ? r.policy : `${r.policy}: its base ${pe.policy}`;
    const heading = wrapLine(oneLine(`== ${whose}: POLICY ERROR: ${pe.message}`), WIDTH, '   ');
    out.push('', ...heading.map((l) => c.red.bold(l)));
    const found = `found after ${pe.afterRuns} cases; fast-check seed ${pe.seed}, path ${pe.path}`;
    const shrunk = `${pe.ops.length} ops after shrinking`;
    const how = `   the policy is broken, so its remaining verdicts are 'policy error'; ${found}; ${shrunk}`;
    out.push(...wrapLine(how, WIDTH, '   ').map((l) => c.dim(l)));
    out.push(...faultBlock(policy, run.scope, pe).flatMap((l) => wrapLine(`   ${l}`, WIDTH, '     ')));
  }
  return out;
}

/** The policy errors of a search, each in full: the message, and a shortest trace that triggers it. */
export function searchErrorLines(c: ChalkInstance, run: CheckSummary): string[] {
  const out: string[] = [];
  for (const x of run.engine === 'exhaustive' ? run.policies : []) {
    const e = x.result.policyError;
    if (!e) continue;
    const heading = wrapLine(oneLine(`== ${x.policy}: POLICY ERROR: ${e.message}`), WIDTH, '   ');
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
