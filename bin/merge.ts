/**
 * `apmc merge <report.json>...`: combine the JSON reports of the shards of one `apmc check`
 * (`--shard k/n --json`, one per CI job) into one verdict table and exit code. Per policy and
 * property: violated if any shard found a violation (the shortest counterexample is kept), unknown
 * if any shard did not finish it or a shard is missing, holds otherwise (check/merge.ts).
 */
import type { ChalkInstance } from 'chalk';
import { POLICIES } from '../model/policies/index.ts';
import { propertyByName } from '../properties/registry.ts';
import { parseJsonText } from '../trace/json.ts';
import { InputError } from '../trace/types.ts';
import { mergeVerdict } from '../check/merge.ts';
import { verdicts, type Verdicts } from '../check/summary.ts';
import type { Engine } from '../check/finding.ts';
import { cell, cellWord, type Cell, type Verdict } from '../check/verdict.ts';
import { MARKS_LEGEND, SHORT_LEGEND, shortTable, shortWord, verdictTable } from './render-table.ts';
import { oneLine, WIDTH, wrapLine } from '../render/term.ts';
import { readInput } from './read-input.ts';

interface Result {
  policy: string;
  property: string;
  verdict: Verdict;
  /** Against a base: new, inherited or fixed (other statuses are drawn again from the verdict). */
  status?: string;
  bound?: string;
  /** What the policy expected, as the check recorded it. */
  expected?: boolean;
  why_expected?: string;
  expected_found_by?: 'exhaustive';
  expected_kind?: 'design' | 'modelling';
  counterexample?: { ops: unknown[]; other_ops?: unknown[]; reason?: string } & Record<string, unknown>;
}
interface Report {
  format: string;
  /** Absent in reports that predate the exhaustive engine: random. */
  engine?: Engine;
  /** The seed this run used (a random shard k/n of --seed s: s·n + k − 1) and its case count per policy. */
  seed: number;
  runs: number;
  scope: Record<string, number>;
  shard?: { k: number; n: number };
  /** The base of a check against one (`--base`). */
  base?: string;
  /** `--mechanisms` (absent in reports that predate it: every mechanism there was). */
  mechanisms?: unknown;
  results: Result[];
  explorations?: { policy: string; cases: number; operations: number; ms: number }[];
  exhaustive?: { policy: string; states: number; transitions: number; depth: number; ms: number }[];
}

const VERDICTS: readonly string[] = ['holds', 'vacuous', 'violated', 'unknown', 'policy-error'];

/** The most shards apmc merge takes: more than any CI matrix has. */
const MAX_SHARDS = 1024;

