/**
 * `check(options)`: `apmc check` in this process, for another test suite. It loads the policies (built-in names,
 * Policy objects, or policy files as `--policy` loads them), runs the random or the exhaustive engine, and returns
 * the object `apmc check --json` prints (the apmc-check/1 report). It never exits the process and writes files only
 * when asked (`save`, `report`). Options mean what the flags of the same name mean and are checked as they are: a bad
 * one throws a UsageError naming the option and the problem, before anything runs.
 */
import { resolve } from 'node:path';
import type { Finding } from '../check/finding.ts';
import { summarize } from '../check/summary.ts';
import { type Cell, type Status, type Verdict, expectationBeyond } from '../check/verdict.ts';
import { MECHANISMS, type Mechanism } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE, SCOPE_KEYS, type Scope, scopeProblem } from '../model/scope.ts';
import { PROPERTY_NAMES } from '../properties/registry.ts';
import { abortFlag } from '../properties/abort.ts';
import { expectationFor } from '../properties/expected.ts';
import { reportHtml } from '../render/report.ts';
import { traceEventsJson } from '../trace/events.ts';
import { runCheck } from '../bin/check.ts';
import { type ExhaustiveSettings, runExhaustiveCheck } from '../bin/check-exhaustive.ts';
import { isPolicyFile, loadPolicy, readPolicy } from '../bin/load-policy.ts';
import { checkJson } from '../bin/render-check.ts';
import { REPORT_FILE, writeReport } from '../bin/report.ts';
import { checkOutputDir } from '../bin/safe-write.ts';
import { saveFound } from '../bin/save.ts';
import { propertyArgs } from '../bin/property-args.ts';
import { UsageError } from '../bin/usage.ts';

/** What `check` explores: `apmc check`'s flags as options. */
export interface CheckOptions {
  /** Built-in policy names, Policy objects, or paths to policy files (relative to `cwd`); default: every built-in. */
  readonly policies?: readonly (string | Policy)[];
  /** Check every policy against this one (`--base`). */
  readonly base?: string | Policy;
  /** Property names or spec ids (`I7`); default: every property. */
  readonly properties?: readonly string[];
  /** The scope; the keys not given are the default scope's (`--adapters` …). */
  readonly scope?: Partial<Scope>;
  /** `--seed` (default 1) and `--runs` (cases per policy, default 50000) of the random engine. */
  readonly seed?: number;
  readonly runs?: number;
  /** The time budget of the whole check, in milliseconds, shared out among the policies (`--time`). */
  readonly timeMs?: number;
  readonly engine?: 'random' | 'exhaustive';
  /** The exhaustive engine's settings (`--depth`, `--max-states`, `--max-memory` in MiB, …). */
  readonly exhaustive?: {
    readonly depth?: number;
    readonly maxStates?: number;
    readonly maxMemoryMb?: number;
    readonly symmetry?: boolean;
    readonly memo?: 'auto' | 'on' | 'off';
    readonly order?: 'guests-first' | 'plain';
    readonly workers?: number;
  };
  /** `--mechanisms`: 'all' (default), 'none', or the kernel mechanisms to generate ops of. */
  readonly mechanisms?: 'all' | 'none' | readonly Mechanism[];
  /** `--ci`: expected violations exit 0 (the report's `exit`). */
  readonly ci?: boolean;
  /** Stops the engines between cases (or states); the report says `stopped_by: 'abort'`. */
  readonly signal?: AbortSignal;
  /** Each violation as soon as it is found and shrunk: the policy's name and the finding. */
  readonly onFound?: (policy: string, finding: Finding) => void;
  /** Write each counterexample under this directory (`--save DIR`). */
  readonly save?: string;
  /** Write the HTML report to DIR/index.html (`--report DIR`). */
  readonly report?: string;
  /** The directory relative policy paths, `save` and `report` are resolved from; default: process.cwd(). */
  readonly cwd?: string;
}

/** One verdict of the report: a policy and a property (`apmc check --json`'s `results`). */
export interface CheckResult {
  readonly policy: string;
  readonly property: string;
  readonly spec: string;
  readonly verdict: Verdict;
  readonly expected: boolean;
  readonly status: Status;
  readonly why_expected?: string;
  readonly counterexample?: Record<string, unknown>;
  readonly [key: string]: unknown;
}

/** The apmc-check/1 report (docs/output-formats.md); the fields named here, and the others `--json` prints. */
export interface CheckReport {
  readonly format: 'apmc-check/1';
  /** What `apmc check` would exit with: 0, or the code of the worst verdict (README, Exit codes). */
  readonly exit: number;
  readonly engine: 'random' | 'exhaustive';
  readonly scope: Scope;
  readonly stopped_by: string | null;
  readonly results: readonly CheckResult[];
  readonly [key: string]: unknown;
}

