/**
 * One round of fast-check over generated cases that can be stopped: the loop the random searches share
 * (properties/explore.ts, attribution-explore.ts, difference.ts). Every few tens of ms it lets the event loop turn
 * (so that a SIGINT handler can set `signal.aborted`), and it polls the flag and the time budget before each case.
 * A stop while searching ends fast-check's loop with a sentinel failure the caller discards; a stop while
 * shrinking passes every further candidate, so the failure shrunk so far is kept. Yielding does not change what is
 * generated: an uninterrupted round sees the cases a synchronous one would.
 */
import fc from 'fast-check';
import { type AbortFlag, yieldTurn } from './abort.ts';

/** How often the event loop may turn, in ms. */
const YIELD_MS = 20;

/** search: cases as generated; shrink: fast-check shrinking a failure. */
export type Phase = 'search' | 'shrink';

/** The budget and the stop request of a search, shared by its rounds. */
export class Budget {
  private readonly deadline: number;
  private readonly signal: AbortFlag | undefined;
  private nextYield: number;

  constructor(t0: number, timeMs: number | undefined, signal: AbortFlag | undefined) {
    this.deadline = timeMs === undefined ? Infinity : t0 + timeMs;
    this.signal = signal;
    this.nextYield = t0 + YIELD_MS;
  }

  /** Why the search must stop now: a signal's name, 'time', or null. */
  stopRequested(): string | null {
    if (this.signal?.aborted) return this.signal.reason ?? 'signal';
    return Date.now() >= this.deadline ? 'time' : null;
  }

  /** Let the event loop turn if it is time to. */
  async turn(): Promise<void> {
    if (Date.now() < this.nextYield) return;
    await yieldTurn();
    this.nextYield = Date.now() + YIELD_MS;
  }
}

export interface Round<C> {
  /** The failing case fast-check shrank to, unless the round passed or was stopped while searching. */
  readonly failure: { readonly c: C; readonly path: string; readonly error: unknown } | null;
  /** Cases generated (not shrinking candidates). */
  readonly searched: number;
  /** Why a stop request ended the round, or null. */
  readonly stoppedBy: string | null;
}

/**
 * Run up to `numRuns` cases of `arb` from `seed`. `holds(c, phase, searched)` is false when the case fails
 * (`searched`: cases generated so far, this one included); the first failure while searching starts fast-check's
 * shrinking, whose candidates `holds` then sees with phase 'shrink'.
 */
export async function sampleRound<C>(
  arb: fc.Arbitrary<C>,
  seed: number,
  numRuns: number,
  budget: Budget,
  holds: (c: C, phase: Phase, searched: number) => boolean,
): Promise<Round<C>> {
  let phase: Phase | 'stop' = 'search';
  let sentinel = false;
  let searched = 0;
  let stoppedBy: string | null = null;
  const result = await fc.check(
    fc.asyncProperty(arb, async (c) => {
      if (phase === 'stop') return true;
      await budget.turn();
      const stop = budget.stopRequested();
      if (stop !== null) {
        stoppedBy = stop;
        sentinel = phase === 'search';
        phase = 'stop';
        return !sentinel;
      }
      if (phase === 'search') searched++;
      const ok = holds(c, phase, searched);
      if (!ok && phase === 'search') phase = 'shrink';
      return ok;
    }),
    { seed, numRuns },
  );
  const ce = result.counterexample?.[0];
  const failed = result.failed && ce !== undefined && !sentinel;
  const failure = failed ? { c: ce, path: result.counterexamplePath ?? '', error: result.errorInstance } : null;
  return { failure, searched, stoppedBy };
}
