/**
 * `apmc diff --policy A --policy B [TRACE]`: with a trace, the trace under both policies step by step;
 * without one, a search for a short trace after which the two designs differ, then that trace the same way.
 * `--observe guest|sysfs|all` chooses what counts as a difference (model/observation.ts).
 *
 * Exit codes: 1 the designs differ; 0 no difference (with a trace: on every step; without: none in every
 * case the random engine was asked to run, or, exhaustively, to the depth reported); 6 a bound (--time, or
 * the exhaustive engine's --max-states or memory) stopped the search before it was done: undecided, never 0.
 */
import { auditsPolicies, searchOrAgain } from '../exhaustive/asymmetry.ts';
import { dirname, basename, resolve } from 'node:path';
import type { ChalkInstance } from 'chalk';
import { OBSERVE_LEVELS, type ObserveLevel } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { Config, Policy } from '../model/policy.ts';
import { isBuiltIn } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { abortFlag, type AbortFlag } from '../properties/abort.ts';
import { searchDifference, type DifferenceSearch } from '../properties/difference.ts';
import { type FaultKind, guardPolicy, PolicyFault } from '../properties/policy-guard.ts';
import { exploreDifference } from '../exhaustive/product.ts';
import { diffTraces, diffText } from '../render/diff.ts';
import { clip, oneLine, WIDTH, wrapLine } from '../render/term.ts';
import { formatOp, formatTrace } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';
import { engineSettings, ENGINE_FLAGS, parse, scopeFlagValues, scopeFromFlags } from './args.ts';
import { COMMANDS } from './commands.ts';
import type { ExhaustiveSettings } from './check-exhaustive.ts';
import { loadSubject, type ScopeFlags } from './explain.ts';
import { loadPolicy } from './load-policy.ts';
import { withScopeFlags } from './load-trace.ts';
import { traceFault } from './run-fault.ts';
import { checkOutputDir, writeFileSafe } from './safe-write.ts';
import { UsageError } from './usage.ts';

/** The search flags: only without a trace. */
const SEARCH_FLAGS = [
  'seed',
  'runs',
  'time',
  'save',
  'max-ops',
  'classes',
  'save-dir',
  ...Object.keys(ENGINE_FLAGS),
] as const;

export type DiffEngine = 'random' | 'exhaustive' | 'auto';

export interface DiffArgs {
  readonly color: boolean | undefined;
  readonly noColor: boolean | undefined;
  /** Policy names or files, unresolved. */
  readonly policies: readonly string[];
  /** The trace file, or null: search for one. */
  readonly trace: string | null;
  /** --observe; default `sysfs` with a trace (what diff has always compared), `guest` without. */
  readonly level: ObserveLevel;
  readonly scope: ScopeFlags;
  /** Without a trace: the scope to search (the defaults with the scope flags over them). */
  readonly searchScope: Scope;
  readonly seed: number;
  readonly runs: number;
  readonly maxOps: number;
  readonly timeMs: number | undefined;
  /** --save FILE: the trace found, as trace text. */
  readonly save: string | undefined;
  readonly engine: DiffEngine;
  readonly settings: ExhaustiveSettings;
  /** --classes: every class of first difference, not only the first (bin/diff-classes.ts). */
  readonly classes: boolean;
  /** --save-dir DIR (with --classes): one trace file per class. */
  readonly saveDir: string | undefined;
}

