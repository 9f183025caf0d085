/**
 * npm run bench:spin: apmc's `static` policy at one scope, explored exhaustively by Spin and by apmc's
 * exhaustive engine (and with `--ref` by the reference BFS over the reducer); the state counts must agree.
 * Prints the rates side by side.
 *
 *   node --import tsx bench/spin/compare.ts [--adapters 1 --domains 1 --control-domains 1 --mdevs 1 --vms 1]
 *        [--workers N] [--ref] [--variants] [--keep DIR] [--no-larger] [--json]
 *
 * At the default scope (1×1×1, 1 mdev, 1 VM) it then compares Spin on one core and apmc in one thread at
 * LARGER_SCOPE too (a second VM), unless `--no-larger`; the exit code covers the state counts of both.
 *
 * apmc runs twice: in one thread, and over `--workers` threads (default: 2, or the CPUs if fewer; 1 skips
 * it), and so does Spin: its default setting, and its multi-core search (-DNCORE) on as many cores as
 * apmc's workers. `--ref` also runs the reference BFS (about 4 minutes at the default scope). `--variants`
 * also times the other Spin settings (byte-sized variables, -DBFS, -DCOLLAPSE, -O3). `--keep DIR` leaves
 * the .pml and pan there.
 *
 * The engine under test plugs in through `spinRun(scope)` (and `referenceBfs` from reference-bfs.ts).
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { staticPolicy } from '../../model/policies/static.ts';
import type { Scope } from '../../model/scope.ts';
import { exploreExhaustive, type ExhaustiveResult } from '../../exhaustive/engine.ts';
import { exploreParallel } from '../../exhaustive/parallel.ts';
import { spawnPart } from '../../bin/check-exhaustive.ts';
import { workerEntry } from '../../bin/worker-entry.ts';
import { genPml } from './gen-pml.ts';
import { parseScopeArgs, referenceBfs, scopeName } from './reference-bfs.ts';

/** The smallest scope: already 1,377,264 states for `static`. */
export const SPIN_SCOPE: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
/**
 * The larger scope of `--larger`: a second VM, 2,593,120 states, 3-word keys. A second adapter, domain,
 * control domain or mdev each gives more than 8 million states (more than Spin's few minutes here).
 */
export const LARGER_SCOPE: Scope = { ...SPIN_SCOPE, vms: 2 };

export interface SpinOptions {
  /** 'dfs' (default, pan's default search) or 'bfs' (-DBFS; needs scratch: 'reset'). */
  readonly search?: 'dfs' | 'bfs';
  /** -DCOLLAPSE state compression (still exact, full storage). Default off: slower here. */
  readonly collapse?: boolean;
  /** Scalars as Promela bit-fields (`unsigned x : w`). Default on: the smallest state vector. */
  readonly bitfields?: boolean;
  /** Scratch variables `hidden` (default for DFS) or zeroed after every d_step ('reset'; needed for BFS). */
  readonly scratch?: 'hidden' | 'reset';
  /** gcc optimisation flags. Default ['-O2']. */
  readonly optimize?: readonly string[];
  /** Memory limit for pan in MB (-DMEMLIM). Default 16000. */
  readonly memlimMB?: number;
  /** Keep the work files in this directory (created) instead of a temporary one removed afterwards. */
  readonly keepDir?: string;
  /** Spin's multi-core search on this many cores (-DNCORE; needs scratch: 'reset'). Default: one core. */
  readonly ncore?: number;
}

export interface SpinResult {
  /** pan's "states, stored". */
  readonly states: number;
  /** pan's "transitions (= stored+matched)": every op tried in every state, plus one. */
  readonly transitions: number;
  /** pan's own "elapsed time" of the search (wall clock). */
  readonly seconds: number;
  /** pan's own "rate" (states/second, wall clock); states/seconds if pan printed none. */
  readonly rate: number;
  /** CPU time (user + system) of the pan process: robust on a loaded machine. */
  readonly cpuSeconds: number;
  /** Wall time of the pan process, start-up and report included. */
  readonly wallSeconds: number;
  /** spin -a plus gcc, wall clock. */
  readonly compileSeconds: number;
  readonly spinSeconds: number;
  readonly gccSeconds: number;
  readonly depth: number;
  readonly vectorBytes: number;
  readonly memoryMB: number;
  readonly commands: { readonly spin: string; readonly gcc: string; readonly pan: string };
}

