/** Text and JSON renderings of an `apmc check` run. */
import type { ChalkInstance } from 'chalk';
import type { Policy } from '../model/policy.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { foundTrace } from '../properties/counterexample.ts';
import { traceToJson } from '../trace/json.ts';
import { foundWhere } from '../render/budget.ts';
import { explain } from '../render/explain.ts';
import { LEGEND } from '../render/grid.ts';
import { explainText } from '../render/text.ts';
import { foundAfter, type Finding } from '../check/finding.ts';
import type { CheckSummary } from '../check/summary.ts';
import type { HybridSearch } from '../check/run.ts';
import { sharedLine, type Cell } from '../check/verdict.ts';
import {
  policyErrorJson,
  policyErrorLines,
  progressLine,
  searchErrorLines,
  searchLine,
  statsJson,
} from './render-robust.ts';
import { cellsTable, pack } from './render-table.ts';
import { findingDoc } from './save.ts';
import { oneLine, WIDTH, wrapLine } from '../render/term.ts';

export { MARKS_LEGEND, verdictTable } from './render-table.ts';

/** The legend's lines against a base (`base`: its name, escaped by the caller). */
export const baseLegend = (base: string): string[] => [
  `new: violated, and ${base} holds on the same trace`,
  `inherited: ${base} violates it on the same trace too (not a failure)`,
  `fixed: ${base} violates it, this policy holds on that trace`,
];

/** How `apmc check` shows the counterexamples of the run. */
export interface CheckTextOptions {
  /** Every counterexample in full (`--verbose`); else the expected ones one line each. */
  readonly verbose?: boolean;
  /** `--save`: the file a counterexample is saved in, as shown. */
  readonly saved?: (policy: string, f: Finding) => string;
  /** `--report DIR`: the page written, as shown. */
  readonly report?: string;
}

/** A counterexample's length: the longer of its histories, in ops. */
const opsOf = (f: Finding): number => Math.max(f.ops.length, f.other?.length ?? 0);

/**
 * The table, then each new violation and policy error in full, then a line per property with expected violations
 * (each policy and its trace's length), or with `--save` a line per expected violation and its file.
 */
export function renderCheck(
  c: ChalkInstance,
  run: CheckSummary,
  policies: readonly Policy[],
  o: CheckTextOptions = {},
): string {
  const s = run.scope;
  // Long lines of prose (data in them escaped) wrap, continuation lines indented.
  const dim = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.dim(l));
  const bold = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.bold(l));
  const hybrid = run.engine === 'random' && run.policies.some((r) => r.search) ? 'search to a depth, then walks: ' : '';
  const random = run.engine === 'random' ? `${hybrid}seed ${run.seed}, up to ${run.runs} cases per policy` : null;
  const what = random ?? 'exhaustive breadth-first search';
  const shard = run.shard ? ` (shard ${run.shard.k + 1}/${run.shard.n})` : '';
  const domains = `${s.adapters} adapters × ${s.domains} domains × ${s.control_domains} control domains`;
  const { table, legend } = cellsTable(c, run.cells, run.base);
  const out: string[] = [
    ...bold(`apmc check: ${what}${shard}`),
    ...(run.base !== undefined ? bold(`against the base ${run.base}: per property new / inherited / fixed`) : []),
    ...bold(`scope ${domains}, ${s.mdevs} mdevs, ${s.vms} VMs`),
    ...mechanismsLine(run.mechanisms).flatMap((l) => bold(l)),
    '',
    ...table,
  ];
  out.push('', ...legend);
  if (run.base !== undefined) out.push(...baseLegend(oneLine(run.base)).flatMap((l) => dim(l)));
  if (run.engine === 'exhaustive') for (const x of run.policies) out.push(...dim(searchLine(x)));
  for (const x of run.cells) if (x.bound) out.push(...dim(`${x.policy}: ${x.property.name} unknown: ${x.bound}`));
  if (run.engine === 'random') for (const r of run.policies) out.push(...dim(progressLine(r)));
  if (run.engine === 'random')
    for (const r of run.policies) if (r.search) out.push(...dim(hybridLine(r.policy, r.search)));
  // Inherited and fixed counterexamples: one line each; the new ones in full below.
  const shared = run.cells.filter((x) => x.found && (x.status === 'inherited' || x.status === 'fixed'));
  if (shared.length > 0) out.push('');
  for (const x of shared) out.push(...dim(sharedLine(x), '   '));
  const full = (x: Cell) => x.found && x.status !== 'inherited' && x.status !== 'fixed' && (o.verbose || !x.expected);
  for (const cell of run.cells) if (full(cell)) out.push(...fullFinding(c, run, policies, cell));
  if (run.cells.some(full)) out.push('', ...LEGEND.map((l) => c.dim(l)));
  out.push(...policyErrorLines(c, run, policies));
  out.push(...searchErrorLines(c, run));
  out.push(...missingLines(c, run.cells, o.verbose === true));
  if (!o.verbose) out.push(...expectedLines(c, run.cells, o));
  return out.join('\n');
}

