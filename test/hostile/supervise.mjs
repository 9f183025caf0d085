/**
 * Runs one real `node bin/apmc.js` process for test/cli-harness.ts spawnApmc, outside the test process, so
 * that its time limit, signal and memory watch hold even while the test process is busy. argv[2]: JSON
 * { argv, cwd, env, limitMs, signalAfter?, maxRssMb }. Prints one JSON line: { code, signal, out, err, ms,
 * timedOut, rssKilled, peakRssMb }. When its own stdin closes (the test process went away), it kills the
 * process it runs and exits.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { join } from 'node:path';

const job = JSON.parse(process.argv[2]);
const apmc = join(import.meta.dirname, '..', '..', 'bin', 'apmc.js');
const t0 = performance.now();
const stdio = ['ignore', 'pipe', 'pipe'];
const child = spawn(process.execPath, [apmc, ...job.argv], { cwd: job.cwd, env: job.env, stdio });
const out = [];
const err = [];
let outLen = 0;
// A runaway writer is not kept in memory beyond 16 MB.
child.stdout.on('data', (b) => {
  if ((outLen += b.length) < 16 << 20) out.push(b);
});
child.stderr.on('data', (b) => err.push(b));

const rssMb = () => {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
};
let timedOut = false;
let rssKilled = null;
let peak = 0;
const kill = setTimeout(() => {
  timedOut = true;
  child.kill('SIGKILL');
}, job.limitMs);
const watch = setInterval(() => {
  const mb = rssMb();
  peak = Math.max(peak, mb);
  if (mb > job.maxRssMb) {
    rssKilled = Math.round(mb);
    child.kill('SIGKILL');
  }
}, 25);
const sig = job.signalAfter ? setTimeout(() => child.kill(job.signalAfter.signal), job.signalAfter.ms) : undefined;
process.stdin.on('end', () => child.kill('SIGKILL'));
process.stdin.resume();

child.on('close', (code, signal) => {
  const ms = performance.now() - t0;
  clearTimeout(kill);
  clearInterval(watch);
  clearTimeout(sig);
  const result = {
    // As a shell reports it: 128 + the signal's number for a process ended by a signal.
    code: code ?? (signal ? 128 + constants.signals[signal] : null),
    signal,
    out: Buffer.concat(out).toString('utf8'),
    err: Buffer.concat(err).toString('utf8'),
    ms,
    timedOut,
    rssKilled,
    peakRssMb: Math.round(peak),
  };
  process.stdout.write(JSON.stringify(result) + '\n', () => process.exit(0));
});
