/**
 * The policy sandbox. A command given a policy file (`--policy ./mine.ts`) runs its computation in a
 * worker thread (bin/sandbox-worker.ts runs the same command function there, its output sent here as
 * messages), and this thread is its watchdog. Built-in policies run in-process, without it.
 *
 * The watchdog stops the worker, and reports a policy error (exit 7) with the trace being checked,
 * when the policy
 * - is inside one callback for longer than the call limit (5 s; APMC_CALL_LIMIT_MS), or still inside
 *   one when `--time` plus a grace (2 s and a tenth) has passed, or 1.5 s after a SIGINT/SIGTERM asked
 *   the run to stop (a search that is slow to stop outside the policy gets 5 s, then is stopped too,
 *   and an overrun of --time outside the policy is exit 6);
 * - ends the worker (process.exit is intercepted in the worker and reported as a throw; any other end
 *   without a result is reported here), or throws from its own timers;
 * - runs out of the heap the worker is given (`--max-memory`, else 1024 MB): ERR_WORKER_OUT_OF_MEMORY;
 * - does not finish loading (a top-level await that never settles, a loop at the top level) within
 *   30 s (or three times the call limit), or ends the worker while loading.
 * The shared words it reads are described in bin/sandbox-watch.ts.
 */
import { Worker } from 'node:worker_threads';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import type { Finding } from '../check/finding.ts';
import { alphabet } from '../exhaustive/alphabet.ts';
import { formatOp } from '../trace/format.ts';
import { traceToJson } from '../trace/json.ts';
import { foundTrace } from '../properties/counterexample.ts';
import {
  ABORT,
  CALLBACK,
  COUNT,
  DEPTH,
  makeShared,
  SIGNALS,
  SLOT,
  SLOTS,
  TEXT_LEN,
  WATCHED,
  WHERE,
  WHERE_A,
  WHERE_B,
  WHERE_C,
  W_CASE,
  W_STATE,
  W_STEP,
  type WatchShared,
} from './sandbox-watch.ts';
import { SIGNAL_EXIT, stopOnSignals } from './signals.ts';
import { pathArgs, UsageError } from './usage.ts';
import { errorLine } from '../render/term.ts';

export type Command = 'run' | 'check' | 'explain' | 'diff';

export interface SandboxOptions {
  /** The run's --time: the worker is stopped when it is inside a callback at this plus a grace. */
  readonly timeMs?: number | undefined;
  /** The run's --max-memory in bytes: the worker's heap limit. */
  readonly maxMemory?: number | undefined;
  /** Stop on SIGINT/SIGTERM as `apmc check` does (ask, then stop the worker); else the signal's default. */
  readonly signals?: boolean;
  /** The policies by number (a trace step's WHERE_B), for the report. */
  readonly policies: readonly string[];
  /** The JSON output was asked for: a stopped check's report is JSON. */
  readonly json?: boolean;
  readonly scope?: Scope;
  /** Where step i of the trace is (`file:line`), and its op, for a policy error in run, explain, diff. */
  readonly locate?: (i: number) => { where: string; op: string | null };
  /** What the worker's messages ask of this thread: save a counterexample, write the report. */
  readonly onFound?: (policy: string, f: Finding) => void;
  readonly onReport?: (html: string) => void;
}

/** Messages from the worker. */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'loaded' }
  | { t: 'out'; s: string }
  | { t: 'err'; s: string }
  | { t: 'found'; policy: string; f: Finding }
  | { t: 'report'; html: string }
  | { t: 'done'; code: number }
  | { t: 'fail'; code: number; line: string }
  | { t: 'trace'; ops: Op[] }
  | { t: 'exited'; what: string }
  | { t: 'outside'; what: string };

export const DEFAULT_HEAP_MB = 1024;
const DEFAULT_CALL_LIMIT_MS = 5000;
/** The thread's own start (tsx and apmc's modules, before any policy code): generous, it is not the policy's. */
const START_LIMIT_MS = 60_000;
const POLL_MS = 50;
const SIGNAL_GRACE_MS = 1500;
const ENGINE_STOP_MS = 5000;

/** The call limit: APMC_CALL_LIMIT_MS (whole ms, 100 to 3600000), else 5 s. */
export function callLimitMs(): number {
  const v = process.env['APMC_CALL_LIMIT_MS'];
  if (v === undefined || v === '') return DEFAULT_CALL_LIMIT_MS;
  if (!/^\d{1,7}$/.test(v) || Number(v) < 100 || Number(v) > 3_600_000) {
    const got = v.slice(0, 40);
    throw new UsageError(`APMC_CALL_LIMIT_MS: expected whole milliseconds from 100 to 3600000, got '${got}'`);
  }
  return Number(v);
}

