/**
 * SIGINT and SIGTERM during `apmc check`: the first one sets the abort flag, so that the engine stops
 * within a couple of seconds and apmc reports what it checked so far (and keeps what it found); a
 * second one exits at once. Exit codes as shells report a death by signal: 128 + the signal number.
 */
import { SIGNAL_EXIT } from '../check/exit.ts';
import type { AbortFlag } from '../properties/abort.ts';

export { SIGNAL_EXIT };

/** Install the handlers; the returned function removes them. */
export function stopOnSignals(flag: AbortFlag): () => void {
  const handler = (sig: NodeJS.Signals): void => {
    if (flag.aborted) process.exit(SIGNAL_EXIT[sig] ?? 1);
    flag.aborted = true;
    flag.reason = sig;
    process.stderr.write(`apmc: ${sig}: stopping; reporting what was checked (again to quit at once)\n`);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
