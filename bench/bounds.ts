/**
 * npm run bench:bounds — whether the exhaustive engine's bounds hold at a large scope, through the
 * command line as a user runs it: `apmc check --engine exhaustive` at 4×4×2, 2 mdevs, 2 VMs, every
 * property, with the built-in policies and with `--policy upstream`, on 1 and on 2 worker threads:
 * - `--time 5`: wall time from start to exit (the target: within 7 s);
 * - the first progress line on a terminal (through `script`, which gives the run a pty): seconds
 *   from start (target: within 2 s);
 * - SIGINT 3 s after the start: seconds from the signal to the exit (target: within 2 s);
 * - `--max-memory 256`: the peak resident set of the whole process as `/usr/bin/time -v` reports it
 *   (target: at most 282 MB), the exit code and the closing line: with symmetry reduction (the
 *   default; BOUNDS_MEMORY_TIME s at most, default 20: at a few hundred states a second it stays
 *   below the ceiling) and without (about 30,000 states a second: it reaches the ceiling).
 * BOUNDS_ONLY=time|progress|sigint|memory runs one kind.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCOPE = ['--adapters', '4', '--domains', '4', '--control-domains', '2', '--mdevs', '2', '--vms', '2'];
SCOPE.push('--engine', 'exhaustive');
const MEMORY_TIME = process.env['BOUNDS_MEMORY_TIME'] ?? '20';
const only = process.env['BOUNDS_ONLY'];

interface Ended {
  readonly code: number | null;
  readonly out: string;
  readonly err: string;
  /** ms from the start to the exit. */
  readonly ms: number;
  /** ms from the start to the first output matching `watch`, if any. */
  readonly seen: number | null;
  /** ms from the signal to the exit, if one was sent. */
  readonly afterSignal: number | null;
}

function run(cmd: string, args: readonly string[], o: { watch?: RegExp; signalAfterMs?: number } = {}): Promise<Ended> {
  return new Promise((resolve) => {
    const t0 = performance.now();
    const p = spawn(cmd, args, { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let seen: number | null = null;
    let signalled: number | null = null;
    const look = (): void => {
      if (seen === null && o.watch && o.watch.test(out + err)) seen = performance.now() - t0;
    };
    p.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      look();
    });
    p.stderr.on('data', (d: Buffer) => {
      err += d.toString();
      look();
    });
    const timer =
      o.signalAfterMs === undefined
        ? null
        : setTimeout(() => {
            signalled = performance.now();
            p.kill('SIGINT');
          }, o.signalAfterMs);
    p.on('close', (code) => {
      if (timer) clearTimeout(timer);
      const end = performance.now();
      resolve({ code, out, err, ms: end - t0, seen, afterSignal: signalled === null ? null : end - signalled });
    });
  });
}

const sec = (ms: number | null): string => (ms === null ? '-' : `${(ms / 1000).toFixed(2)} s`);
const lastLine = (s: string): string => s.trimEnd().split('\n').pop() ?? '';
const shellQuote = (a: string): string => `'${a.replace(/'/g, `'\\''`)}'`;

console.log(`apmc bounds bench (node ${process.version}): apmc check ${SCOPE.join(' ')}`);
for (const policy of [[], ['--policy', 'upstream']]) {
  for (const workers of ['1', '2']) {
    const args = ['bin/apmc.js', 'check', ...SCOPE, ...policy, '--workers', workers];
    const label = `${policy.length ? 'upstream' : 'all policies'}, ${workers} worker${workers === '1' ? '' : 's'}`;
    if (!only || only === 'time') {
      const r = await run('node', [...args, '--time', '5']);
      console.log(`${label}: --time 5 ended in ${sec(r.ms)} (exit ${r.code}): ${lastLine(r.out)}`);
    }
    if (!only || only === 'progress') {
      // `script` runs the command on a pty: stderr is a terminal, so apmc shows its progress line.
      const cmd = ['node', ...args, '--time', '4'].map(shellQuote).join(' ');
      const r = await run('script', ['-qfc', cmd, '/dev/null'], { watch: /states\/s/ });
      console.log(`${label}: first progress line after ${sec(r.seen)} (run ended in ${sec(r.ms)})`);
    }
    if (!only || only === 'sigint') {
      const r = await run('node', [...args, '--time', '60'], { signalAfterMs: 3000 });
      console.log(`${label}: SIGINT at 3 s: exited ${sec(r.afterSignal)} later (exit ${r.code})`);
    }
    for (const symmetry of ['on', 'off']) {
      if (only && only !== 'memory') break;
      const time = symmetry === 'on' ? MEMORY_TIME : '60';
      const flags = ['--max-memory', '256', '--time', time, '--symmetry', symmetry];
      const r = await run('/usr/bin/time', ['-v', 'node', ...args, ...flags]);
      const kb = Number(/Maximum resident set size \(kbytes\): (\d+)/.exec(r.err)?.[1] ?? NaN);
      const reached = /memory bound reached/.test(r.out);
      const bound = reached ? 'memory bound reached' : `memory bound not reached in ${time} s`;
      const peak = `peak RSS ${kb} kB (${(kb / 1024).toFixed(1)} MiB)`;
      console.log(`${label}, symmetry ${symmetry}: --max-memory 256: ${peak}, ${bound}, exit ${r.code}`);
    }
  }
}