function readReport(file: string): Report {
  const d = parseJsonText(readInput(file, 'report'), file) as Partial<Report> | null;
  if (d === null || typeof d !== 'object' || d.format !== 'apmc-check/1')
    throw new InputError(file, 1, 'not an apmc check report (make one with apmc check --json)');
  if (!Array.isArray(d.results) || typeof d.scope !== 'object')
    throw new InputError(file, null, 'report without "results" or "scope"');
  if (typeof d.seed !== 'number' || typeof d.runs !== 'number') {
    throw new InputError(file, null, 'report without "seed" or "runs"');
  }
  if (!Number.isSafeInteger(d.seed) || d.seed < 0) throw new InputError(file, null, '"seed" must be a whole number');
  if (!Number.isSafeInteger(d.runs) || d.runs < 0) throw new InputError(file, null, '"runs" must be a whole number');
  if (d.base !== undefined && (typeof d.base !== 'string' || d.base === '')) {
    throw new InputError(file, null, '"base" must be a policy name');
  }
  if (d.engine !== undefined && d.engine !== 'random' && d.engine !== 'exhaustive') {
    throw new InputError(file, null, '"engine" must be "random" or "exhaustive"');
  }
  if (d.shard !== undefined) {
    const sh = d.shard as unknown as Record<string, unknown> | null;
    const k = sh?.['k'];
    const n = sh?.['n'];
    // A shard count beyond MAX_SHARDS is no CI matrix; it would only make merge list that many missing shards.
    const ok = typeof k === 'number' && typeof n === 'number' && Number.isInteger(k) && Number.isInteger(n);
    if (!ok || k < 1 || n > MAX_SHARDS || k > n) {
      throw new InputError(file, null, `"shard" must be {"k": k, "n": n} with 1 <= k <= n <= ${MAX_SHARDS}`);
    }
  }
  // The ops are JSON trace operations (objects); explain checks each one when the counterexample is replayed.
  const list = (v: unknown): boolean => Array.isArray(v) && v.every((x) => x !== null && typeof x === 'object');
  d.results.forEach((r: unknown, i: number) => {
    const bad = (p: string): never => {
      throw new InputError(file, null, `results[${i}]: ${p}`);
    };
    if (r === null || typeof r !== 'object' || Array.isArray(r)) bad('not an object');
    const x = r as Record<string, unknown>;
    if (typeof x['policy'] !== 'string' || x['policy'] === '') bad('"policy" must be a policy name');
    if (!propertyByName(String(x['property']))) bad(`unknown property '${String(x['property'])}'`);
    if (!VERDICTS.includes(String(x['verdict']))) bad(`unknown verdict '${String(x['verdict'])}'`);
    if (x['bound'] !== undefined && typeof x['bound'] !== 'string') bad('"bound" must be text');
    if (x['status'] !== undefined && typeof x['status'] !== 'string') bad('"status" must be text');
    const cx = x['counterexample'] as Record<string, unknown> | null | undefined;
    if (x['verdict'] === 'violated' && cx === undefined) bad('a violated verdict without its "counterexample"');
    if (cx !== undefined) {
      if (cx === null || typeof cx !== 'object' || Array.isArray(cx)) bad('"counterexample" must be an object');
      if (!list(cx!['ops'])) bad('"counterexample"."ops" must be a list of operations');
      if (cx!['other_ops'] !== undefined && !list(cx!['other_ops'])) bad('"counterexample"."other_ops" must be a list');
    }
  });
  return d as Report;
}

/** The shard whose result meets `ok` with the shortest counterexample (the first of equals); -1 if none. */
function shortest(all: readonly (Result | undefined)[], ok: (x: Result) => boolean): number {
  const len = (x: Result) => Math.max(x.counterexample?.ops.length ?? 0, x.counterexample?.other_ops?.length ?? 0);
  let best = -1;
  all.forEach((x, i) => {
    if (x?.counterexample && ok(x) && (best < 0 || len(x) < len(all[best]!))) best = i;
  });
  return best;
}

/** The --seed a shard was made with: a random shard k/n of --seed s runs seed s·n + k − 1 (bin/cli.ts). */
function baseSeed(r: Report): number {
  if ((r.engine ?? 'random') !== 'random' || !r.shard) return r.seed;
  return (r.seed - (r.shard.k - 1)) / r.shard.n;
}

/** The merged run: its verdicts (summary), the results for `--json` with the counterexamples kept. */
export interface Merged extends Verdicts {
  readonly results: Result[];
  readonly notes: string[];
  readonly reports: Report[];
}

