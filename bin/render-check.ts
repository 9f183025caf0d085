/** Text and JSON renderings of an `apmc check` run. */
import type { ChalkInstance } from 'chalk';
import type { Op } from '../model/ops.ts';
import { step } from '../model/step.ts';
import { initialState } from '../model/state.ts';
import type { Policy } from '../model/policy.ts';
import { counterexampleDoc, foundTrace } from '../properties/counterexample.ts';
import { traceToJson } from '../trace/json.ts';
import { formatOp } from '../trace/format.ts';
import type { Cell, CheckRun } from './check.ts';
import { policyErrorJson, policyErrorLines, progressLine, statsJson } from './render-robust.ts';

const MARK: Record<Cell['status'], string> = { holds: '', vacuous: '', 'as-expected': '*', new: '!', missing: '?', unknown: '', 'policy-error': '' };

function cellText(c: ChalkInstance, x: Cell | undefined): string {
  if (!x) return c.dim('not checked');
  const s = `${x.verdict === 'policy-error' ? 'policy error' : x.verdict}${MARK[x.status]}`;
  if (x.status === 'new' || x.status === 'missing' || x.status === 'policy-error') return c.red.bold(s);
  if (x.verdict === 'vacuous') return c.cyan(s);
  if (x.verdict === 'violated') return c.yellow(s);
  return x.verdict === 'unknown' ? c.dim(s) : c.green(s);
}

/** A trace as trace text, each line followed by its result, the failing step marked. */
export function traceBlock(policy: Policy, run: CheckRun, ops: readonly Op[], at: number | null, reason: string | null): string[] {
  const cfg = { scope: run.scope, policy };
  let s = initialState(run.scope);
  const texts = ops.map(formatOp);
  const w = Math.min(36, Math.max(...texts.map((t) => t.length)));
  return ops.map((op, i) => {
    const r = step(cfg, s, op);
    s = r.state;
    const line = `${texts[i]!.padEnd(w)}  # ${r.result}`;
    return i === at && reason ? `${line}  <-- ${reason}` : line;
  });
}

export function renderCheck(c: ChalkInstance, run: CheckRun, policies: readonly Policy[]): string {
  const names = policies.map((p) => p.name);
  const props = [...new Map(run.cells.map((x) => [x.property.name, x.property])).values()];
  const label = (p: (typeof props)[number]) => `${p.name} (${p.spec})`;
  const w0 = Math.max(...props.map((p) => label(p).length)) + 2;
  const cw = Math.max(12, ...names.map((n) => n.length + 2));
  const s = run.scope;
  const out: string[] = [
    c.bold(`apmc check: seed ${run.seed}, up to ${run.runs} cases per policy, scope ${s.adapters} adapters × ${s.domains} domains × ${s.control_domains} control domains, ${s.mdevs} mdevs, ${s.vms} VMs`),
    '',
    ''.padEnd(w0) + names.map((n) => n.padEnd(cw)).join(''),
  ];
  for (const p of props) {
    const row = names.map((n) => {
      const cell = run.cells.find((x) => x.policy === n && x.property.name === p.name);
      const t = cellText(c, cell);
      // Pad by the visible width (colour codes are invisible).
      const visible = t.replace(/\x1b\[[0-9;]*m/g, '').length;
      return t + ' '.repeat(Math.max(1, cw - visible));
    });
    out.push(label(p).padEnd(w0) + row.join(''));
  }
  out.push('', c.dim('* violation expected   ! new violation   ? expected violation not found   unknown: stopped first   vacuous: never exercised'));
  for (const r of run.explorations) out.push(c.dim(progressLine(r)));
  for (const cell of run.cells) {
    if (!cell.found) continue;
    const f = cell.found;
    const policy = policies.find((p) => p.name === cell.policy)!;
    const tag = cell.expected ? c.yellow('expected') : c.red.bold('NEW');
    out.push('', c.bold(`== ${cell.policy}: ${cell.property.name} (${cell.property.spec}) violated [${tag}]`));
    out.push(`   ${cell.property.statement}`);
    out.push(`   ${c.bold(f.reason)}`);
    if (cell.expected) out.push(c.dim(`   why expected (${cell.expected.kind}): ${cell.expected.why}`));
    out.push(c.dim(`   found after ${f.afterRuns} cases (${f.afterMs} ms); fast-check seed ${f.seed}, path ${f.path}; ${f.ops.length} ops after shrinking`));
    if (f.other) {
      out.push('   # order A', ...traceBlock(policy, run, f.ops, null, null).map((l) => `   ${l}`));
      out.push('   # order B', ...traceBlock(policy, run, f.other, null, null).map((l) => `   ${l}`));
    } else {
      const tail = f.tail ?? 0;
      const lines = traceBlock(policy, run, f.ops, f.at, f.at !== null ? f.reason : null);
      lines.forEach((l, i) => {
        if (tail && i === lines.length - tail) out.push('   # the resource goes away, then comes back:');
        out.push(`   ${l}`);
      });
    }
  }
  out.push(...policyErrorLines(c, run, policies));
  return out.join('\n');
}

export function checkJson(run: CheckRun, exit: number): Record<string, unknown> {
  return {
    format: 'apmc-check/1',
    seed: run.seed,
    runs: run.runs,
    scope: run.scope,
    exit,
    stopped_by: run.stoppedBy,
    explorations: run.explorations.map((r) => ({
      policy: r.policy,
      cases: r.x.runs,
      operations: r.x.ops,
      ms: r.x.ms,
      interrupted: r.x.interrupted,
      stopped_by: r.x.stoppedBy,
      coverage: statsJson(r),
    })),
    policy_errors: run.explorations.flatMap((r) => (r.x.policyError ? [policyErrorJson(run.scope, r.x.policyError)] : [])),
    results: run.cells.map((c) => ({
      policy: c.policy,
      property: c.property.name,
      spec: c.property.spec,
      verdict: c.verdict,
      expected: c.expected !== null,
      status: c.status,
      ...(c.expected ? { why_expected: c.expected.why, expected_kind: c.expected.kind } : {}),
      ...(c.found
        ? {
            counterexample: {
              ...counterexampleDoc(run.scope, c.policy, c.found, 'violates', c.expected?.why ?? ''),
              ...(c.found.other ? { other: traceToJson(foundTrace(run.scope, c.policy, c.found.other)) } : {}),
              found_after: { cases: c.found.afterRuns, ms: c.found.afterMs },
            },
          }
        : {}),
    })),
  };
}
