/**
 * Run apmc commands in this process (bin/cli.ts runCli) or as a real process (bin/apmc.js), with a fresh
 * temporary working directory, chosen environment variables, and stdout/stderr captured; and compare a
 * directory tree before and after, to see that nothing was written.
 *
 * In-process runs are sequential (they change process.cwd, process.env and the write functions of
 * process.stdout and process.stderr while they run, and restore them after). A `process.exit` during an
 * in-process run throws instead of ending the test process; the run reports it as `exitCalled`.
 */
import { execFile, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { runCli } from '../bin/cli.ts';

export const ROOT = resolve(import.meta.dirname, '..');

/**
 * `--max-states` far above any search a test runs in this process with worker threads. A parallel search reserves
 * its shared buffers for the states it may store, without a bound half the machine's memory per store, held until
 * collected; a process holding a few such reservations cannot fork (spawn ENOMEM), and later test files in the
 * same process start processes. exhaustive/parallel.test.ts gives the library the same bound.
 */
export const RESERVE_BOUND = ['--max-states', '20000000'];

export interface Outcome {
  /** The exit code; null when the run did not end within its time limit. */
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly ms: number;
  /** The run called process.exit (in process: caught) with this code. */
  readonly exitCalled?: number;
  /** A real process ended by a signal. */
  readonly signal?: string | null;
  /** A real process killed because its resident memory passed the limit (MB). */
  readonly rssKilled?: number;
}

export type Env = Readonly<Record<string, string | undefined>>;

/** A fresh empty directory under the system's temporary directory. */
export const freshDir = (prefix = 'apmc-hostile-'): string => mkdtempSync(join(tmpdir(), prefix));

/** Write `files` (path relative to dir → content) into dir, creating directories as needed. */
export function writeFiles(dir: string, files: Readonly<Record<string, string | Buffer>>): void {
  for (const [name, content] of Object.entries(files)) {
    const p = join(dir, name);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, content);
  }
}

class ExitCalled extends Error {
  readonly code: number;
  constructor(code: number) {
    super(`process.exit(${code})`);
    this.code = code;
  }
}

/**
 * Run `argv` through runCli in this process, with `cwd` as the working directory and `env` over the current
 * environment (a value of undefined removes the variable). `limitMs`: a run that has not settled by then is
 * reported with code null (its promise is left behind; a synchronous loop cannot be stopped this way: run
 * such cases with `spawnApmc`).
 */
