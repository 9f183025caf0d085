/**
 * npm run bench:findings — for each finding in docs/findings/ (its property, its fix), three whole-process runs
 * one after the other: how long apmc takes to find the property's violation under linux-2025 from scratch, with
 * the random engine (seeds 1..BENCH_SEEDS, default 3, up to BENCH_TIME s each, default 60) and the exhaustive
 * engine (one worker, up to 2 × BENCH_TIME s), and whether `apmc check --base linux-2025 --policy <fix>` reports
 * the property fixed (up to BENCH_TIME s). BENCH_FINDING picks findings by a part of their slug.
 * Times are the engines' own (ms to the first counterexample of that property, shrunk for the random engine).
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const DIR = join(ROOT, 'docs/findings');
const SEEDS = Number(process.env['BENCH_SEEDS'] ?? 3);
const TIME_S = Number(process.env['BENCH_TIME'] ?? 60);
const only = process.env['BENCH_FINDING'] ?? '';

/** A result of `apmc check --json`: its status, and the counterexample with when it was found. */
interface Cell {
  readonly status: string;
  readonly counterexample?: { readonly ops: readonly unknown[]; readonly found_after: { readonly ms: number } };
}

function check(args: readonly string[]): readonly Cell[] {
  const r = spawnSync(process.execPath, ['bin/apmc.js', 'check', ...args, '--json'], {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  try {
    return (JSON.parse(r.stdout) as { results: Cell[] }).results;
  } catch {
    throw new Error(`apmc check ${args.join(' ')}: exit ${r.status}: ${r.stderr.slice(0, 400)}`);
  }
}

const when = (c: Cell): string => {
  const x = c.counterexample;
  return x ? `${(x.found_after.ms / 1000).toFixed(2)} s/${x.ops.length} ops` : c.status;
};

const link = (md: string, key: string): string => {
  const m = new RegExp(`^\\| ${key} \\| .*?\\]\\(([^)]+)\\)`, 'm').exec(md);
  if (!m) throw new Error(`no ${key} link`);
  return resolve(DIR, m[1]!);
};

const slugs = readdirSync(DIR)
  .filter((f) => f.endsWith('.md') && f !== 'README.md' && f.includes(only))
  .map((f) => f.slice(0, -3))
  .sort();
console.log(`findings on linux-2025: random seeds 1..${SEEDS} (≤ ${TIME_S} s each), exhaustive 1 worker`);
console.log(`(≤ ${2 * TIME_S} s), fix checked against the base (≤ ${TIME_S} s); node ${process.version}`);
for (const slug of slugs) {
  const md = readFileSync(join(DIR, `${slug}.md`), 'utf8');
  const cx = JSON.parse(readFileSync(link(md, 'counterexample'), 'utf8')) as { property: string };
  const p = ['--policy', 'linux-2025', '--property', cx.property];
  const random: string[] = [];
  for (let seed = 1; seed <= SEEDS; seed++) {
    const c = check([...p, '--seed', String(seed), '--time', String(TIME_S)])[0]!;
    random.push(when(c));
  }
  const e = check([...p, '--engine', 'exhaustive', '--workers', '1', '--time', String(2 * TIME_S)])[0]!;
  const ex = when(e);
  const fixArgs = ['--base', 'linux-2025', '--policy', link(md, 'fix'), '--property', cx.property];
  const f = check([...fixArgs, '--time', String(TIME_S)])[0]!;
  // A property two root causes violate: their fixes together (the finding's `together` policy).
  const both = /^\| together \|/m.test(md) ? link(md, 'together') : null;
  const t =
    both && check(['--base', 'linux-2025', '--policy', both, '--property', cx.property, '--time', String(TIME_S)]);
  const together = t ? `; together: ${t[0]!.status}` : '';
  console.log(`${slug}\n  ${cx.property}: random ${random.join(', ')}; exhaustive ${ex}; fix: ${f.status}${together}`);
}