/** A bad option: a UsageError naming it. */
function bad(what: string): never {
  throw new UsageError(`check: ${what}`);
}

/** A whole-number option from `min` to `max`, or `dflt` when absent. */
function int(name: string, v: unknown, dflt: number | undefined, min: number, max = Number.MAX_SAFE_INTEGER) {
  if (v === undefined) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max)
    bad(`${name} must be a whole number from ${min} to ${max}, got ${shown(v)}`);
  return v;
}

const shown = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function oneOf<T extends string>(name: string, v: unknown, values: readonly T[]): T | undefined {
  if (v === undefined || values.includes(v as T)) return v as T | undefined;
  return bad(`${name} must be one of ${values.map((x) => `'${x}'`).join(', ')}, got ${shown(v)}`);
}

/** The scope option over the default scope, checked as a trace's scope is. */
function scopeOf(s: Partial<Scope> | undefined): Scope {
  if (s === undefined) return DEFAULT_SCOPE;
  const extra = Object.keys(s).find((k) => !(SCOPE_KEYS as readonly string[]).includes(k));
  if (extra !== undefined) bad(`scope has ${shown(extra)}; its keys are ${SCOPE_KEYS.join(', ')}`);
  const scope = { ...DEFAULT_SCOPE, ...s };
  const problem = scopeProblem(scope);
  if (problem !== null) bad(`scope: ${problem}`);
  return scope;
}

function mechanismsOf(m: CheckOptions['mechanisms']): readonly Mechanism[] {
  if (m === undefined || m === 'all') return [...MECHANISMS];
  if (m === 'none') return [];
  if (!Array.isArray(m)) return bad(`mechanisms must be 'all', 'none' or a list of ${MECHANISMS.join(', ')}`);
  for (const x of m) oneOf('mechanisms', x, MECHANISMS);
  return MECHANISMS.filter((x) => m.includes(x));
}

/** The engine and its settings, checked as `apmc check`'s flags are. */
function engineOf(o: CheckOptions): { engine: 'random' | 'exhaustive'; settings: ExhaustiveSettings } {
  const engine = oneOf('engine', o.engine, ['random', 'exhaustive'] as const) ?? 'random';
  const x = o.exhaustive ?? {};
  if (engine === 'random' && Object.values(x).some((v) => v !== undefined))
    bad("exhaustive needs engine: 'exhaustive'");
  const depth = int('exhaustive.depth', x.depth, undefined, 0, 1000);
  const maxStates = int('exhaustive.maxStates', x.maxStates, undefined, 1);
  const mb = int('exhaustive.maxMemoryMb', x.maxMemoryMb, undefined, 64);
  if (x.symmetry !== undefined && typeof x.symmetry !== 'boolean') bad('exhaustive.symmetry must be true or false');
  const memo = oneOf('exhaustive.memo', x.memo, ['auto', 'on', 'off'] as const) ?? 'auto';
  const order = oneOf('exhaustive.order', x.order, ['guests-first', 'plain'] as const);
  return {
    engine,
    settings: {
      mechanisms: mechanismsOf(o.mechanisms),
      symmetry: x.symmetry ?? true,
      ...(memo !== 'auto' ? { memo: memo === 'on' } : {}),
      ...(order !== undefined ? { order } : {}),
      workers: int('exhaustive.workers', x.workers, 1, 1, 64)!,
      ...(depth !== undefined ? { depth } : {}),
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(mb !== undefined ? { maxMemory: mb * 1024 * 1024 } : {}),
    },
  };
}

/** A policy option: a built-in's name, a file (loaded as `--policy` loads it), or a Policy object read once. */
async function policyOf(p: string | Policy, cwd: string): Promise<Policy> {
  if (typeof p === 'string') return loadPolicy(p, cwd);
  const read = readPolicy(p);
  if (typeof read === 'string') throw new UsageError(`check: a policy object: ${read}`);
  if (read !== POLICIES[read.name] && Object.hasOwn(POLICIES, read.name))
    throw new UsageError(`check: a policy object is named '${read.name}' like a built-in policy`);
  return read;
}

/** The time budget option, checked. */
function timeOf(t: unknown): number | undefined {
  if (t === undefined) return undefined;
  if (typeof t !== 'number' || !Number.isFinite(t) || t <= 0)
    bad(`timeMs must be a positive number of milliseconds, got ${shown(t)}`);
  return t;
}