export async function runInProcess(
  argv: readonly string[],
  cwd: string,
  env: Env = {},
  limitMs = 10_000,
): Promise<Outcome> {
  const out: string[] = [];
  const err: string[] = [];
  const savedEnv = new Map<string, string | undefined>();
  for (const [k, v] of Object.entries(env)) {
    savedEnv.set(k, process.env[k]);
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  const oldCwd = process.cwd();
  const oldOut = process.stdout.write;
  const oldErr = process.stderr.write;
  const oldExit = process.exit;
  const oldExitCode = process.exitCode;
  const capture = (buf: string[], old: typeof process.stdout.write, stream: NodeJS.WriteStream) =>
    ((chunk: unknown, enc?: unknown, cb?: unknown): boolean => {
      // The test runner's own report (another test file's results, printed while this run awaits) is not apmc's:
      // a write whose caller (the stack's third line) is in the runner passes through.
      if (new Error().stack?.split('\n')[2]?.includes('/node_modules/uvu/'))
        return old.call(stream, chunk as string, enc as never, cb as never);
      buf.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8'));
      const done = typeof enc === 'function' ? enc : cb;
      if (typeof done === 'function') queueMicrotask(() => (done as () => void)());
      return true;
    }) as typeof process.stdout.write;
  let exitCalled: number | undefined;
  let timer: NodeJS.Timeout | undefined;
  const t0 = performance.now();
  let code: number | null;
  try {
    process.chdir(cwd);
    process.stdout.write = capture(out, oldOut, process.stdout);
    process.stderr.write = capture(err, oldErr, process.stderr);
    // Recorded when called, even if what it throws is caught inside apmc (a policy guard catches it).
    process.exit = ((c?: number) => {
      exitCalled ??= typeof c === 'number' ? c : 0;
      throw new ExitCalled(exitCalled);
    }) as typeof process.exit;
    const limit = new Promise<null>((res) => {
      timer = setTimeout(() => res(null), limitMs);
    });
    code = await Promise.race([
      runCli([...argv]).catch((e: unknown) => {
        if (e instanceof ExitCalled) return e.code;
        // runCli catches everything; an escape is itself a finding, reported as exit -1.
        err.push(`UNCAUGHT: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
        return -1;
      }),
      limit,
    ]);
    // What the run emitted on a later tick (a process warning is written after a nextTick) is its own output.
    await new Promise<void>((res) => setImmediate(res));
  } finally {
    clearTimeout(timer);
    process.stdout.write = oldOut;
    process.stderr.write = oldErr;
    process.exit = oldExit;
    process.exitCode = oldExitCode;
    process.chdir(oldCwd);
    for (const [k, v] of savedEnv) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
  const ms = performance.now() - t0;
  return { code, out: out.join(''), err: err.join(''), ms, ...(exitCalled !== undefined ? { exitCalled } : {}) };
}

/**
 * The in-process runs asked for and not yet settled, in every test file of this process: queuedInProcess
 * starts each after the one before (a file may start runs when it loads, while another file's test runs).
 */
let queue: Promise<unknown> = Promise.resolve();

/** runInProcess, started once every in-process run asked for before it has settled. */
export function queuedInProcess(
  argv: readonly string[],
  cwd: string,
  env: Env = {},
  limitMs = 10_000,
): Promise<Outcome> {
  const run = queue.then(() => runInProcess(argv, cwd, env, limitMs));
  queue = run.catch(() => undefined);
  return run;
}

/**
 * apmcProcess's counterpart in this process: runInProcess in the repository, colour off, `env` over that,
 * limited to `limitMs`. Calls made together (Promise.all) run one after another.
 */
export function apmcInProcess(args: readonly string[], env: Env = {}, limitMs = 60_000): Promise<Outcome> {
  return queuedInProcess(args, ROOT, { NO_COLOR: '1', ...env }, limitMs);
}

/** The supervisors still running: killed when this process exits (and they kill their apmc process). */
const running = new Set<number>();
process.on('exit', () => {
  for (const pid of running) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** `node bin/apmc.js args` in this directory, colour off: its exit code (-1 when killed), stdout and stderr. */
export function apmcProcess(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [join(ROOT, 'bin/apmc.js'), ...args],
      { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
      (e, out, err) => done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

/**
 * Run `node bin/apmc.js argv` as a real process in `cwd`, through test/hostile/supervise.mjs (its own
 * process, so that the limits hold while this one is busy). It is killed (SIGKILL) at `limitMs`, and then
 * reported with code null, or as soon as its resident memory passes `maxRssMb` (a run that reads an endless
 * file must not take the machine's memory with it). `signalAfter`: send this signal after that many ms. A
 * process ended by a signal has code 128 + its number, as a shell reports it.
 */
export function spawnApmc(
  argv: readonly string[],
  cwd: string,
  env: Env = {},
  limitMs = 10_000,
  signalAfter?: { signal: NodeJS.Signals; ms: number },
  maxRssMb = 1536,
): Promise<Outcome & { peakRssMb?: number }> {
  const fullEnv: Record<string, string> = {};
  for (const [k, v] of Object.entries({ ...process.env, NO_COLOR: '1', ...env })) if (v !== undefined) fullEnv[k] = v;
  const job = JSON.stringify({ argv, cwd, env: fullEnv, limitMs, signalAfter, maxRssMb });
  return new Promise((res, rej) => {
    const supervisor = join(ROOT, 'test/hostile/supervise.mjs');
    const sup = spawn(process.execPath, [supervisor, job], { stdio: ['pipe', 'pipe', 'inherit'] });
    running.add(sup.pid!);
    const chunks: Buffer[] = [];
    sup.stdout.on('data', (b: Buffer) => chunks.push(b));
    sup.on('close', () => {
      running.delete(sup.pid!);
      try {
        type Report = Outcome & { timedOut: boolean; rssKilled: number | null; peakRssMb: number };
        const r = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Report;
        res({
          code: r.timedOut || r.rssKilled !== null ? null : r.code,
          out: r.out,
          err: r.err,
          ms: r.ms,
          signal: r.signal ?? null,
          peakRssMb: r.peakRssMb,
          ...(r.rssKilled !== null ? { rssKilled: r.rssKilled } : {}),
        });
      } catch (e) {
        rej(e instanceof Error ? e : new Error(String(e)));
      }
    });
  });
}

/** Every entry under `dir` (relative path → type, size and content hash or link target); {} if dir is absent. */
export function snapshot(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string, rel: string): void => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      const r = rel ? `${rel}/${n}` : n;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[r] = `link ${readlinkSync(p)}`;
      else if (st.isDirectory()) {
        out[r] = 'dir';
        walk(p, r);
      } else if (st.isFile()) {
        out[r] = `file ${st.size} ${st.size < 1 << 16 ? readFileSync(p).toString('base64') : st.mtimeMs}`;
      } else out[r] = `other ${st.mode}`;
    }
  };
  walk(dir, '');
  return out;
}

/** What differs between two snapshots: entries added, removed or changed. */
export function changed(before: Record<string, string>, after: Record<string, string>): string[] {
  const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
  const mark = (k: string): string => (before[k] === undefined ? '+' : after[k] === undefined ? '-' : '~');
  return [...keys].filter((k) => before[k] !== after[k]).map((k) => `${mark(k)}${k}`);
}
