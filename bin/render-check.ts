/** Text and JSON renderings of an `apmc check` run. */
import type { ChalkInstance } from 'chalk';
import type { Policy } from '../model/policy.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { foundTrace } from '../properties/counterexample.ts';
import { traceToJson } from '../trace/json.ts';
import { explain } from '../render/explain.ts';
import { LEGEND } from '../render/grid.ts';
import { explainText } from '../render/text.ts';
import { formatOp } from '../trace/format.ts';
import { foundAfter } from '../check/finding.ts';
import type { CheckSummary } from '../check/summary.ts';
import { cellWord, sharedLine, type Cell } from '../check/verdict.ts';
import { policyErrorJson, policyErrorLines, progressLine, searchLine, statsJson } from './render-robust.ts';
import { findingDoc } from './save.ts';
import { clip, oneLine, pad, width, WIDTH, wrapLine } from '../render/term.ts';

function cellText(c: ChalkInstance, x: Cell | undefined): string {
  if (!x) return c.dim('not checked');
  const s = cellWord(x);
  if (x.status === 'inherited') return c.yellow(s);
  if (x.status === 'fixed') return c.green(s);
  if (x.status === 'new' || x.status === 'missing' || x.status === 'policy-error') return c.red.bold(s);
  if (x.verdict === 'vacuous') return c.cyan(s);
  if (x.verdict === 'violated') return c.yellow(s);
  return x.verdict === 'unknown' ? c.dim(s) : c.green(s);
}

/**
 * The verdict table: a row per property, a column per policy (names clipped to 24 columns), within
 * `w` columns; the policies that do not fit go to another table under the first.
 */
export function verdictTable(
  labels: readonly string[],
  policies: readonly string[],
  cell: (row: number, policy: number) => string,
  w = WIDTH,
): string[] {
  const names = policies.map((p) => clip(oneLine(p), 24));
  const cells = labels.map((_, r) => policies.map((_, k) => cell(r, k)));
  const widest = (xs: readonly string[]) => xs.reduce((m, x) => Math.max(m, width(x)), 0);
  const w0 = widest(labels) + 2;
  const cw = Math.max(widest(cells.flat()), widest(names)) + 2;
  const per = Math.max(1, Math.floor((w - w0 + 2) / cw));
  const out: string[] = [];
  for (let k0 = 0; k0 < policies.length; k0 += per) {
    const ks = names.slice(k0, k0 + per).map((_, i) => k0 + i);
    if (k0 > 0) out.push('');
    out.push((' '.repeat(w0) + ks.map((k) => pad(names[k]!, cw)).join('')).trimEnd());
    labels.forEach((l, r) => {
      out.push((pad(l, w0) + ks.map((k) => pad(cells[r]![k]!, cw)).join('')).trimEnd());
    });
  }
  return out;
}

/** The legend of the verdict marks, within 80 columns. */
export const MARKS_LEGEND = [
  '* violation expected   ! new violation   ? expected violation not found',
  'unknown: stopped first   vacuous: never exercised',
];

/** The legend's lines against a base (`base`: its name, escaped by the caller). */
export const baseLegend = (base: string): string[] => [
  `new: violated, and ${base} holds on the same trace`,
  `inherited: ${base} violates it on the same trace too (not a failure)`,
  `fixed: ${base} violates it, this policy holds on that trace`,
];

export function renderCheck(c: ChalkInstance, run: CheckSummary, policies: readonly Policy[]): string {
  const names = run.policies.map((x) => x.policy);
  const props = [...new Map(run.cells.map((x) => [x.property.name, x.property])).values()];
  const s = run.scope;
  // Long lines of prose (data in them escaped) wrap, continuation lines indented.
  const dim = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.dim(l));
  const bold = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.bold(l));
  const random = run.engine === 'random' ? `seed ${run.seed}, up to ${run.runs} cases per policy` : null;
  const what = random ?? 'exhaustive breadth-first search';
  const shard = run.shard ? ` (shard ${run.shard.k + 1}/${run.shard.n})` : '';
  const cellOf = (r: number, k: number) =>
    run.cells.find((x) => x.policy === names[k] && x.property.name === props[r]!.name);
  const domains = `${s.adapters} adapters × ${s.domains} domains × ${s.control_domains} control domains`;
  const out: string[] = [
    ...bold(`apmc check: ${what}${shard}`),
    ...(run.base !== undefined ? bold(`against the base ${run.base}: per property new / inherited / fixed`) : []),
    ...bold(`scope ${domains}, ${s.mdevs} mdevs, ${s.vms} VMs`),
    ...mechanismsLine(run.mechanisms).flatMap((l) => bold(l)),
    '',
    ...verdictTable(
      props.map((p) => `${p.name} (${p.spec})`),
      names,
      (r, k) => cellText(c, cellOf(r, k)),
    ),
  ];
  out.push('', ...MARKS_LEGEND.map((l) => c.dim(l)));
  if (run.base !== undefined) out.push(...baseLegend(oneLine(run.base)).flatMap((l) => dim(l)));
  if (run.engine === 'exhaustive') for (const x of run.policies) out.push(...dim(searchLine(x)));
  for (const x of run.cells) if (x.bound) out.push(...dim(`${x.policy}: ${x.property.name} unknown: ${x.bound}`));
  if (run.engine === 'random') for (const r of run.policies) out.push(...dim(progressLine(r)));
  // Inherited and fixed counterexamples: one line each; the new ones in full below.
  const shared = run.cells.filter((x) => x.found && (x.status === 'inherited' || x.status === 'fixed'));
  if (shared.length > 0) out.push('');
  for (const x of shared) out.push(...dim(sharedLine(x), '   '));
  for (const cell of run.cells) {
    if (!cell.found || cell.status === 'inherited' || cell.status === 'fixed') continue;
    const f = cell.found;
    const policy = policies.find((p) => p.name === cell.policy)!;
    const [tagText, tag] = cell.expected ? ['expected', c.yellow('expected')] : ['NEW', c.red.bold('NEW')];
    const p = cell.property;
    const heading = wrapLine(oneLine(`== ${cell.policy}: ${p.name} (${p.spec}) violated [${tagText}]`), WIDTH, '   ');
    // The tag keeps its colour inside the bold heading.
    const last = heading.pop()!;
    out.push('', ...heading.map((l) => c.bold(l)), c.bold(last.slice(0, -tagText.length - 1)) + tag + c.bold(']'));
    out.push(...wrapLine(`   ${p.statement}`, WIDTH, '   '));
    out.push(...bold(`   ${f.reason}`, '   '));
    if (cell.expected) out.push(...dim(`   why expected (${cell.expected.kind}): ${cell.expected.why}`, '   '));
    if (cell.base !== undefined)
      out.push(...dim(`   ${cell.base} holds on this trace: the violation is this policy's`, '   '));
    const ops = `${Math.max(f.ops.length, f.other?.length ?? 0)} ops`;
    if (f.engine === 'exhaustive') {
      out.push(...dim(`   a shortest trace: ${ops}; found after ${f.states} states (${f.ms} ms)`, '   '));
    } else {
      const how = `fast-check seed ${f.seed}, path ${f.path}; ${f.ops.length} ops after shrinking`;
      out.push(...dim(`   found after ${f.cases} cases (${f.ms} ms); ${how}`, '   '));
    }
    // The counterexample as `apmc explain` shows it: steps, results, guest grids, the failing step.
    const subject = {
      trace: foundTrace(run.scope, policy.name, f.ops, run.start),
      property: cell.property,
      other: f.other,
      tail: f.tail,
    };
    out.push('', explainText(c, explain(subject, policy, f), { header: false, legend: false }));
  }
  const shown = (x: Cell) => x.found && x.status !== 'inherited' && x.status !== 'fixed';
  if (run.cells.some(shown)) out.push('', ...LEGEND.map((l) => c.dim(l)));
  out.push(...policyErrorLines(c, run, policies));
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
  return out.join('\n');
}