interface Ran {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  readonly wall: number;
}

function run(cmd: string, args: readonly string[], cwd: string): Promise<Ran> {
  return new Promise((res, rej) => {
    const t0 = process.hrtime.bigint();
    const p = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (b: Buffer) => (out += b.toString()));
    p.stderr.on('data', (b: Buffer) => (err += b.toString()));
    p.on('error', rej);
    p.on('close', (code) => res({ code, out, err, wall: Number(process.hrtime.bigint() - t0) / 1e9 }));
  });
}

async function must(cmd: string, args: readonly string[], cwd: string): Promise<Ran> {
  const r = await run(cmd, args, cwd);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.code}):\n${r.err}${r.out}`);
  return r;
}

const num = (text: string, re: RegExp): number | null => {
  const m = re.exec(text);
  return m ? Number(m[1]) : null;
};

/** The gcc flags of a setting (documented in README.md). */
export function gccFlags(opts: SpinOptions = {}): string[] {
  return [
    ...(opts.optimize ?? ['-O2']),
    '-DNOREDUCE', // no partial-order reduction (one process anyway)
    '-DSAFETY', // safety properties only: no cycle detection, no nested DFS
    '-DNOBOUNDCHECK', // no run-time array index checks (indices are generated constants or slot numbers)
    `-DMEMLIM=${opts.memlimMB ?? 16000}`,
    ...(opts.search === 'bfs' ? ['-DBFS'] : []),
    ...(opts.collapse ? ['-DCOLLAPSE'] : []),
    ...(opts.ncore !== undefined && opts.ncore > 1 ? [`-DNCORE=${opts.ncore}`] : []),
    '-w', // gcc: no warnings (pan.c has many)
  ];
}

/**
 * Generate static.pml for `scope`, compile it (spin -o2 -a, gcc) and run the exhaustive search. Full
 * state storage: no bitstate, no hash compaction. `spin -o2` keeps write-only variables in the state
 * vector (by default Spin hides them, and the count would drop to 249,184: q->reset_status and
 * scan.old are never read by `static`, yet they are part of apmc's State).
 */
export async function spinRun(scope: Scope = SPIN_SCOPE, opts: SpinOptions = {}): Promise<SpinResult> {
  const search = opts.search ?? 'dfs';
  const scratch = opts.scratch ?? (search === 'bfs' ? 'reset' : 'hidden');
  if (search === 'bfs' && scratch === 'hidden') throw new Error('pan refuses -DBFS with hidden variables');
  if ((opts.ncore ?? 1) > 1 && scratch === 'hidden') throw new Error('pan refuses -DNCORE with hidden variables');
  const dir = opts.keepDir ? resolve(opts.keepDir) : mkdtempSync(join(tmpdir(), 'apmc-spin-'));
  mkdirSync(dir, { recursive: true });
  try {
    writeFileSync(join(dir, 'static.pml'), genPml(scope, { bitfields: opts.bitfields ?? true, scratch }));
    const spinArgs = ['-o2', '-a', 'static.pml'];
    const sp = await must('spin', spinArgs, dir);
    const cc = gccFlags(opts);
    const gccArgs = [...cc, '-o', 'pan', 'pan.c'];
    const gc = await must('gcc', gccArgs, dir);
    // DFS needs -m above the deepest path (661,171 at the default scope); double it until pan is happy.
    let depthLimit = search === 'bfs' ? 10_000 : 4_000_000;
    for (;;) {
      const panArgs = [`-m${depthLimit}`];
      const timeArgs = ['-f', 'TIME %U %S %e', './pan', ...panArgs];
      const r = await run('/usr/bin/time', timeArgs, dir);
      const o = r.out;
      if (/max search depth too small/.test(o)) {
        depthLimit *= 2;
        continue;
      }
      if (r.code !== 0 || !/states, stored/.test(o)) throw new Error(`pan failed (${r.code}):\n${r.err}${o}`);
      const errors = num(o, /errors: (\d+)/);
      if (errors !== 0) throw new Error(`pan reported errors:\n${o}`);
      const t = /TIME ([\d.]+) ([\d.]+) ([\d.]+)/.exec(r.err);
      const states = num(o, /(\d+) states, stored/)!;
      // With -DNCORE, cpu0 reports the search's elapsed time and rate.
      const seconds = num(o, /(?:pan|cpu0): elapsed time ([\d.e+]+) seconds/) ?? 0;
      return {
        states,
        transitions: num(o, /([\d.e+]+) transitions \(= stored\+matched\)/)!,
        seconds,
        rate: num(o, /(?:pan|cpu0): rate\s+([\d.e+]+) states\/second/) ?? (seconds > 0 ? states / seconds : 0),
        cpuSeconds: t ? Number(t[1]) + Number(t[2]) : NaN,
        wallSeconds: t ? Number(t[3]) : r.wall,
        compileSeconds: sp.wall + gc.wall,
        spinSeconds: sp.wall,
        gccSeconds: gc.wall,
        depth: num(o, /depth reached (\d+)/)!,
        vectorBytes: num(o, /State-vector (\d+) byte/)!,
        memoryMB: num(o, /([\d.]+)\s+total actual memory usage/)!,
        commands: {
          spin: `spin ${spinArgs.join(' ')}`,
          gcc: `gcc ${gccArgs.join(' ')}`,
          pan: `./pan ${panArgs.join(' ')}`,
        },
      };
    }
  } finally {
    if (!opts.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** `N states, N transitions, depth d, complete, N MB` of an apmc search. */
const countsLine = (r: ExhaustiveResult): string =>
  `${fmt(r.states)} states, ${fmt(r.transitions)} transitions, depth ${r.depth}, ` +
  `${r.complete ? 'complete' : `bound ${r.bound}`}, ${(r.bytes / 1048576).toFixed(1)} MB`;

/** What one scope's comparison measured (`compareAt`). */
interface Compared {
  readonly scope: Scope;
  readonly spin: readonly { readonly name: string; readonly r: SpinResult }[];
  readonly apmc: ExhaustiveResult;
  readonly apmcCpu: number;
  readonly apmcRate: number;
  readonly par: {
    readonly r: ExhaustiveResult;
    readonly wall: number;
    readonly cpu: number;
    readonly rate: number;
  } | null;
  readonly agree: boolean;
}

/**
 * Spin (its default setting, then the `variants`, then -DNCORE=workers when workers > 1) and apmc (one
 * thread, then `workers` worker threads when more than 1) on `static` at `scope`, printed through `log`.
 */
async function compareAt(
  scope: Scope,
  o: { readonly variants: boolean; readonly workers: number; readonly keepDir?: string | undefined },
  log: (s: string) => void,
): Promise<Compared> {
  const { workers, keepDir } = o;
  log(`\n=== scope ${scopeName(scope)} ===`);
  const variants: [string, SpinOptions][] = [['dfs, bit-fields, hidden scratch (default)', {}]];
  if (o.variants) {
    variants.push(
      ['dfs, byte variables, scratch reset', { bitfields: false, scratch: 'reset' }],
      ['bfs (-DBFS), bit-fields, scratch reset', { search: 'bfs' }],
      ['dfs, -DCOLLAPSE', { collapse: true }],
      ['dfs, -O3 -march=native', { optimize: ['-O3', '-march=native'] }],
    );
  }
  // Spin's own multi-core search, on as many cores as apmc's workers: the like-for-like comparison.
  if (workers > 1) {
    variants.push([`dfs, multi-core -DNCORE=${workers}, scratch reset`, { ncore: workers, scratch: 'reset' }]);
  }
  const results: { name: string; r: SpinResult }[] = [];
  for (const [name, v] of variants) {
    const r = await spinRun(scope, { ...v, ...(keepDir && results.length === 0 ? { keepDir } : {}) });
    results.push({ name, r });
    log(`\nSpin, ${name}`);
    log(`  ${r.commands.spin} && ${r.commands.gcc} && ${r.commands.pan}`);
    const [compile, spinA, gcc] = [r.compileSeconds, r.spinSeconds, r.gccSeconds].map((x) => x.toFixed(2));
    log(`  compile ${compile} s (spin -a ${spinA} s, gcc ${gcc} s)`);
    log(
      `  ${fmt(r.states)} states, ${fmt(r.transitions)} transitions, depth ${r.depth}, ` +
        `vector ${r.vectorBytes} B, ${r.memoryMB} MB`,
    );
    log(
      `  search ${r.seconds} s (pan), rate ${fmt(r.rate)} states/s (pan, wall); ` +
        `cpu ${r.cpuSeconds.toFixed(2)} s = ${fmt(r.states / r.cpuSeconds)} states/cpu-s`,
    );
  }

  // apmc's exhaustive engine on the same state space (no symmetry: the same states, one by one), with
  // the transition cache: on this pure exploration nearly every lookup hits (exhaustive/successors-cached.ts).
  log('\napmc exhaustive engine (exhaustive/engine.ts, symmetry off, transition cache) ...');
  const e0 = process.cpuUsage();
  const ex = exploreExhaustive({ scope, policy: staticPolicy }, [], { memo: true });
  const ec = process.cpuUsage(e0);
  const exCpu = (ec.user + ec.system) / 1e6;
  const exRate = (ex.states / ex.ms) * 1000;
  log(`  ${countsLine(ex)}, ${(ex.bytes / ex.states).toFixed(1)} bytes per state`);
  log(
    `  ${(ex.ms / 1000).toFixed(1)} s = ${fmt(exRate)} states/s (wall); ` +
      `cpu ${exCpu.toFixed(1)} s = ${fmt(ex.states / exCpu)} states/cpu-s`,
  );
  // The same search over worker threads sharing one state store (exhaustive/parallel.ts).
  let par: Compared['par'] = null;
  if (workers > 1) {
    log(`\napmc exhaustive engine, ${workers} worker threads (exhaustive/parallel.ts, symmetry off, cache) ...`);
    const c0 = process.cpuUsage();
    const w0 = Date.now();
    const entry = await workerEntry();
    const part = (d: Parameters<typeof spawnPart>[1]) => spawnPart(entry, d, 'static', scope, false);
    const r = await exploreParallel({ scope, policy: staticPolicy }, [], { memo: true }, workers, part);
    // From before the worker script is bundled to the result: everything a user waits for.
    const wall = (Date.now() - w0) / 1000;
    // The workers' CPU time is the process's (worker threads share it), less this thread's idle wait.
    const c = process.cpuUsage(c0);
    const cpu = (c.user + c.system) / 1e6;
    par = { r, wall, cpu, rate: r.states / wall };
    log(`  ${countsLine(r)}`);
    log(
      `  ${wall.toFixed(1)} s = ${fmt(par.rate)} states/s ` +
        `(wall, bundling the worker script and starting the threads included); ` +
        `cpu ${cpu.toFixed(1)} s = ${fmt(r.states / cpu)} states/cpu-s`,
    );
  }
  const spin0 = results[0]!.r;
  const perCpu = (states: number, cpu: number): string => (states / cpu / (spin0.states / spin0.cpuSeconds)).toFixed(2);
  log(`\nside by side (same model, same scope, same ${fmt(spin0.states)}-state space; Spin: ${results[0]!.name}):`);
  const vsSpin = (who: string, rate: number, states: number, cpu: number): string =>
    `  apmc, ${who}: ${fmt(rate)} states/s  vs  Spin ${fmt(spin0.rate)} states/s  ` +
    `(apmc/Spin = ${(rate / spin0.rate).toFixed(2)}; per CPU-second ${perCpu(states, cpu)})`;
  log(vsSpin('one thread', exRate, ex.states, exCpu));
  if (par) log(vsSpin(`${workers} workers`, par.rate, par.r.states, par.cpu));
  const ncore = results.find(({ r }) => r.commands.gcc.includes('-DNCORE'));
  if (par && ncore) {
    log(
      `  apmc, ${workers} workers  vs  Spin -DNCORE=${workers} ${fmt(ncore.r.rate)} states/s  ` +
        `(apmc/Spin = ${(par.rate / ncore.r.rate).toFixed(2)})`,
    );
  }
  const spinCompiled = spin0.states / (spin0.seconds + spin0.compileSeconds);
  log(
    `  Spin with compilation: ${fmt(spinCompiled)} states/s ` +
      `(apmc one thread/Spin = ${(exRate / spinCompiled).toFixed(2)})`,
  );
  const agree = results.every(({ r }) => r.states === ex.states) && (par === null || par.r.states === ex.states);
  return { scope, spin: results, apmc: ex, apmcCpu: exCpu, apmcRate: exRate, par, agree };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const scope = parseScopeArgs(argv, SPIN_SCOPE);
  const json = argv.includes('--json');
  const ki = argv.indexOf('--keep');
  const wi = argv.indexOf('--workers');
  const workers = wi >= 0 ? Number(argv[wi + 1]) : Math.min(2, availableParallelism());
  if (!Number.isInteger(workers) || workers < 1) {
    throw new Error(`--workers: expected a positive integer, got '${argv[wi + 1]}'`);
  }
  const keepDir = ki >= 0 ? argv[ki + 1] : undefined;
  const log = (s: string) => (json ? undefined : console.log(s));
  const spinVersion = (await run('spin', ['-V'], '.')).out.trim();
  log(`apmc static policy; spin ${spinVersion}; node ${process.version}`);
  const all = [await compareAt(scope, { variants: argv.includes('--variants'), workers, keepDir }, log)];
  // At the default scope, then the larger one: Spin's default setting on one core against apmc in one thread.
  const same = (a: Scope, b: Scope) => scopeName(a) === scopeName(b);
  if (same(scope, SPIN_SCOPE) && !argv.includes('--no-larger')) {
    all.push(await compareAt(LARGER_SCOPE, { variants: false, workers: 1 }, log));
  }

  let ref: ReturnType<typeof referenceBfs> | null = null;
  let refCpu = NaN;
  if (argv.includes('--ref')) {
    log('\nReference BFS (bench/spin/reference-bfs.ts: step() on every op of the alphabet, JSON keys) ...');
    const c0 = process.cpuUsage();
    ref = referenceBfs(scope, staticPolicy);
    const c = process.cpuUsage(c0);
    refCpu = (c.user + c.system) / 1e6;
    log(`  ${fmt(ref.states)} states, ${fmt(ref.applied)} ops applied, ${ref.depths.length - 1} levels`);
    log(
      `  ${ref.seconds.toFixed(1)} s = ${fmt(ref.states / ref.seconds)} states/s (wall); ` +
        `cpu ${refCpu.toFixed(1)} s = ${fmt(ref.states / refCpu)} states/cpu-s`,
    );
  }
  const agree = all.every((c) => c.agree) && (ref === null || ref.states === all[0]!.apmc.states);
  log('');
  for (const c of all) {
    const n = c.par ? ` (${c.par.r.states === c.apmc.states ? 'and' : 'but'} ${fmt(c.par.r.states)} over workers)` : '';
    const spins = c.spin.map(({ r }) => fmt(r.states)).join(' / ');
    log(
      `scope ${scopeName(c.scope)}: apmc ${fmt(c.apmc.states)}${n}, spin ${spins}` +
        `${c === all[0] && ref ? `, reference ${fmt(ref.states)}` : ''}; one thread/Spin one core ` +
        `${(c.apmcRate / c.spin[0]!.r.rate).toFixed(2)}`,
    );
  }
  log(`state counts ${agree ? 'agree' : 'DIFFER'}`);
  if (json) {
    const scopes = all.map((c) => ({
      scope: c.scope,
      spin: c.spin,
      apmc: { ...c.apmc, found: [], cpuSeconds: c.apmcCpu, rate: c.apmcRate },
      apmcWorkers: c.par && { ...c.par.r, found: [], workers, cpuSeconds: c.par.cpu, rate: c.par.rate },
    }));
    const reference = ref && { ...ref, cpuSeconds: refCpu };
    console.log(JSON.stringify({ ...scopes[0], larger: scopes[1] ?? null, reference }, null, 2));
  }
  if (!agree) process.exitCode = 1;
}
