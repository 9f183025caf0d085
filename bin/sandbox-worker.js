// Entry of a policy sandbox thread (bin/sandbox.ts): process.exit, and the file functions that write, are
// replaced before any policy code can see them, what the policy throws from its own timers is reported (an
// uncaught non-Error would otherwise abort Node itself), tsx is registered in this thread (policy files are
// TypeScript), then the command runs.
import { parentPort } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

const outside = (e) => {
  let what;
  try {
    const shown = typeof e === 'string' ? JSON.stringify(e) : String(e);
    what = e instanceof Error ? `${e.name}: ${e.message}` : `a non-error ${shown}`;
  } catch {
    what = 'a value that cannot be shown';
  }
  parentPort.postMessage({ t: 'outside', what: what.split('\n')[0].slice(0, 200) });
};
process.on('uncaughtException', outside);
process.on('unhandledRejection', outside);
register();
const { interceptExit, refuseWrites } = await import('./sandbox-watch.ts');
interceptExit();
refuseWrites();
await import('./sandbox-worker.ts');
