/**
 * `apmc diff --classes --policy A --policy B`: every class of first difference between two designs
 * (properties/difference-classes.ts), each with a short trace that `apmc diff A B TRACE` replays: the
 * exhaustive engine gives a shortest trace per class to its depth, the random engine samples beyond it;
 * `auto` runs the first for half the time, then the second. `--save-dir DIR` writes one trace per class.
 * Exit 1: the designs differ (classes found); 0: none, and the search was complete; 6: none, undecided.
 */
import { resolve, join } from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { Op } from '../model/ops.ts';
import type { Config, Policy } from '../model/policy.ts';
import { POLICIES } from '../model/policies/index.ts';
import { initialState } from '../model/state.ts';
import { abortFlag } from '../properties/abort.ts';
import { type ClassFound, searchDifferenceClasses } from '../properties/difference-classes.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { exploreDifferenceClasses } from '../exhaustive/product-classes.ts';
import { clip, oneLine, WIDTH, wrap, wrapLine } from '../render/term.ts';
import { formatOp } from '../trace/format.ts';
import { type DiffArgs, foundTraceText, type SearchHooks } from './diff.ts';
import { loadPolicy } from './load-policy.ts';
import { checkOutputDir, writeFileSafe } from './safe-write.ts';

/** `--engine auto` without --time or --depth: the exhaustive search's share, in ms. */
const AUTO_MS = 10_000;

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;
const classes = (n: number): string => plural(n, 'class', 'classes');

/** The ops, `; ` between them, packed into lines of `WIDTH` after `indent`, an op never split unless too long. */
function packOps(ops: readonly Op[], indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const [i, op] of ops.entries()) {
    const item = oneLine(formatOp(op)) + (i < ops.length - 1 ? ';' : '');
    if (line !== '' && indent.length + line.length + 1 + item.length > WIDTH) {
      out.push(indent + line);
      line = '';
    }
    line = line === '' ? item : `${line} ${item}`;
  }
  if (line !== '') out.push(...wrap(line, WIDTH, indent));
  return out;
}
const secs = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/** A file name for class n: its number and its words, lower case, letters and digits only. */
export const classFileName = (n: number, cls: string): string =>
  `${String(n).padStart(2, '0')}-${
    cls
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '')
      .slice(0, 60) || 'class'
  }.trace`;

interface Searched {
  readonly classes: readonly ClassFound[];
  readonly lines: readonly string[];
  /** Every trace was compared (exhaustive, to the end or its --depth; random: every case asked for). */
  readonly complete: boolean;
  readonly signal: string | null;
}