/** The expected violations not found: each with why it was expected (`--verbose`), else a line per property. */
function missingLines(c: ChalkInstance, cells: readonly Cell[], verbose: boolean): string[] {
  const xs = cells.filter((x) => x.status === 'missing');
  if (xs.length === 0) return [];
  const bold = (text: string) => wrapLine(oneLine(text), WIDTH, '   ').map((l) => c.red.bold(l));
  if (verbose) {
    return xs.flatMap((x) => [
      '',
      ...bold(`== ${x.policy}: ${x.property.name} (${x.property.spec}): expected violation not found`),
      ...(x.expected ? wrapLine(oneLine(`   why expected: ${x.expected.why}`), WIDTH, '   ').map((l) => c.dim(l)) : []),
    ]);
  }
  const n = `${xs.length} expected violation${xs.length === 1 ? '' : 's'} not found`;
  return ['', ...bold(`${n} (why expected: --verbose):`), ...byProperty(cells, xs, (x) => oneLine(x.policy))];
}

/** A line per property of `xs` (in the table's order): the property, then `each` of its cells, as many as fit. */
function byProperty(cells: readonly Cell[], xs: readonly Cell[], each: (x: Cell) => string): string[] {
  const props = [...new Map(cells.map((x) => [x.property.name, x.property])).values()];
  return props.flatMap((p) => {
    const of = xs.filter((x) => x.property.name === p.name).map(each);
    return of.length > 0 ? pack(`  ${oneLine(p.name)} (${oneLine(p.spec)}): `, of) : [];
  });
}

/** A violation in full: the heading, why, how it was found, and the counterexample as `apmc explain` shows it. */
function fullFinding(c: ChalkInstance, run: CheckSummary, policies: readonly Policy[], cell: Cell): string[] {
  const dim = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.dim(l));
  const bold = (text: string, indent?: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.bold(l));
  const f = cell.found!;
  const policy = policies.find((p) => p.name === cell.policy)!;
  const [tagText, tag] = cell.expected ? ['expected', c.yellow('expected')] : ['NEW', c.red.bold('NEW')];
  const p = cell.property;
  const heading = wrapLine(oneLine(`== ${cell.policy}: ${p.name} (${p.spec}) violated [${tagText}]`), WIDTH, '   ');
  // The tag keeps its colour inside the bold heading.
  const last = heading.pop()!;
  const out = ['', ...heading.map((l) => c.bold(l)), c.bold(last.slice(0, -tagText.length - 1)) + tag + c.bold(']')];
  out.push(...wrapLine(`   ${oneLine(p.statement)}`, WIDTH, '   '));
  out.push(...bold(`   ${f.reason}`, '   '));
  if (cell.expected) out.push(...dim(`   why expected (${cell.expected.kind}): ${cell.expected.why}`, '   '));
  if (cell.base !== undefined)
    out.push(...dim(`   ${cell.base} holds on this trace: the violation is this policy's`, '   '));
  const ops = `${opsOf(f)} ops`;
  if (f.engine === 'exhaustive') {
    out.push(...dim(`   a shortest trace: ${ops}; found after ${f.states} states (${f.ms} ms)`, '   '));
  } else {
    const how = `${foundWhere(f.seed, f.path)}; ${f.ops.length} ops after shrinking`;
    out.push(...dim(`   found after ${f.cases} cases (${f.ms} ms); ${how}`, '   '));
  }
  // The counterexample as `apmc explain` shows it: steps, results, guest grids, the failing step.
  const trace = foundTrace(run.scope, policy.name, f.ops, run.start);
  const subject = { trace, property: p, other: f.other, tail: f.tail };
  out.push('', explainText(c, explain(subject, policy, f), { header: false, legend: false }));
  return out;
}

/**
 * The expected violations not shown in full: a line per property, each policy with its trace's length in ops;
 * with `--save`, a line per violation with its file.
 */
function expectedLines(c: ChalkInstance, cells: readonly Cell[], o: CheckTextOptions): string[] {
  const xs = cells.filter((x) => x.found && x.expected && x.status !== 'inherited' && x.status !== 'fixed');
  if (xs.length === 0) return [];
  const n = `${xs.length} expected violation${xs.length === 1 ? '' : 's'}`;
  const dim = (text: string, indent: string) => wrapLine(oneLine(text), WIDTH, indent).map((l) => c.dim(l));
  if (o.saved) {
    const out = ['', ...dim(`${n}, saved (apmc explain FILE shows one in full):`, '  ')];
    for (const x of xs) {
      const at = o.saved(x.policy, x.found!);
      out.push(...dim(`  ${x.policy}: ${x.property.name}, ${opsOf(x.found!)} ops: ${at}`, '      '));
    }
    return out;
  }
  const where = o.report !== undefined ? o.report : '--report DIR';
  const out = ['', ...dim(`${n}, ops per trace (in full: --verbose; HTML: ${where}):`, '  ')];
  const lengths = byProperty(cells, xs, (x) => oneLine(`${x.policy} ${opsOf(x.found!)}`));
  return [...out, ...lengths.map((l) => c.dim(l))];
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
      ...(r.search ? { search: r.search } : {}),
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

/** A hybrid run's search phase, e.g. "upstream: searched to depth 4 (9,876 states) in 1.2 s, walked from 32 of 310". */
function hybridLine(policy: string, x: HybridSearch): string {
  const states = x.states.toLocaleString('en-US');
  const walks = `walked from ${x.starts} of its ${x.frontier.toLocaleString('en-US')} frontier states`;
  const took = `${(x.ms / 1000).toFixed(1)} s`;
  return `${policy}: searched every state to depth ${x.depth} (${states} states) in ${took}, ${walks}`;
}