/** Merge the reports in `files`; `ci`: expected violations exit 0. */
export function mergeReports(files: readonly string[], ci: boolean): Merged {
  const reports = files.map(readReport);
  const notes: string[] = [];
  const first = reports[0]!;
  // One run's reports only: the same scope, engine, policies and properties (and, for shards, seed and runs).
  const names = (r: Report, key: 'policy' | 'property'): string =>
    [...new Set(r.results.map((x) => String(x[key])))].sort().join(', ');
  reports.forEach((r, i) => {
    const differs = (what: string, key: 'policy' | 'property') =>
      new InputError(files[i]!, null, `${what} differ from ${files[0]}'s (${names(r, key)} vs ${names(first, key)})`);
    if (JSON.stringify(r.scope) !== JSON.stringify(first.scope))
      throw new InputError(files[i]!, null, `scope differs from ${files[0]}'s`);
    if ((r.engine ?? 'random') !== (first.engine ?? 'random'))
      throw new InputError(files[i]!, null, `engine differs from ${files[0]}'s`);
    if (names(r, 'policy') !== names(first, 'policy')) throw differs('policies', 'policy');
    if (names(r, 'property') !== names(first, 'property')) throw differs('properties', 'property');
    if (r.base !== first.base) throw new InputError(files[i]!, null, `base differs from ${files[0]}'s`);
    if (JSON.stringify(r.mechanisms ?? null) !== JSON.stringify(first.mechanisms ?? null))
      throw new InputError(files[i]!, null, `mechanisms differ from ${files[0]}'s`);
  });
  // Which shards are there? A missing one makes every unviolated verdict unknown.
  let missing = false;
  const n = first.shard?.n;
  if (n !== undefined) {
    const ks = new Set<number>();
    reports.forEach((r, i) => {
      if (r.shard?.n !== n)
        throw new InputError(
          files[i]!,
          null,
          `shard count differs (${r.shard ? `${r.shard.k}/${r.shard.n}` : 'not a shard'} vs ${n})`,
        );
      if (ks.has(r.shard.k)) throw new InputError(files[i]!, null, `shard ${r.shard.k}/${n} given twice`);
      ks.add(r.shard.k);
      if (r.runs !== first.runs) {
        const why = `made with --runs ${r.runs} (per shard), not ${first.runs} as ${files[0]}`;
        throw new InputError(files[i]!, null, why);
      }
      const b = baseSeed(r);
      const b0 = baseSeed(first);
      if (b !== b0) {
        const why = Number.isInteger(b)
          ? `made with --seed ${b}, not ${b0}`
          : `seed ${r.seed} is not shard ${r.shard.k}/${n} of --seed ${b0}`;
        throw new InputError(files[i]!, null, `${why} as ${files[0]}`);
      }
    });
    const absent = Array.from({ length: n }, (_, k) => k + 1).filter((k) => !ks.has(k));
    if (absent.length > 0) {
      missing = true;
      notes.push(`shards missing: ${absent.map((k) => `${k}/${n}`).join(', ')}; verdicts not violated are unknown`);
    }
  } else if (reports.length > 1) notes.push('the reports are not shards (no --shard): merged as independent runs');
  const keys = [
    ...new Map(reports.flatMap((r) => r.results.map((x) => [`${x.policy}\0${x.property}`, x] as const))).keys(),
  ];
  const results: Result[] = [];
  const cells: Cell[] = [];
  const len = (x: Result) => Math.max(x.counterexample!.ops.length, x.counterexample!.other_ops?.length ?? 0);
  for (const key of keys) {
    const [policy, property] = key.split('\0') as [string, string];
    const all = reports.map((r) => r.results.find((x) => x.policy === policy && x.property === property));
    const shards = all.map(
      (x) =>
        x && {
          verdict: x.verdict,
          ...(x.bound !== undefined ? { bound: x.bound } : {}),
          ...(x.counterexample ? { length: len(x) } : {}),
        },
    );
    const merged = mergeVerdict(shards, missing);
    const { bound } = merged;
    let { verdict, best } = merged;
    // Judged as the engine that ran the shards judges (check/verdict.ts statusOf). A built-in policy's
    // expectations are the table's; a policy file's are what its results recorded (its own declarations).
    const recorded = Object.hasOwn(POLICIES, policy) ? undefined : all.find((x) => x?.expected !== undefined);
    const foundBy = recorded?.expected_found_by === 'exhaustive' ? { foundBy: 'exhaustive' as const } : {};
    const expected = recorded?.expected
      ? { why: recorded.why_expected ?? '', kind: recorded.expected_kind ?? 'design', ...foundBy }
      : null;
    const p = propertyByName(property)!;
    const engine = first.engine ?? 'random';
    let c = cell(policy, p, verdict, engine, bound ? { bound } : {}, recorded ? expected : undefined);
    if (first.base !== undefined) {
      // Against a base: new in a shard is new; else inherited in one is inherited; else fixed in one is fixed.
      const b = { base: first.base };
      const fresh = shortest(all, (x) => x.verdict === 'violated' && x.status !== 'inherited');
      const inherited = shortest(all, (x) => x.status === 'inherited');
      const fixed = shortest(all, (x) => x.status === 'fixed');
      if (fresh >= 0) c = { ...c, ...b };
      else if (inherited >= 0) {
        verdict = 'violated';
        best = inherited;
        c = { ...c, ...b, verdict, status: 'inherited' };
      } else if (fixed >= 0 && verdict !== 'policy-error' && verdict !== 'unknown') {
        best = fixed;
        c = { ...c, ...b, status: 'fixed' };
      } else c = { ...c, ...b };
      if (fresh >= 0) best = fresh;
    }
    cells.push(c);
    const counterexample = best === undefined ? undefined : all[best]!.counterexample;
    const more = {
      ...(c.base !== undefined ? { status: c.status } : {}),
      ...(bound ? { bound } : {}),
      ...(counterexample ? { counterexample } : {}),
    };
    results.push({ policy, property, verdict, ...more });
  }
  return { ...verdicts(cells, ci, null), results, notes, reports };
}

