/** The policy sandbox's command, options and the messages its worker sends (bin/sandbox.ts). */
import type { Finding } from '../check/finding.ts';
import type { Mechanism } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';

export type Command = 'run' | 'check' | 'explain' | 'diff' | 'compare';

export interface SandboxOptions {
  /** The run's --time: the worker is stopped when it is inside a callback at this plus a grace. */
  readonly timeMs?: number | undefined;
  /** The run's --max-memory in bytes: the worker's heap limit. */
  readonly maxMemory?: number | undefined;
  /** Stop on SIGINT/SIGTERM as `apmc check` does (ask, then stop the worker); else the signal's default. */
  readonly signals?: boolean;
  /** The policies by number (a trace step's WHERE_B), for the report. */
  readonly policies: readonly string[];
  /** The JSON output was asked for: a stopped check's report is JSON. */
  readonly json?: boolean;
  readonly scope?: Scope;
  /** The search's `--mechanisms` (its alphabet, to name the op a search was stepping); absent: every one. */
  readonly mechanisms?: readonly Mechanism[] | undefined;
  /** Where step i of the trace is (`file:line`), and its op, for a policy error in run, explain, diff. */
  readonly locate?: (i: number) => { where: string; op: string | null };
  /** What the worker's messages ask of this thread: save a counterexample, write the report. */
  readonly onFound?: (policy: string, f: Finding) => void;
  readonly onReport?: (html: string) => void;
}

/** Messages from the worker. */
export type FromWorker =
  | { t: 'ready' }
  | { t: 'loaded' }
  | { t: 'out'; s: string }
  | { t: 'err'; s: string }
  | { t: 'found'; policy: string; f: Finding }
  | { t: 'report'; html: string }
  | { t: 'done'; code: number }
  | { t: 'fail'; code: number; line: string }
  | { t: 'trace'; ops: Op[] }
  | { t: 'exited'; what: string }
  | { t: 'outside'; what: string };
