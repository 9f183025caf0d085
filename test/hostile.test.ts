/**
 * The hostile-input suite: every case in test/hostile/*.ts runs apmc on one hostile input (in this process
 * through runCli, or as a real process for policies that exit, loop or allocate and for endless files) in a
 * fresh temporary directory, and asserts
 *   - the exit code (2 bad input, 7 policy error, 0 for a run, kernel rejections included);
 *   - stderr: on failure exactly one line `apmc: …`, with no raw control or bidirectional-format character,
 *     no stack trace, at most 80 columns unless one path or value in it is itself longer, and never more
 *     than 1024 columns; on success nothing;
 *   - stdout: empty on bad input, and no raw control character (but newline) in the text apmc prints
 *     (JSON output aside);
 *   - nothing written: the working directory (which holds the save and report directories) and the
 *     package's counterexamples/ are the same before and after;
 *   - the time bound.
 * The real processes are started together when this file loads and awaited by their tests.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  changed,
  freshDir,
  type Outcome,
  queuedInProcess,
  ROOT,
  snapshot,
  spawnApmc,
  writeFiles,
} from './cli-harness.ts';
import type { Case } from './hostile/case.ts';
import { ENV } from './hostile/env.ts';
import { FLAGS } from './hostile/flags.ts';
import { JSON_CASES } from './hostile/json.ts';
import { POLICIES } from './hostile/policies.ts';
import { TRACES } from './hostile/traces.ts';

const ALL: Readonly<Record<string, readonly Case[]>> = {
  traces: TRACES,
  json: JSON_CASES,
  flags: FLAGS,
  policies: POLICIES,
  env: ENV,
};
/**
 * HOSTILE_SLOW=1: also the slow cases (100k-operation traces, seconds of CPU each even when handled well).
 * HOSTILE_ONLY=<regex>: only the cases whose class and name match.
 * HOSTILE_TIMES=1: print each case's time, exit code and stderr.
 */
const slow = process.env['HOSTILE_SLOW'] === '1';
const only = process.env['HOSTILE_ONLY'] ? new RegExp(process.env['HOSTILE_ONLY']) : null;
const picked = (cls: string, c: Case): boolean => (slow || !c.slow) && (only?.test(`${cls} ${c.name}`) ?? true);
const CLASSES = Object.fromEntries(Object.entries(ALL).map(([k, cs]) => [k, cs.filter((c) => picked(k, c))]));

const codePoint = (ch: string): string => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;

/** Why a stderr line is not clean; null when it is. */
export function lineProblem(line: string): string | null {
  if (!line.startsWith('apmc: ')) return "does not start with 'apmc: '";
  if (/^\s+at .+:\d+:\d+\)?$/.test(line) || /\n\s+at /.test(line)) return 'a stack trace';
  const bad = /[\p{Cc}\p{Cf}\u2028\u2029]|\p{Cs}/u.exec(line);
  if (bad) return `raw character ${codePoint(bad[0])} at column ${bad.index + 1}`;
  const cols = [...line].length;
  if (cols > 1024) return `${cols} columns`;
  if (cols > 80) {
    // The paths in it (the input's, a policy file's) may make it longer, and the longest other value; the
    // rest of the line may not.
    const words = line.match(/'[^']*'|"[^"]*"|\S+/g) ?? [''];
    const path = (w: string): boolean => /\/|\.(trace|json|[mc]?[jt]s)\b/.test(w);
    const paths = words.filter(path).reduce((n, w) => n + [...w].length, 0);
    const longest = words.filter((w) => !path(w)).reduce((n, w) => Math.max(n, [...w].length), 0);
    if (cols - paths - longest > 80)
      return `${cols} columns (${cols - paths - longest} without its paths and longest word)`;
  }
  return null;
}

/** Raw control characters (newline and tab aside) in text apmc printed on stdout. */
function outProblem(out: string): string | null {
  const bad = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029]|\p{Cs}/u.exec(out);
  if (!bad) return null;
  const at = out.slice(0, bad.index).split('\n').length;
  return `stdout line ${at}: raw character ${codePoint(bad[0])}`;
}

