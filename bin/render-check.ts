/** Text and JSON renderings of an `apmc check` run. */
import type { ChalkInstance } from 'chalk';
import type { Policy } from '../model/policy.ts';
import { counterexampleDoc, foundTrace } from '../properties/counterexample.ts';
import { traceToJson } from '../trace/json.ts';
import { explain } from '../render/explain.ts';
import { LEGEND } from '../render/grid.ts';
import { explainText } from '../render/text.ts';
import { MARK, type Cell, type CheckRun } from './check.ts';
import { formatOp } from '../trace/format.ts';
import { exhaustiveSummary } from './check-exhaustive.ts';
import { policyErrorJson, policyErrorLines, progressLine, statsJson } from './render-robust.ts';


function cellText(c: ChalkInstance, x: Cell | undefined): string {
  if (!x) return c.dim('not checked');
  const s = `${x.verdict === 'policy-error' ? 'policy error' : x.verdict}${MARK[x.status]}`;
  if (x.status === 'new' || x.status === 'missing' || x.status === 'policy-error') return c.red.bold(s);
  if (x.verdict === 'vacuous') return c.cyan(s);
  if (x.verdict === 'violated') return c.yellow(s);
  return x.verdict === 'unknown' ? c.dim(s) : c.green(s);
}

export function renderCheck(c: ChalkInstance, run: CheckRun, policies: readonly Policy[]): string {
  const names = policies.map((p) => p.name);
  const props = [...new Map(run.cells.map((x) => [x.property.name, x.property])).values()];
  const label = (p: (typeof props)[number]) => `${p.name} (${p.spec})`;
  const w0 = Math.max(...props.map((p) => label(p).length)) + 2;
  const cw = Math.max(12, ...names.map((n) => n.length + 2));
  const s = run.scope;
  const out: string[] = [
    c.bold(`apmc check: ${run.engine === 'exhaustive' ? 'exhaustive breadth-first search' : `seed ${run.seed}, up to ${run.runs} cases per policy`}${run.shard ? ` (shard ${run.shard.k + 1}/${run.shard.n})` : ''}, scope ${s.adapters} adapters × ${s.domains} domains × ${s.control_domains} control domains, ${s.mdevs} mdevs, ${s.vms} VMs`),
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
  for (const x of run.exhaustive ?? []) out.push(c.dim(exhaustiveSummary(x)));
  for (const cell of run.cells) if (cell.bound) out.push(c.dim(`${cell.policy}: ${cell.property.name} unknown: ${cell.bound}`));
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
    if (run.engine === 'exhaustive') out.push(c.dim(`   a shortest trace: ${Math.max(f.ops.length, f.other?.length ?? 0)} ops; found after ${f.afterRuns} states (${f.afterMs} ms)`));
    else out.push(c.dim(`   found after ${f.afterRuns} cases (${f.afterMs} ms); fast-check seed ${f.seed}, path ${f.path}; ${f.ops.length} ops after shrinking`));
    // The counterexample as `apmc explain` shows it: steps, results, guest grids, the failing step.
    const subject = { trace: foundTrace(run.scope, policy.name, f.ops), property: cell.property, other: f.other, tail: f.tail };
    out.push('', explainText(c, explain(subject, policy, f), { header: false, legend: false }));
  }
  if (run.cells.some((x) => x.found)) out.push('', ...LEGEND.map((l) => c.dim(l)));
  out.push(...policyErrorLines(c, run, policies));
  for (const x of run.exhaustive ?? []) {
    const e = x.r.policyError;
    if (!e) continue;
    out.push('', c.red.bold(`== ${x.policy}: POLICY ERROR: ${e.message}`), c.dim(`   a shortest trace that triggers it (${e.ops.length} ops):`));
    e.ops.forEach((op, i) => out.push(`   ${formatOp(op)}${i === e.at ? '  # <-- policy error' : ''}`));
  }
  return out.join('\n');
}

export function checkJson(run: CheckRun, exit: number): Record<string, unknown> {
  return {
    format: 'apmc-check/1',
    seed: run.seed,
    runs: run.runs,
    scope: run.scope,
    exit,
    engine: run.engine ?? 'random',
    ...(run.shard ? { shard: { k: run.shard.k + 1, n: run.shard.n } } : {}),
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
    ...(run.exhaustive
      ? {
          exhaustive: run.exhaustive.map(({ policy, r, parts }) => ({
            policy,
            states: r.states,
            transitions: r.transitions,
            depth: r.depth,
            complete: r.complete,
            bound: r.bound,
            ms: r.ms,
            bytes: r.bytes,
            symmetry_reduction: r.reduction,
            workers: parts,
            ...(r.policyError ? { policy_error: r.policyError } : {}),
          })),
        }
      : {}),
    results: run.cells.map((c) => ({
      policy: c.policy,
      property: c.property.name,
      spec: c.property.spec,
      verdict: c.verdict,
      expected: c.expected !== null,
      status: c.status,
      ...(c.bound ? { bound: c.bound } : {}),
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
