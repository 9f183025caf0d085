import { ABORT, COUNT, DEPTH, makeShared, SIGNALS, SLOT, SLOTS } from './sandbox-watch.ts';
import { stdio } from './io.ts';
import { SIGNAL_EXIT, stopOnSignals } from './signals.ts';
import { pathArgs, UsageError } from './usage.ts';
import { errorLine } from '../render/term.ts';
import { policyFailure, rebuildTrace, spawn, stateTarget } from './sandbox-failure.ts';

import type { Command, FromWorker, SandboxOptions } from './sandbox-types.ts';

export type { Command, FromWorker, SandboxOptions };

export const DEFAULT_HEAP_MB = 1024;
const DEFAULT_CALL_LIMIT_MS = 5000;
/** The thread's own start (tsx and apmc's modules, before any policy code): generous, it is not the policy's. */
const START_LIMIT_MS = 60_000;
const POLL_MS = 50;
/** The least time a policy file is given to load. */
const LOAD_FLOOR_MS = 3000;
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
  // Loading registers tsx and transpiles the policy and the modules it imports: seconds on a busy machine, whatever
  // the call limit.
  const loadLimit = Math.max(2 * limit, LOAD_FLOOR_MS);
  const heapMb = opt.maxMemory !== undefined ? Math.max(16, Math.floor(opt.maxMemory / 1048576)) : DEFAULT_HEAP_MB;
  const shared = makeShared();
  const ints = new Int32Array(shared.ints);
  const tty = !opt.json && process.stderr.isTTY === true;
  const worker = spawn({ command, args: [...args], shared, tty, heapMb });
  const t0 = Date.now();
  // One stderr line within 80 columns; the policy files and the paths given stay whole.
  const keep = [...opt.policies, ...pathArgs(args)];
  const say = (line: string): void => stdio.error(errorLine(line.replace(/^apmc: /, ''), keep));
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
        if (r.out) stdio.log(r.out);
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
          stdio.log(m.s);
          return;
        case 'err':
          stdio.error(m.s);
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
          stdio.error(m.line);
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