/** Everything wrong with a case's outcome (all of it, so that one problem does not hide another). */
function problemsOf(c: Case, o: Outcome, wrote: readonly string[]): string[] {
  const p: string[] = [];
  const bound = c.ms ?? (c.spawn ? 8000 : 3000);
  const said = JSON.stringify(o.err.length > 300 ? `${o.err.slice(0, 300)}…` : o.err);
  if (wrote.length > 0) p.push(`files written: ${wrote.join(', ')}`);
  if (o.rssKilled !== undefined) p.push(`killed at ${o.rssKilled} MB resident memory (limit 1536 MB)`);
  else if (o.code === null) p.push(`did not end within ${bound} ms (killed at ${Math.round(o.ms)} ms)`);
  else if (o.ms > bound) p.push(`took ${Math.round(o.ms)} ms, bound ${bound} ms`);
  if (o.exitCalled !== undefined) p.push(`called process.exit(${o.exitCalled}) inside apmc`);
  if (o.code !== null && o.code !== c.exit) p.push(`exit ${o.code}, expected ${c.exit}`);
  // check reports what it found (a policy error included) on stdout; everything else says it on stderr.
  const reported = argv(c)[0] === 'check' && c.exit !== 2 && o.out !== '';
  if (c.exit === 0) {
    // A success may warn (`apmc: warning: …`, one clean line each); nothing else goes to stderr.
    const warnings = o.err.match(/^apmc: warning: [^\n]*\n/gm) ?? [];
    if (o.err !== warnings.join('')) p.push(`stderr on success: ${said}`);
    for (const w of warnings) {
      const problem = lineProblem(w.slice(0, -1));
      if (problem !== null) p.push(`warning line: ${problem}: ${JSON.stringify(w.slice(0, 200))}`);
    }
  } else if (o.code !== null && !(reported && o.err === '')) {
    // A signal's own notice ('apmc: SIGTERM: stopping; …') comes first; the one line is what follows it.
    const err = c.signal ? o.err.replace(/^apmc: SIG[A-Z]+: stopping;[^\n]*\n/, '') : o.err;
    const oneLine = err.endsWith('\n') && err.indexOf('\n') === err.length - 1;
    if (!oneLine) p.push(`not exactly one stderr line: ${said}`);
    else {
      const line = err.slice(0, -1);
      const problem = lineProblem(line);
      if (problem !== null) p.push(`stderr line: ${problem}: ${JSON.stringify(line.slice(0, 200))}`);
      const shown = JSON.stringify(line.slice(0, 200));
      if (c.says && !c.says.test(line.replace(/^apmc: /, ''))) p.push(`stderr ${shown} does not match ${c.says}`);
    }
  }
  if (c.exit === 2 && o.out !== '') p.push(`stdout on bad input: ${JSON.stringify(o.out.slice(0, 100))}`);
  const outBad = /^\s*[{[]/.test(o.out) ? null : outProblem(o.out);
  if (outBad !== null) p.push(outBad);
  const checked = c.check?.(o.out) ?? null;
  if (checked !== null) p.push(checked);
  return p;
}

const counterexamples = join(ROOT, 'counterexamples');
const argv = (c: Case): readonly string[] => (typeof c.argv === 'function' ? c.argv('DIR') : c.argv);
const dirs = new Map<Case, string>();

/** Make the case's working directory: its files and set-up. */
function prepare(c: Case): { dir: string; argv: readonly string[] } {
  const dir = freshDir();
  dirs.set(c, dir);
  writeFiles(dir, typeof c.files === 'function' ? c.files(dir) : (c.files ?? {}));
  c.setup?.(dir);
  return { dir, argv: typeof c.argv === 'function' ? c.argv(dir) : c.argv };
}

// Real processes, started now, at most three at a time.
const spawned = new Map<Case, Promise<{ o: Outcome; before: Record<string, string>; after: Record<string, string> }>>();
{
  const all = Object.values(CLASSES)
    .flat()
    .filter((c) => c.spawn);
  const lanes: Promise<unknown>[] = [Promise.resolve(), Promise.resolve(), Promise.resolve()];
  all.forEach((c, i) => {
    const p = lanes[i % lanes.length]!.then(async () => {
      const { dir, argv } = prepare(c);
      const before = snapshot(dir);
      const o = await spawnApmc(argv, dir, c.env, (c.ms ?? 8000) + 2000, c.signal);
      return { o, before, after: snapshot(dir) };
    });
    lanes[i % lanes.length] = p.catch(() => undefined);
    spawned.set(c, p);
  });
}

async function outcome(c: Case): Promise<{ o: Outcome; wrote: string[] }> {
  if (c.spawn) {
    const r = await spawned.get(c)!;
    return { o: r.o, wrote: changed(r.before, r.after) };
  }
  const { dir, argv } = prepare(c);
  const before = snapshot(dir);
  const cxBefore = snapshot(counterexamples);
  // After any in-process run another test file in this process started and that has not settled.
  const o = await queuedInProcess(
    argv,
    dir,
    { NO_COLOR: '1', FORCE_COLOR: undefined, ...c.env },
    (c.ms ?? 3000) + 5000,
  );
  const wrote = [
    ...changed(before, snapshot(dir)),
    ...changed(cxBefore, snapshot(counterexamples)).map((x) => `counterexamples/${x}`),
  ];
  return { o, wrote };
}

for (const [cls, cases] of Object.entries(CLASSES)) {
  const s = suite(`hostile ${cls}`);
  for (const c of cases) {
    const tag = c.item ? ` [item ${c.item.join(', ')}]` : '';
    s(`${c.name}${tag}`, async () => {
      const { o, wrote } = await outcome(c);
      if (process.env['HOSTILE_TIMES']) {
        const err = JSON.stringify(o.err.slice(0, 120));
        process.stdout.write(`\n${Math.round(o.ms)} ms ${o.code} ${cls}: ${c.name}: ${err}\n`);
      }
      try {
        const problems = problemsOf(c, o, wrote);
        assert.ok(problems.length === 0, problems.join('; '));
      } finally {
        const d = dirs.get(c);
        if (d) rmSync(d, { recursive: true, force: true });
      }
    });
  }
  s.run();
}
