import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';

/** An initial host AP configuration other than "everything in the scope" (ids; an omitted list = all of the scope). */
export interface InitialHost {
  readonly adapters?: readonly number[];
  readonly domains?: readonly number[];
  readonly control_domains?: readonly number[];
}

/**
 * Which real ids of a machine the trace's model ids stand for (the `real` directive; `apmc import` writes it):
 * model adapter i is real adapter `adapters[i]`, and so on; an mdev name's real UUID. A model id past the end
 * of a list has no real id (a replay script maps it to itself and warns).
 */
export interface RealIds {
  readonly adapters: readonly number[];
  readonly domains: readonly number[];
  readonly control_domains: readonly number[];
  /** mdev name → UUID. */
  readonly mdevs: Readonly<Record<string, string>>;
}

/** A UUID as mdev names them: 8-4-4-4-12 hex digits. */
export const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** One operation of a trace with the comments around it (kept so text ↔ JSON loses nothing). */
export interface TraceStep {
  readonly op: Op;
  /** The `# ...` at the end of the op's line. */
  readonly comment?: string;
  /** Whole-line comments between the previous op and this one. */
  readonly before?: readonly string[];
  /** 1-based line in the source text, for error messages (not serialized). */
  readonly line?: number;
}

/** A trace: what to run, from which initial state, under which policy (a name or a file path). */
export interface Trace {
  readonly scope: Scope;
  /** Fields the source set explicitly (the rest come from DEFAULT_SCOPE); flags may still override. */
  readonly scopeSet: readonly (keyof Scope)[];
  readonly policy: string | null;
  readonly initial: InitialHost | null;
  /** The real ids the model ids stand for (`real`), when the trace was taken from a machine. */
  readonly real?: RealIds;
  /** Comment lines before the first directive or op. */
  readonly header: readonly string[];
  readonly steps: readonly TraceStep[];
  /** Comment lines after the last op. */
  readonly trailer: readonly string[];
}

export const TRACE_FORMAT = 'apmc-trace/1';

/**
 * The most operations a trace may have. `apmc run` on 500,000 takes about 40 s and 1.5 GB; a trace
 * far longer (a 64 MB file holds 12 million `scan` lines) would exhaust the heap instead of answering.
 */
export const MAX_OPS = 500_000;

/** A problem with an input file: where and what. Rendered as one line `file:line: problem`. */
export class InputError extends Error {
  readonly file: string;
  readonly line: number | null;
  readonly problem: string;
  /** Values in the problem the user must copy (a path in a hint): an error line never clips them. */
  readonly keep: readonly string[];
  constructor(file: string, line: number | null, problem: string, keep: readonly string[] = []) {
    super(`${file}${line !== null ? `:${line}` : ''}: ${problem}`);
    this.file = file;
    this.line = line;
    this.problem = problem;
    this.keep = keep;
  }
}
