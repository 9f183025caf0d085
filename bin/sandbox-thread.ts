/**
 * A policy sandbox thread's first module (bin/sandbox-worker.js runs it through tsx; the bundle, bin/bundle.mjs,
 * has it as an entry): what the policy throws from its own timers is reported (an uncaught non-Error would
 * otherwise abort Node itself), process.exit and the file functions that write are replaced before any policy
 * code can see them, then the command runs (bin/sandbox-worker.ts).
 */
import { parentPort } from 'node:worker_threads';
import { interceptExit, refuseWrites } from './sandbox-watch.ts';

const outside = (e: unknown): void => {
  let what: string;
  try {
    const shown = typeof e === 'string' ? JSON.stringify(e) : String(e);
    what = e instanceof Error ? `${e.name}: ${e.message}` : `a non-error ${shown}`;
  } catch {
    what = 'a value that cannot be shown';
  }
  parentPort!.postMessage({ t: 'outside', what: what.split('\n')[0]!.slice(0, 200) });
};
process.on('uncaughtException', outside);
process.on('unhandledRejection', outside);
interceptExit();
refuseWrites();
await import('./sandbox-worker.ts');
