/**
 * A policy sandbox thread (bin/sandbox.ts): runs one command's function from bin/cli.ts with the
 * policy files loaded here, watched (bin/sandbox-watch.ts); its output, found counterexamples and
 * report go to the main thread as messages, which writes them.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { runCommand, type Io } from './cli.ts';
import type { Command, FromWorker } from './sandbox.ts';
import { exitAttempt, setRebuild, setWatch, sharedAbort, type WatchShared } from './sandbox-watch.ts';

const d = workerData as {
  command: Command;
  args: string[];
  shared: WatchShared;
  tty: boolean;
  heapMb: number;
  /** Rebuilding the trace to a state of an exhaustive search that this policy stopped on. */
  rebuild?: { policy: string; state: number };
};
const post = (m: FromWorker): void => parentPort!.postMessage(m);
// apmc's modules are loaded (this module's imports): the load limit counts from here.
post({ t: 'ready' });
setWatch(d.shared, 0, d.heapMb);
if (d.rebuild) setRebuild({ ...d.rebuild, give: (ops) => post({ t: 'trace', ops }) });

const io: Io = {
  sandbox: { shared: d.shared, heapMb: d.heapMb },
  tty: d.tty,
  abort: sharedAbort(),
  out: (s) => post({ t: 'out', s }),
  err: (s) => post({ t: 'err', s }),
  loaded: () => post({ t: 'loaded' }),
  found: (policy, f) => post({ t: 'found', policy, f }),
  report: (html) => post({ t: 'report', html }),
};
const r = await runCommand(d.command, d.args, io);
// A policy that called process.exit and caught what it threw still misbehaved.
const exit = exitAttempt();
if (exit !== null && r.code !== 7) post({ t: 'exited', what: exit });
else post('line' in r ? { t: 'fail', code: r.code, line: r.line } : { t: 'done', code: r.code });