const whole = (name: string, v: string | undefined, dflt: number, min: number, max: number): number => {
  if (v === undefined) return dflt;
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max)
    throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got '${v}'`);
  return Number(v);
};

/** `apmc diff`'s arguments. */
export function parseDiffArgs(args: string[]): DiffArgs {
  const { values, positionals } = parse(args, COMMANDS.diff);
  const common = { color: values.color, noColor: values['no-color'] };
  const policies = values.policy ?? [];
  const searchScope = scopeFromFlags(values);
  if (positionals.length > 1)
    throw new UsageError(`expected at most one trace file, got ${positionals.length} (see 'apmc diff --help')`);
  if (policies.length !== 2) throw new UsageError(`apmc diff needs exactly two --policy flags, got ${policies.length}`);
  const trace = positionals[0] ?? null;
  const observe = values.observe ?? (trace === null ? 'guest' : 'sysfs');
  if (!OBSERVE_LEVELS.includes(observe as ObserveLevel))
    throw new UsageError(`--observe: expected ${OBSERVE_LEVELS.join(', ')}, got '${observe}'`);
  const level = observe as ObserveLevel;
  const scope = scopeFlagValues(values);
  if (trace !== null) {
    const given = SEARCH_FLAGS.find((f) => (values as Record<string, unknown>)[f] !== undefined);
    if (given) throw new UsageError(`--${given}: only without a trace (a search for one)`);
    return { ...common, policies, trace, level, scope, searchScope, ...DEFAULTS };
  }
  const engine = values.engine ?? 'auto';
  if (engine !== 'random' && engine !== 'exhaustive' && engine !== 'auto')
    throw new UsageError(`--engine: expected 'random', 'exhaustive' or 'auto', got '${engine}'`);
  // The exhaustive flags as `apmc check` parses them; `auto` runs the exhaustive engine first, so takes them too.
  const { settings } = engineSettings({ ...values, engine: engine === 'random' ? 'random' : 'exhaustive' });
  if (engine === 'exhaustive' && values.seed !== undefined)
    throw new UsageError('--seed needs --engine random or auto');
  if (values['max-ops'] !== undefined && engine === 'exhaustive')
    throw new UsageError('--max-ops needs --engine random or auto (the exhaustive engine takes --depth)');
  if (values.save === '') throw new UsageError('--save: expected a file name, got an empty one');
  if (values['save-dir'] !== undefined && !values.classes) throw new UsageError('--save-dir needs --classes');
  if (values.save !== undefined && values.classes) throw new UsageError('--save: not with --classes (--save-dir)');
  return {
    ...common,
    policies,
    trace,
    level,
    scope,
    searchScope,
    seed: whole('seed', values.seed, 1, 0, 2 ** 31 - 1),
    runs: whole('runs', values.runs, DEFAULTS.runs, 1, 1e12),
    maxOps: whole('max-ops', values['max-ops'], DEFAULTS.maxOps, 1, 1000),
    timeMs: values.time === undefined ? undefined : whole('time', values.time, 0, 1, 86400 * 365) * 1000,
    save: values.save,
    engine,
    settings,
    classes: values.classes === true,
    saveDir: values['save-dir'],
  };
}

/** `--engine auto` without --time or --depth: the exhaustive search's share, in ms. */
const AUTO_MS = 10_000;

const DEFAULTS = {
  seed: 1,
  runs: 50000,
  maxOps: 20,
  timeMs: undefined,
  save: undefined,
  engine: 'random',
  settings: { symmetry: true, workers: 1 },
  classes: false,
  saveDir: undefined,
} as const satisfies Partial<DiffArgs>;

/** `apmc diff` with a trace: the trace under two policies; the text, and whether they differ. */
export async function diffCommand(
  c: ChalkInstance,
  file: string,
  policies: readonly string[],
  scope: ScopeFlags,
  onLoaded: () => void = () => {},
  level: ObserveLevel = 'sysfs',
): Promise<{ text: string; differ: boolean }> {
  if (policies.length !== 2) throw new UsageError(`apmc diff needs exactly two --policy flags, got ${policies.length}`);
  const loaded = loadSubject(file);
  const trace = withScopeFlags(loaded.trace, scope, file);
  const raw = await Promise.all(policies.map((p) => loadPolicy(p)));
  onLoaded();
  // A policy that throws is a policy error at its step (exit 7), as in run and check.
  for (const [i, p] of raw.entries()) {
    const fault = isBuiltIn(p) ? null : traceFault(trace, p, file, i);
    if (fault) throw fault;
  }
  const d = diffTraces(trace, guardPolicy(raw[0]!).policy, guardPolicy(raw[1]!).policy, level);
  return { text: diffText(c, d, file), differ: d.first !== null || d.final.length > 0 };
}

/** What a search for a difference found, by either engine. */
export interface DifferenceOutcome {
  /** The trace, or null when none was found. */
  readonly ops: readonly Op[] | null;
  /** One line: how it was searched and what came of it ("found after 12 cases …", "no difference …"). */
  readonly searched: string;
  /** No difference, and the search did all it was asked (every case, or every trace to the depth). */
  readonly complete: boolean;
  /** A signal's name when one stopped the search. */
  readonly signal: string | null;
  /** What a complete search without a difference shows (the random engine's says sampling proves nothing). */
  readonly none?: string;
  /** The exhaustive engine, without a difference: every trace of up to this many ops was compared. */
  readonly proved?: number;
}

export interface SearchHooks {
  readonly signal?: AbortFlag;
  /** Each case before it runs, and each of its steps done (the policy sandbox records them for its watchdog). */
  readonly onCase?: (ops: readonly Op[]) => void;
  readonly onStepDone?: () => void;
}

const plural = (n: number, one: string): string => `${n} ${one}${n === 1 ? '' : 's'}`;

/** The random engine: sample cases as `apmc check` does (properties/difference.ts). */
async function randomDifference(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  a: DiffArgs,
  hooks: SearchHooks,
): Promise<DifferenceOutcome> {
  const r: DifferenceSearch = await searchDifference(ca, cb, initialState(ca.scope), level, {
    seed: a.seed,
    runs: a.runs,
    maxOps: a.maxOps,
    ...(a.settings.mechanisms !== undefined ? { mechanisms: a.settings.mechanisms } : {}),
    ...(a.timeMs !== undefined ? { timeMs: a.timeMs } : {}),
    ...(hooks.signal ? { signal: hooks.signal } : {}),
    ...(hooks.onCase ? { onCase: hooks.onCase } : {}),
    ...(hooks.onStepDone ? { onStepDone: hooks.onStepDone } : {}),
  });
  const how = `random search (seed ${a.seed}, cases of up to ${r.maxOps} ops after a setup)`;
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  if (r.found) {
    const f = r.found;
    const steps = `shrunk from ${plural(f.unshrunk, 'step')} to ${f.ops.length}`;
    const searched = `${how}: found in case ${f.afterRuns} after ${secs(f.foundMs)}, ${steps} (not proven shortest)`;
    return { ops: f.ops, searched, complete: false, signal: null };
  }
  const stopped =
    r.stoppedBy === null ? '' : r.stoppedBy === 'time' ? `, stopped by --time` : `, stopped by ${r.stoppedBy}`;
  const searched = `${how}: no difference found in ${plural(r.runs, 'case')} of ${a.runs} (${secs(r.ms)}${stopped})`;
  const signal = r.stoppedBy !== null && r.stoppedBy !== 'time' ? r.stoppedBy : null;
  return { ops: null, searched, complete: r.stoppedBy === null, signal };
}

/**
 * The exhaustive engine: a breadth-first search of both designs stepped together, so the first trace found
 * is a shortest one. ------------------------------------------------------------------------------
 * THE ONE CALL SITE of the exhaustive difference search (exhaustive/ `exploreDifference(ca, cb, level, opt)`).
 * ------------------------------------------------------------------------------------------------
 */
async function exhaustiveDifference(
  ca: Config,
  cb: Config,
  level: ObserveLevel,
  settings: ExhaustiveSettings,
  a: DiffArgs,
  hooks: SearchHooks,
): Promise<DifferenceOutcome> {
  const t0 = Date.now();
  const search = (symmetry: boolean) =>
    exploreDifference(ca, cb, level, {
      ...(settings.depth !== undefined ? { depth: settings.depth } : {}),
      ...(settings.maxStates !== undefined ? { maxStates: settings.maxStates } : {}),
      ...(settings.maxMemory !== undefined ? { maxMemory: settings.maxMemory } : {}),
      ...(a.timeMs !== undefined ? { timeMs: Math.max(1, a.timeMs - (Date.now() - t0)) } : {}),
      ...(hooks.signal ? { signal: hooks.signal } : {}),
      symmetry,
      // A policy file may not treat ids alike (exhaustive/asymmetry.ts).
      ...(auditsPolicies(ca.policy, cb.policy) ? { audit: true } : {}),
      ...(settings.mechanisms !== undefined ? { mechanisms: settings.mechanisms } : {}),
    });
  // A design that does not treat ids alike defeats symmetry reduction: the search runs again without it.
  let unsymmetric: string | null = null;
  const r = await searchOrAgain(settings.symmetry, search, (e) => {
    unsymmetric = e.message;
  });
  const pe = r.policyError;
  if (pe) {
    const where = `after ${plural(pe.at + 1, 'op')}: ${pe.ops
      .slice(0, pe.at + 1)
      .map(formatOp)
      .join('; ')}`;
    throw new PolicyFault(pe.policy ?? ca.policy.name, pe.callback, pe.kind as FaultKind, `${pe.message} (${where})`);
  }
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const again = unsymmetric === null ? '' : `, without symmetry reduction: ${oneLine(unsymmetric)}`;
  const pairs = `${plural(r.states, 'pair')} stored${again}`;
  const how = `exhaustive search (breadth-first, both designs stepped together; ${pairs})`;
  if (r.ops !== null) {
    const searched = `${how}: found after ${secs(r.foundMs ?? r.ms)}, a shortest trace (${plural(r.depth, 'op')})`;
    return { ops: r.ops, searched, complete: false, signal: null };
  }
  const signal = r.bound === 'interrupted' && hooks.signal?.aborted ? (hooks.signal.reason ?? 'SIGINT') : null;
  const reach = r.complete
    ? `every reachable pair of states seen (every trace to depth ${r.depth})`
    : r.bound === 'depth'
      ? `every trace of up to ${plural(r.depth, 'op')} compared (--depth)`
      : `stopped by the ${r.bound ?? 'search'} bound at depth ${r.depth}`;
  const decided = r.complete || r.bound === 'depth';
  const none = r.complete
    ? 'no difference: the designs agree on every reachable trace'
    : `no difference on any trace of up to ${plural(r.depth, 'op')} (a proof to that depth)`;
  const searched = `${how}: no difference; ${reach} (${secs(r.ms)})`;
  return { ops: null, searched, complete: decided, signal, none, proved: r.depth };
}

/** The trace found, as trace text: its scope, no policy line (diff takes --policy), where it came from, its class. */
export function foundTraceText(
  scope: Scope,
  ops: readonly Op[],
  names: readonly [string, string],
  l: string,
  cls?: string,
): string {
  const [a, b] = names.map((n) => clip(oneLine(n), 36));
  const header = cls
    ? [`apmc diff --observe ${l}: ${a} and ${b} first differ after the last step:`, clip(cls, 76)]
    : [`apmc diff --observe ${l}: two designs differ after the last step:`, `${a} and ${b}`];
  const t: Trace = {
    scope,
    scopeSet: ['adapters', 'domains'],
    policy: null,
    initial: null,
    header,
    steps: ops.map((op) => ({ op })),
    trailer: [],
  };
  return formatTrace(t);
}

/** `apmc diff` without a trace: search, then show the trace found as `apmc diff TRACE` would. */
export async function diffSearchCommand(
  c: ChalkInstance,
  a: DiffArgs,
  onLoaded: () => void = () => {},
  hooks: SearchHooks = {},
): Promise<{ text: string; code: number }> {
  const scope = a.searchScope;
  const save = a.save === undefined ? undefined : resolve(a.save);
  // Where the run will write is checked before it starts: a bad location is bad input.
  if (save !== undefined) checkOutputDir('--save', dirname(save), [basename(save)]);
  const raw = await Promise.all(a.policies.map((p) => loadPolicy(p)));
  onLoaded();
  // Guarded: a policy file that throws is a policy error (exit 7), not a crash.
  const [pa, pb] = raw.map((p) => (isBuiltIn(p) ? p : guardPolicy(p).policy)) as [Policy, Policy];
  const ca: Config = { scope, policy: pa };
  const cb: Config = { scope, policy: pb };
  const signal = hooks.signal ?? abortFlag();
  const h = { ...hooks, signal };
  let out: DifferenceOutcome;
  if (a.engine === 'random') out = await randomDifference(ca, cb, a.level, a, h);
  else if (a.engine === 'exhaustive') out = await exhaustiveDifference(ca, cb, a.level, a.settings, a, h);
  else {
    // auto: the exhaustive search first (a shortest trace, or none to its depth), for half of --time (AUTO_MS
    // without one) unless --depth bounds it; if it ends undecided, the random search with what is left of --time.
    const t0 = Date.now();
    const share = Math.max(1, Math.round((a.timeMs ?? 2 * AUTO_MS) / 2));
    const exTime = a.settings.depth !== undefined ? a.timeMs : share;
    const ex = await exhaustiveDifference(ca, cb, a.level, a.settings, { ...a, timeMs: exTime }, h);
    if (ex.ops !== null || ex.complete || ex.signal !== null) out = ex;
    else {
      const left = a.timeMs === undefined ? undefined : Math.max(1, a.timeMs - (Date.now() - t0));
      const r = await randomDifference(ca, cb, a.level, { ...a, timeMs: left }, h);
      const proof = ex.proved === undefined ? '' : `no difference on any trace of up to ${plural(ex.proved, 'op')}, `;
      const none = `${proof}nor in the sampled cases (sampling beyond that depth is not a proof)`;
      out = { ...r, searched: `${ex.searched}; then ${r.searched}`, none };
    }
  }
  const [na, nb] = [pa.name, pb.name].map((n) => clip(oneLine(n), 32));
  const title = `apmc diff: ${na} against ${nb}, observing ${a.level}`;
  const prose = (text: string, bold = false): string[] => wrapLine(text, WIDTH).map((l) => (bold ? c.bold(l) : l));
  const lines = [...prose(title, true), ...prose(out.searched)];
  if (out.ops === null) {
    if (out.signal !== null) return { text: lines.join('\n'), code: out.signal === 'SIGINT' ? 130 : 143 };
    const sampled = 'no difference found (sampling: not a proof; --engine exhaustive searches every trace to a depth)';
    const verdict = out.complete
      ? (out.none ?? sampled)
      : 'undecided: the search was stopped before it was done (exit 6)';
    return { text: [...lines, ...prose(verdict, true)].join('\n'), code: out.complete ? 0 : 6 };
  }
  const text = foundTraceText(scope, out.ops, [pa.name, pb.name], a.level);
  const trace: Trace = { scope, scopeSet: [], policy: null, initial: null, header: [], steps: [], trailer: [] };
  const t: Trace = { ...trace, steps: out.ops.map((op) => ({ op })) };
  const d = diffTraces(t, pa, pb, a.level);
  if (d.first === null) throw new Error('diff: the trace found does not differ when replayed');
  if (save !== undefined) writeFileSafe(save, text, 'replace');
  if (save !== undefined) lines.push(`saved to ${oneLine(save)}`);
  lines.push('', c.bold('the trace (apmc run and apmc diff replay it):'), text.trimEnd());
  lines.push('', diffText(c, d, 'the trace found'));
  return { text: lines.join('\n'), code: 1 };
}