/** The mechanisms of a run, when not all of them (`mechanisms: none`, or the list); else nothing. */
function mechanismsLine(m: readonly string[] | undefined): string[] {
  if (m === undefined || m.length === MECHANISMS.length) return [];
  return [`mechanisms: ${m.length === 0 ? 'none (the classic ops)' : m.join(', ')}`];
}

/**
 * The apmc-check/1 report (`--json`), which `apmc merge` reads. Its `seed` and `runs` are the random
 * engine's; an exhaustive report writes 0 for both.
 */
export function checkJson(run: CheckSummary): Record<string, unknown> {
  const random = run.engine === 'random' ? run.policies : [];
  return {
    format: 'apmc-check/1',
    seed: run.engine === 'random' ? run.seed : 0,
    runs: run.engine === 'random' ? run.runs : 0,
    ...(run.base !== undefined ? { base: run.base } : {}),
    ...(run.mechanisms !== undefined ? { mechanisms: run.mechanisms } : {}),
    scope: run.scope,
    exit: run.exit,
    engine: run.engine,
    ...(run.shard ? { shard: { k: run.shard.k + 1, n: run.shard.n } } : {}),
    stopped_by: run.stoppedBy,
    explorations: random.map((r) => ({
      policy: r.policy,
      cases: r.exploration.runs,
      operations: r.exploration.ops,
      ms: r.exploration.ms,
      interrupted: r.exploration.interrupted,
      stopped_by: r.exploration.stoppedBy,
      coverage: statsJson(r),
    })),
    policy_errors: random.flatMap((r) => {
      const pe = r.exploration.policyError;
      return pe ? [policyErrorJson(run.scope, pe)] : [];
    }),
    ...(run.engine === 'exhaustive'
      ? {
          exhaustive: run.policies.map(({ policy, result: r, workers }) => ({
            policy,
            states: r.states,
            transitions: r.transitions,
            alphabet: r.alphabet,
            depth: r.depth,
            complete: r.complete,
            bound: r.bound,
            ms: r.ms,
            bytes: r.bytes,
            symmetry_reduction: r.reduction,
            workers,
            ...(r.policyError ? { policy_error: r.policyError } : {}),
          })),
        }
      : {}),
    results: run.cells.map((c) => resultJson(run, c)),
  };
}

function resultJson(run: CheckSummary, c: Cell): Record<string, unknown> {
  // A fixed violation's counterexample is the base's: it replays under the base.
  const under = c.status === 'fixed' && c.base !== undefined ? c.base : c.policy;
  return {
    policy: c.policy,
    property: c.property.name,
    spec: c.property.spec,
    verdict: c.verdict,
    expected: c.expected !== null,
    status: c.status,
    ...(c.bound ? { bound: c.bound } : {}),
    ...(c.expected ? { why_expected: c.expected.why, expected_kind: c.expected.kind } : {}),
    ...(c.expected?.foundBy ? { expected_found_by: c.expected.foundBy } : {}),
    ...(c.found
      ? {
          counterexample: {
            ...findingDoc(run.scope, under, c.found, c.expected?.why ?? '', run.start),
            ...(c.found.other ? { other: traceToJson(foundTrace(run.scope, under, c.found.other, run.start)) } : {}),
            found_after: { cases: foundAfter(c.found), ms: c.found.ms },
          },
        }
      : {}),
  };
}