async function exhaustive(ca: Config, cb: Config, a: DiffArgs, timeMs: number | undefined, h: SearchHooks) {
  const r = await exploreDifferenceClasses(ca, cb, a.level, {
    ...(a.settings.depth !== undefined ? { depth: a.settings.depth } : {}),
    ...(a.settings.maxStates !== undefined ? { maxStates: a.settings.maxStates } : {}),
    ...(a.settings.maxMemory !== undefined ? { maxMemory: a.settings.maxMemory } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(h.signal ? { signal: h.signal } : {}),
    ...(a.settings.mechanisms !== undefined ? { mechanisms: a.settings.mechanisms } : {}),
  });
  if (r.policyError) throw new Error(`policy error in ${r.policyError.policy}: ${r.policyError.message}`);
  const reach = r.complete
    ? `every reachable pair of states seen (depth ${r.depth})`
    : r.bound === 'depth'
      ? `every trace of up to ${plural(r.depth, 'op')} compared (--depth)`
      : `stopped by the ${r.bound ?? 'search'} bound at depth ${r.depth}`;
  const line = `exhaustive search: ${classes(r.classes.length)}; ${reach}; ${plural(r.states, 'pair')} (${secs(r.ms)})`;
  const signal = r.bound === 'interrupted' && h.signal?.aborted ? (h.signal.reason ?? 'SIGINT') : null;
  return { classes: r.classes, line, complete: r.complete || r.bound === 'depth', signal };
}

async function random(ca: Config, cb: Config, a: DiffArgs, timeMs: number | undefined, h: SearchHooks) {
  const r = await searchDifferenceClasses(ca, cb, initialState(ca.scope), a.level, {
    seed: a.seed,
    runs: a.runs,
    maxOps: a.maxOps,
    ...(a.settings.mechanisms !== undefined ? { mechanisms: a.settings.mechanisms } : {}),
    ...(timeMs !== undefined ? { timeMs } : {}),
    ...(h.signal ? { signal: h.signal } : {}),
  });
  const stop = r.stoppedBy === null ? '' : `, stopped by ${r.stoppedBy === 'time' ? '--time' : r.stoppedBy}`;
  const found = `${classes(r.classes.length)} in ${plural(r.runs, 'case')}`;
  const line = `random search (seed ${a.seed}): ${found} (${secs(r.ms)}${stop})`;
  const signal = r.stoppedBy !== null && r.stoppedBy !== 'time' ? r.stoppedBy : null;
  return { classes: r.classes, line, complete: r.stoppedBy === null, signal };
}

async function search(ca: Config, cb: Config, a: DiffArgs, h: SearchHooks): Promise<Searched> {
  if (a.engine === 'random') {
    const r = await random(ca, cb, a, a.timeMs, h);
    return { ...r, lines: [r.line] };
  }
  if (a.engine === 'exhaustive') {
    const r = await exhaustive(ca, cb, a, a.timeMs, h);
    return { ...r, lines: [r.line] };
  }
  const t0 = Date.now();
  const share = Math.max(1, Math.round((a.timeMs ?? 2 * AUTO_MS) / 2));
  const ex = await exhaustive(ca, cb, a, a.settings.depth !== undefined ? a.timeMs : share, h);
  if (ex.signal !== null || ex.complete) return { ...ex, lines: [ex.line] };
  const left = a.timeMs === undefined ? undefined : Math.max(1, a.timeMs - (Date.now() - t0));
  const r = await random(ca, cb, a, left, h);
  const known = new Set(ex.classes.map((f) => f.cls));
  const more = r.classes.filter((f) => !known.has(f.cls));
  const line = `${r.line}, ${classes(more.length)} not met by the exhaustive search`;
  return { classes: [...ex.classes, ...more], lines: [ex.line, line], complete: false, signal: r.signal };
}

/** `apmc diff --classes` (no trace): search, print each class with its trace, save them if asked. */
export async function diffClassesCommand(
  c: ChalkInstance,
  a: DiffArgs,
  saveDir: string | undefined,
  onLoaded: () => void = () => {},
  hooks: SearchHooks = {},
): Promise<{ text: string; code: number }> {
  const scope = a.searchScope;
  // Checked as given (an empty name is bad input, not the current directory), before the search starts.
  if (saveDir !== undefined) checkOutputDir('--save-dir', saveDir);
  const dir = saveDir === undefined ? undefined : resolve(saveDir);
  const raw = await Promise.all(a.policies.map((p) => loadPolicy(p)));
  onLoaded();
  const [pa, pb] = raw.map((p) => (POLICIES[p.name] === p ? p : guardPolicy(p).policy)) as [Policy, Policy];
  const ca: Config = { scope, policy: pa };
  const cb: Config = { scope, policy: pb };
  const r = await search(ca, cb, a, { ...hooks, signal: hooks.signal ?? abortFlag() });
  const [na, nb] = [pa.name, pb.name].map((n) => clip(oneLine(n), 28));
  const prose = (text: string, bold = false): string[] => wrapLine(text, WIDTH).map((l) => (bold ? c.bold(l) : l));
  const lines = [...prose(`apmc diff --classes: ${na} against ${nb}, observing ${a.level}`, true)];
  for (const l of r.lines) lines.push(...prose(l));
  if (r.classes.length === 0) {
    if (r.signal !== null) return { text: lines.join('\n'), code: r.signal === 'SIGINT' ? 130 : 143 };
    const verdict = r.complete ? 'no difference' : 'undecided: the search was stopped before it was done (exit 6)';
    return { text: [...lines, ...prose(verdict, true)].join('\n'), code: r.complete ? 0 : 6 };
  }
  lines.push('');
  r.classes.forEach((f, i) => {
    const n = i + 1;
    lines.push(...wrap(`${f.cls} (${plural(f.ops.length, 'op')})`, WIDTH, '    ', `${String(n).padStart(2)}. `));
    lines.push(...packOps(f.ops, '    '));
    if (dir === undefined) return;
    const name = classFileName(n, f.cls);
    writeFileSafe(join(dir, name), foundTraceText(scope, f.ops, [pa.name, pb.name], a.level, f.cls), 'replace');
    lines.push(`    saved to ${oneLine(join(dir, name))}`);
  });
  return { text: lines.join('\n'), code: 1 };
}
