/** One hostile input and what apmc must do with it (test/hostile.test.ts runs them). */
import type { Env } from '../cli-harness.ts';

export type Files = Readonly<Record<string, string | Buffer>>;

export interface Case {
  readonly name: string;
  /** Files written into the case's fresh working directory before the run (a function: made when the case runs). */
  readonly files?: Files | ((dir: string) => Files);
  /** apmc's arguments; a function of the working directory where a case needs an absolute path. */
  readonly argv: readonly string[] | ((dir: string) => readonly string[]);
  readonly env?: Env;
  /** The exit code the issue requires: 2 bad input, 7 policy error, 0 a run (kernel rejections included). */
  readonly exit: number;
  /** What the one stderr line says after 'apmc: ' (exit ≠ 0). */
  readonly says?: RegExp;
  /** Stderr may hold this many lines on success ('saved …'); default 0. */
  readonly check?: (out: string) => string | null;
  /** A real process: for policies that exit, loop or allocate, and for endless files. */
  readonly spawn?: boolean;
  /** Send a signal to the real process after some ms. */
  readonly signal?: { readonly signal: NodeJS.Signals; readonly ms: number };
  /** The time bound in ms (default: 3000 in process, 8000 for a real process). */
  readonly ms?: number;
  /** Set-up beyond files (a FIFO, a symlink, a removed directory), run in the working directory. */
  readonly setup?: (dir: string) => void;
  /** Seconds of CPU even when handled well (100k-operation traces): run only with HOSTILE_SLOW=1. */
  readonly slow?: boolean;
  /** The items of the issue that make this case pass. */
  readonly item?: readonly number[];
}

/** Shorthand: a case that runs `apmc run <file>` on one trace file. */
export const runFile = (
  name: string,
  file: string,
  text: string | Buffer,
  exit: number,
  extra: Partial<Case> = {},
): Case => ({
  name,
  files: { [file]: text },
  argv: ['run', file],
  exit,
  ...extra,
});

export const trace = (name: string, text: string | Buffer, exit: number, extra: Partial<Case> = {}): Case =>
  runFile(name, 't.trace', text, exit, extra);
export const json = (name: string, text: string | Buffer, exit: number, extra: Partial<Case> = {}): Case =>
  runFile(name, 't.json', text, exit, extra);

/** A JSON trace document around `ops` (and extra top-level keys). */
export const doc = (ops: unknown[], extra: Record<string, unknown> = {}): string =>
  JSON.stringify({ format: 'apmc-trace/1', ...extra, ops }, null, 1) + '\n';