const seconds = (ms: number): string => `${+(ms / 1000).toFixed(1)} s`;

/** Run `command args` in a sandbox worker; its exit code. */
export async function sandboxCommand(command: Command, args: readonly string[], opt: SandboxOptions): Promise<number> {
  const limit = callLimitMs();
  // Loading registers tsx and transpiles the policy and the modules it imports: seconds on a busy machine.
  const loadLimit = 2 * limit;
  const heapMb = opt.maxMemory !== undefined ? Math.max(16, Math.floor(opt.maxMemory / 1048576)) : DEFAULT_HEAP_MB;
  const shared = makeShared();
  const ints = new Int32Array(shared.ints);
  const tty = !opt.json && process.stderr.isTTY === true;
  const worker = spawn({ command, args: [...args], shared, tty, heapMb });
  const t0 = Date.now();
  // One stderr line within 80 columns; the policy files and the paths given stay whole.
  const keep = [...opt.policies, ...pathArgs(args)];
  const say = (line: string): void => console.error(errorLine(line.replace(/^apmc: /, ''), keep));
  return new Promise<number>((resolveCode) => {
    let loaded = false;
    let readyAt: number | null = null;
    let settled = false;
    let failing = false;
    let signalAt: number | null = null;
    let lastCount = -1;
    let stuckSince = t0;
    const finish = (code: number): void => {
      if (settled) return;
      settled = true;
      clearInterval(timer);
      restore?.();
      void worker.terminate();
      resolveCode(code);
    };
    /** Stop the worker and report what the policy did (exit 7, or a signal's code). */
    const fail = (what: string, code = 7): void => {
      if (settled || failing) return;
      failing = true;
      clearInterval(timer);
      void worker.terminate();
      void (async () => {
        // An exhaustive search's state is rebuilt by running the search again up to it, in a new sandbox.
        const target = stateTarget(ints, shared);
        const budget = Math.min(30_000, 2000 + 1.5 * (Date.now() - t0));
        const ops = target === null ? null : await rebuildTrace(command, args, heapMb, target, budget);
        const r = policyFailure(ints, shared, opt, what, ops);
        if (r.out) console.log(r.out);
        say(r.line);
        finish(code);
      })();
    };
    const inCallback = (): boolean => {
      for (let s = 0; s < SLOTS; s++) if (Atomics.load(ints, s * SLOT + DEPTH) > 0) return true;
      return false;
    };
    const count = (): number => {
      let n = 0;
      for (let s = 0; s < SLOTS; s++) n += Atomics.load(ints, s * SLOT + COUNT);
      return n;
    };
    const timer = setInterval(() => {
      const now = Date.now();
      if (!loaded) {
        if (signalAt !== null && now - signalAt > SIGNAL_GRACE_MS) {
          const sig = SIGNALS[Atomics.load(ints, ABORT) - 1] ?? 'SIGTERM';
          say(`${sig}: stopped while loading the policies`);
          return finish(SIGNAL_EXIT[sig] ?? 1);
        }
        // The limit counts from when apmc's own modules are loaded in the thread (slow on a busy machine).
        const why = 'a top-level await that never settles, or a loop';
        if (readyAt !== null && now - readyAt > loadLimit) {
          fail(`did not finish loading within ${seconds(loadLimit)} (${why})`);
        } else if (readyAt === null && now - t0 > START_LIMIT_MS)
          fail(`did not start within ${seconds(START_LIMIT_MS)}`);
        return;
      }
      const n = count();
      if (!inCallback() || n !== lastCount) {
        lastCount = n;
        stuckSince = now;
      } else if (now - stuckSince > limit) return fail(`did not return within ${seconds(limit)}`);
      if (opt.timeMs !== undefined && now - t0 > opt.timeMs + 2000 + opt.timeMs / 10) {
        if (inCallback()) return fail(`still running at --time ${seconds(opt.timeMs)}`);
        const over = seconds(now - t0 - opt.timeMs);
        say(`--time: the run did not stop within ${over} of its budget; stopped it (exit 6)`);
        return finish(6);
      }
      if (signalAt !== null && now - signalAt > SIGNAL_GRACE_MS) {
        const sig = SIGNALS[Atomics.load(ints, ABORT) - 1] ?? 'SIGTERM';
        const code = SIGNAL_EXIT[sig] ?? 1;
        if (inCallback()) return fail(`did not return within ${seconds(SIGNAL_GRACE_MS)} of ${sig}`, code);
        // Not the policy: the search is slow to stop. It gets a little longer, then it is stopped too.
        if (now - signalAt > ENGINE_STOP_MS) {
          say(`${sig}: the run did not stop within ${seconds(now - signalAt)}; stopped it`);
          return finish(code);
        }
      }
    }, POLL_MS);
    // The first signal asks the worker to stop (the engines poll the shared flag); a second exits at once.
    const flag = {
      aborted: false,
      get reason(): string | null {
        return null;
      },
      set reason(sig: string | null) {
        Atomics.store(ints, ABORT, 1 + Math.max(0, SIGNALS.indexOf(sig as (typeof SIGNALS)[number])));
        signalAt = Date.now();
      },
    };
    const restore = opt.signals ? stopOnSignals(flag) : null;
    worker.on('message', (m: FromWorker) => {
      switch (m.t) {
        case 'ready':
          readyAt = Date.now();
          return;
        case 'loaded':
          loaded = true;
          stuckSince = Date.now();
          return;
        case 'out':
          console.log(m.s);
          return;
        case 'err':
          console.error(m.s);
          return;
        case 'found':
          opt.onFound?.(m.policy, m.f);
          return;
        case 'report':
          opt.onReport?.(m.html);
          return;
        case 'done':
          return finish(m.code);
        case 'fail':
          console.error(m.line);
          return finish(m.code);
        case 'trace':
          return;
        // Not in a callback: the thread runs on after it posts these, so its slot says nothing about them.
        case 'outside':
        case 'exited': {
          const named = opt.policies.join("', '");
          const what = m.t === 'outside' ? `threw outside a callback: ${m.what}` : `${m.what} and caught the throw`;
          say(`policy error in '${named}': the policy ${what}`);
          return finish(7);
        }
      }
    });
    worker.on('error', (e: Error & { code?: string }) => {
      const oom = `ran out of memory (${opt.maxMemory !== undefined ? '--max-memory' : 'heap limit'} ${heapMb} MB)`;
      if (e.code === 'ERR_WORKER_OUT_OF_MEMORY') fail(oom);
      else fail(`threw outside a callback: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
    });
    worker.on('exit', (code) => {
      if (settled || failing) return;
      if (!loaded) fail(`never finished loading (a top-level await?)`);
      else fail(`ended the sandbox without a result (exit code ${code})`);
    });
  });
}

/** A sandbox thread running `data` (see bin/sandbox-worker.ts). */
function spawn(data: Record<string, unknown> & { heapMb: number }): Worker {
  const worker = new Worker(new URL('./sandbox-worker.js', import.meta.url), {
    workerData: data,
    execArgv: [],
    stdout: true,
    resourceLimits: { maxOldGenerationSizeMb: data.heapMb },
  });
  // What the policy prints is not the command's output: it goes to stderr.
  worker.stdout.pipe(process.stderr);
  return worker;
}

/** The state of a one-thread exhaustive search that the policy stopped on (slot 0), with its policy. */
function stateTarget(ints: Int32Array, shared: WatchShared): { policy: string; state: number } | null {
  if (Atomics.load(ints, WHERE) !== W_STATE || Atomics.load(ints, DEPTH) === 0) return null;
  const rec = recorded(ints, shared);
  return rec === null ? null : { policy: rec.policy, state: Atomics.load(ints, WHERE_A) };
}

/**
 * The trace to state `target.state`: the same search run again in a new sandbox (one thread: the
 * state numbers are the same) up to that state; null if it does not get there within `budgetMs`.
 */
function rebuildTrace(
  command: Command,
  args: readonly string[],
  heapMb: number,
  target: { policy: string; state: number },
  budgetMs: number,
): Promise<Op[] | null> {
  const shared = makeShared();
  const worker = spawn({ command, args: [...args], shared, tty: false, heapMb, rebuild: target });
  return new Promise((resolveOps) => {
    const end = (ops: Op[] | null): void => {
      clearTimeout(timer);
      void worker.terminate();
      resolveOps(ops);
    };
    const timer = setTimeout(() => end(null), budgetMs);
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'trace') end(m.ops);
      else if (m.t === 'done' || m.t === 'fail') end(null);
    });
    worker.on('error', () => end(null));
    worker.on('exit', () => end(null));
  });
}

function recorded(ints: Int32Array, shared: WatchShared): Recorded | null {
  const n = Atomics.load(ints, TEXT_LEN);
  try {
    return JSON.parse(new TextDecoder().decode(new Uint8Array(shared.text).slice(0, n))) as Recorded;
  } catch {
    return null;
  }
}

interface Recorded {
  readonly policy: string;
  readonly ops: Op[];
}

/** The one stderr line (and, for a check, the stdout block) for a worker stopped because of its policy. */
function policyFailure(
  ints: Int32Array,
  shared: WatchShared,
  opt: SandboxOptions,
  what: string,
  rebuilt: Op[] | null,
): { line: string; out: string | null } {
  let slot = 0;
  for (let s = 0; s < SLOTS; s++) if (Atomics.load(ints, s * SLOT + DEPTH) > 0) slot = s;
  const b = slot * SLOT;
  const inCb = Atomics.load(ints, b + DEPTH) > 0;
  const cb = inCb ? `'${WATCHED[Atomics.load(ints, b + CALLBACK)] ?? '?'}'` : 'the policy';
  const where = Atomics.load(ints, b + WHERE);
  const message = `${cb} ${what}`;
  if (where === W_STEP && opt.locate) {
    const i = Atomics.load(ints, b + WHERE_A);
    const policy = opt.policies[Atomics.load(ints, b + WHERE_B)] ?? opt.policies[0] ?? '?';
    const at = opt.locate(i);
    const op = at.op ? ` (at '${at.op}')` : '';
    return { line: `apmc: ${at.where}: policy error in '${policy}': ${message}${op}`, out: null };
  }
  const rec = recorded(ints, shared);
  if (where === W_CASE) {
    if (rec !== null) {
      const done = Atomics.load(ints, b + WHERE_A);
      const at = done < rec.ops.length ? done : null;
      const ops = at === null ? rec.ops : rec.ops.slice(0, at + 1);
      const out = caseBlock(opt, rec.policy, message, ops, at);
      return { line: `apmc: policy error in '${rec.policy}': ${message}`, out };
    }
  }
  if (where === W_STATE && inCb) {
    const depth = Atomics.load(ints, b + WHERE_C);
    const policy = rec?.policy ?? opt.policies[0] ?? '?';
    const op = opt.scope ? alphabet(opt.scope)[Atomics.load(ints, b + WHERE_B)] : undefined;
    const line = `apmc: policy error in '${policy}': ${message}`;
    if (rebuilt !== null && op !== undefined) return { line, out: stateBlock(opt, policy, message, [...rebuilt, op]) };
    // A parallel search numbers its states anew each run, so its state cannot be rebuilt: one thread can.
    const why = slot > 0 ? 'with --workers (use 1)' : '(the search did not get there)';
    const at = `   on '${op ? formatOp(op) : '?'}' at depth ${depth}; no trace ${why}`;
    return { line, out: opt.json ? null : `== ${policy}: POLICY ERROR: ${message}\n${at}` };
  }
  const policy = opt.policies.length === 1 ? opt.policies[0]! : opt.policies.join("', '");
  return { line: `apmc: policy error in '${policy}': ${message}`, out: null };
}

/** A check's report of a stopped exhaustive search: a shortest trace to the state, then the op. */
function stateBlock(opt: SandboxOptions, policy: string, message: string, ops: readonly Op[]): string {
  const at = ops.length - 1;
  if (opt.json) {
    const trace = opt.scope ? traceToJson(foundTrace(opt.scope, policy, ops)) : { ops: ops.map(formatOp) };
    const callback = /^'(\w+)'/.exec(message)?.[1] ?? '(unknown)';
    const pe = { policy, kind: 'stopped', callback, message, at, trace };
    return JSON.stringify({ format: 'apmc-check/1', exit: 7, policy_errors: [pe] }, null, 2);
  }
  const lines = [`== ${policy}: POLICY ERROR: ${message}`];
  lines.push(`   a shortest trace to the state being expanded, then the op (${ops.length} ops):`);
  ops.forEach((op, i) => lines.push(`   ${formatOp(op)}${i === at ? '  # <-- policy error' : ''}`));
  return lines.join('\n');
}

/** A check's report of a stopped case: the case's ops up to the one that did not return. */
function caseBlock(opt: SandboxOptions, policy: string, message: string, ops: readonly Op[], at: number | null) {
  if (opt.json) {
    const trace = opt.scope ? traceToJson(foundTrace(opt.scope, policy, ops)) : { ops: ops.map(formatOp) };
    const callback = /^'(\w+)'/.exec(message)?.[1] ?? '(unknown)';
    const pe = { policy, kind: 'stopped', callback, message, ...(at !== null ? { at } : {}), trace };
    return JSON.stringify({ format: 'apmc-check/1', exit: 7, policy_errors: [pe] }, null, 2);
  }
  const lines = [`== ${policy}: POLICY ERROR: ${message}`];
  lines.push(
    at === null
      ? `   the case being checked (${ops.length} ops, not shrunk); it stopped after its last op (settling, replaying):`
      : `   the case being checked, up to the op that did not finish (${ops.length} ops, not shrunk):`,
  );
  ops.forEach((op, i) => lines.push(`   ${formatOp(op)}${i === at ? '  # <-- policy error' : ''}`));
  return lines.join('\n');
}
