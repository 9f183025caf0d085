/**
 * The summary of a check: the verdict cells, the exit code and the closing line, computed once.
 * The CLI's table, `--json`, the HTML report (render/report.ts) and `apmc merge` read it.
 */
import type { Policy } from '../model/policy.ts';
import { closingLine, runExit } from './exit.ts';
import type { EngineRun } from './run.ts';
import { cellsOf, type Cell } from './verdict.ts';

/** What every run's summary holds, `apmc merge`'s included. */
export interface Verdicts {
  /** A cell per policy × property, policy by policy. */
  readonly cells: readonly Cell[];
  /** A signal's name if one stopped the run, else null. */
  readonly stoppedBy: string | null;
  /** The exit code: from the cells, `--ci`, and a stopping signal (check/exit.ts). */
  readonly exit: number;
  /** The run's last line: what the verdicts were, and the exit code. */
  readonly closing: string;
}

/** An `apmc check` run: what its engine gave, and the verdicts drawn from it. */
export type CheckSummary = EngineRun & Verdicts;

/** The verdicts of `cells`, with `--ci` (expected violations exit 0) and the signal that stopped the run. */
export function verdicts(cells: readonly Cell[], ci: boolean, stoppedBy: string | null): Verdicts {
  const exit = runExit(cells, ci, stoppedBy);
  return { cells, stoppedBy, exit, closing: closingLine(cells, exit, stoppedBy) };
}

/** `policies`: the run's Policy objects, whose expectations (their own declarations included) count. */
export function summarize(run: EngineRun, ci: boolean, policies: readonly Policy[] = []): CheckSummary {
  return { ...run, ...verdicts(cellsOf(run, policies), ci, run.stoppedBy) };
}
