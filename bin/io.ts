/** What a command runs in and writes to (bin/cli.ts, bin/cli-diff.ts), and which policy specs send it to a sandbox. */
import { Console } from 'node:console';
import { resolve } from 'node:path';
import type { Finding } from '../check/finding.ts';
import type { AbortFlag } from '../properties/abort.ts';
import { isPolicyFile, policyIdentity } from './load-policy.ts';
import type { WatchShared } from './sandbox-watch.ts';

/**
 * apmc's console. apmc decides colour itself (bin/color.ts: NO_COLOR wins over FORCE_COLOR), so this console never
 * asks the terminal; Node's global one prints a warning on stderr when NO_COLOR and FORCE_COLOR are both set.
 */
export const stdio = new Console({ stdout: process.stdout, stderr: process.stderr, colorMode: false });

/**
 * Where a command writes, and what it runs in: in-process (LOCAL), or in a policy sandbox thread
 * (bin/sandbox-worker.ts), whose output, counterexamples and report go to the main thread as messages.
 */
export interface Io {
  readonly sandbox: { readonly shared: WatchShared; readonly heapMb: number } | null;
  /** stderr is a terminal (for the progress line). */
  readonly tty: boolean;
  /** The stop request the watchdog sets (in a sandbox). */
  readonly abort: AbortFlag | null;
  out(s: string): void;
  err(s: string): void;
  /** The policies are loaded (the watchdog's load time limit ends). */
  loaded(): void;
  /** In a sandbox: a counterexample to save, the report to write (the main thread does it). */
  found(policy: string, f: Finding): void;
  report(html: string): void;
}

export const LOCAL: Io = {
  sandbox: null,
  tty: process.stderr.isTTY === true,
  abort: null,
  out: (s) => stdio.log(s),
  err: (s) => stdio.error(s),
  loaded: () => {},
  found: () => {},
  report: () => {},
};

/** Policies named on the command line that are files: the command runs in a sandbox (bin/sandbox.ts). */
export const sandboxed = (io: Io, specs: readonly (string | undefined)[]): boolean =>
  io.sandbox === null && specs.some((p) => p !== undefined && isPolicyFile(p));
export const identity = (spec: string): string => (isPolicyFile(spec) ? policyIdentity(resolve(spec)) : spec);