export function renderMerged(c: ChalkInstance, m: Merged, files: readonly string[]): string {
  const policies = [...new Set(m.cells.map((x) => x.policy))];
  const props = [...new Set(m.cells.map((x) => x.property.name))];
  const out = [c.bold(`apmc merge: ${files.length} reports`)];
  const base = m.reports[0]?.base;
  if (base !== undefined)
    out.push(...wrapLine(oneLine(`against the base ${base}: per property new / inherited / fixed`)));
  out.push('');
  const cellOf = (r: number, k: number) =>
    m.cells.find((y) => y.policy === policies[k] && y.property.name === props[r]);
  const table = verdictTable(
    props,
    policies,
    (r, k) => {
      const x = cellOf(r, k);
      return x ? cellWord(x) : 'not checked';
    },
    WIDTH,
    (r, k) => {
      const x = cellOf(r, k);
      return x ? shortWord(x) : '-';
    },
  );
  out.push(...table);
  // Data from the reports (names, reasons, notes) is escaped and wrapped within 80 columns.
  const say = (style: (s: string) => string, text: string) => out.push(...wrapLine(oneLine(text)).map((l) => style(l)));
  out.push('', ...(shortTable(table) ? SHORT_LEGEND : MARKS_LEGEND.slice(0, 1)).map((l) => c.dim(l)));
  for (const r of m.reports) {
    const shard = r.shard ? `shard ${r.shard.k}/${r.shard.n} ` : '';
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    for (const x of r.exhaustive ?? []) {
      say(c.dim, `${shard}${x.policy}: ${x.states} states, ${x.transitions} transitions, depth ${x.depth}, ${s(x.ms)}`);
    }
    for (const x of r.explorations ?? []) {
      say(c.dim, `${shard}${x.policy}: ${x.cases} cases, ${x.operations} operations, ${s(x.ms)}`);
    }
  }
  for (const note of m.notes) say(c.yellow, note);
  for (const r of m.results) {
    if (!r.counterexample) continue;
    if (r.status === 'inherited' || r.status === 'fixed') {
      const n = Math.max(r.counterexample.ops.length, r.counterexample.other_ops?.length ?? 0);
      const under = r.status === 'fixed' ? base : r.policy;
      say(c.dim, `${r.policy}: ${r.property} ${r.status}: ${n} ops under ${under}; in the --json report`);
      continue;
    }
    out.push('');
    say(c.bold, `== ${r.policy}: ${r.property} violated${r.status === 'new' ? ' [NEW]' : ''}`);
    say((l) => l, `   ${String(r.counterexample.reason ?? '')}`);
    out.push(c.dim(`   apmc explain on the --json report's counterexample shows it step by step`));
  }
  return out.join('\n');
}

/** `apmc merge --json`: the merged verdicts, counterexamples included (apmc-check/1, as `apmc check --json`). */
export function mergedJson(m: Merged, files: readonly string[]): Record<string, unknown> {
  const base = m.reports[0]?.base;
  const b = base !== undefined ? { base } : {};
  return { format: 'apmc-check/1', merged_from: files, ...b, exit: m.exit, notes: m.notes, results: m.results };
}