/** A finding with its kernel events, replayed under its policy (as `apmc check` shows and saves it). */
function withEvents<F extends Finding>(f: F, scope: Scope, p: Policy | undefined): F {
  if (!p) return f;
  try {
    return { ...f, events: traceEventsJson(scope, p, f.ops) };
  } catch {
    return f; // the policy errs on the replay: a policy error elsewhere in the report
  }
}

/** What a worker thread of the exhaustive engine loads a policy option from: a name, or an absolute path. */
function specOf(p: string | Policy, loaded: Policy, cwd: string, workers: number): string {
  if (typeof p === 'string') return isPolicyFile(p) ? resolve(cwd, p) : p;
  if (POLICIES[loaded.name] === loaded || workers <= 1) return loaded.name;
  throw new UsageError('check: a policy object runs in one thread (exhaustive.workers: 1), or give its file');
}

/** A list option: absent (the default), or a non-empty array (an empty one would check nothing, and exit 0). */
function listOf<T>(name: string, v: readonly T[] | undefined): readonly T[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) bad(`${name} must be an array (leave it out for the default)`);
  if (v.length === 0) bad(`${name} is empty: nothing would be checked (leave it out for the default)`);
  return v;
}

/** Run a check in this process; the report `apmc check --json` prints for the same options. */
export async function check(options: CheckOptions = {}): Promise<CheckReport> {
  const cwd = options.cwd ?? process.cwd();
  const scope = scopeOf(options.scope);
  const props = propertyArgs(listOf('properties', options.properties) ?? PROPERTY_NAMES);
  const seed = int('seed', options.seed, 1, 0, 2 ** 31 - 1)!;
  const runs = int('runs', options.runs, 50000, 1, 1e12)!;
  const timeMs = timeOf(options.timeMs);
  const saveDir = options.save === undefined ? null : resolve(cwd, options.save);
  const reportDir = options.report === undefined ? null : resolve(cwd, options.report);
  if (saveDir !== null) checkOutputDir('save', saveDir);
  if (reportDir !== null) checkOutputDir('report', reportDir, [REPORT_FILE]);
  const { engine, settings } = engineOf(options);
  const given = listOf('policies', options.policies) ?? Object.keys(POLICIES);
  const policies: Policy[] = [];
  for (const p of given) policies.push(await policyOf(p, cwd));
  const specs = given.map((p, i) => specOf(p, policies[i]!, cwd, settings.workers));
  const base = options.base === undefined ? undefined : await policyOf(options.base, cwd);
  const all = base ? [...policies, base] : policies;
  const byName = (name: string): Policy | undefined => all.find((x) => x.name === name);
  const signal = abortFlag();
  const stop = (): void => {
    signal.aborted = true;
    signal.reason = 'abort';
  };
  if (options.signal?.aborted) stop();
  options.signal?.addEventListener('abort', stop, { once: true });
  const onFound = (policy: string, found: Finding): void => {
    const f = withEvents(found, scope, byName(policy));
    const p = policies.find((x) => x.name === policy);
    if (saveDir !== null && p) {
      const e = base ? expectationBeyond(p, base, f.property) : expectationFor(p, f.property);
      saveFound(saveDir, scope, policy, f, e);
    }
    options.onFound?.(policy, f);
  };
  let run;
  try {
    if (engine === 'exhaustive') {
      const baseSpec = typeof options.base === 'string' ? { baseSpec: specOf(options.base, base!, cwd, 1) } : {};
      const set = { ...settings, signal, ...(timeMs !== undefined ? { timeMs } : {}) };
      run = await runExhaustiveCheck(
        policies,
        specs,
        props,
        scope,
        { ...set, ...(base ? { base, ...baseSpec } : {}) },
        false,
        onFound,
      );
    } else {
      const hooks = { signal, onFound };
      const m = settings.mechanisms;
      run = await runCheck(policies, props, scope, seed, runs, timeMs, hooks, undefined, base, m);
    }
  } finally {
    options.signal?.removeEventListener('abort', stop);
  }
  run = { ...run, ...(base ? { base: base.name } : {}), mechanisms: settings.mechanisms ?? [] };
  const summarized = summarize(run, options.ci === true, all);
  // A fixed violation's counterexample is the base's: its events are the base's.
  const evented = (c: Cell): Cell =>
    c.found
      ? { ...c, found: withEvents(c.found, scope, byName(c.status === 'fixed' && c.base ? c.base : c.policy)) }
      : c;
  const summary = { ...summarized, cells: summarized.cells.map(evented) };
  if (reportDir !== null) writeReport(reportDir, reportHtml(summary, policies));
  return checkJson(summary) as unknown as CheckReport;
}
