/**
 * A cooperative stop request. Engines poll `aborted` between cases (or states) and while shrinking,
 * and end with what they have so far; bin/signals.ts sets it on SIGINT and SIGTERM. The engines never
 * clear it.
 */
export interface AbortFlag {
  aborted: boolean;
  /** What asked for the stop, for the report: 'SIGINT', 'SIGTERM' … */
  reason: string | null;
}

export const abortFlag = (): AbortFlag => ({ aborted: false, reason: null });

/** Let the event loop turn once (signal handlers run then); engines call it every few tens of ms. */
export const yieldTurn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
