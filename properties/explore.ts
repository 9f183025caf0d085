/**
 * The random explorer: fast-check generates cases for one policy, every selected property is
 * checked after every step, and each violation found is shrunk (fast-check's shrinking, then
 * apmc's own passes) for the property it broke. Deterministic for a given seed.
 */
import fc from 'fast-check';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { caseArb } from './arbitraries.ts';
import { checkCase, type Violation } from './case.ts';
import { shrinkViolation } from './shrink.ts';
import type { Property } from './types.ts';

export interface ExploreOptions {
  readonly seed: number;
  /** Cases to try in all (shared by the properties still unviolated). */
  readonly runs: number;
  /** Wall-clock budget in ms (a run that hits it ends with 'unknown' for what it did not finish). */
  readonly timeMs?: number;
  readonly maxOps?: number;
}

export interface Found extends Violation {
  /** Cases tried when it was found; ms since the start when found, and when shrunk. */
  readonly afterRuns: number;
  readonly foundMs: number;
  readonly afterMs: number;
  /** fast-check's seed and path, to replay the unshrunk case. */
  readonly seed: number;
  readonly path: string;
}

export interface Exploration {
  readonly found: Found[];
  /** Cases executed in all, and whether the budget ran out before `runs` cases. */
  readonly runs: number;
  readonly ms: number;
  readonly interrupted: boolean;
  readonly ops: number;
}

export function explore(cfg: Config, s0: State, props: readonly Property[], opt: ExploreOptions): Exploration {
  const t0 = Date.now();
  const found: Found[] = [];
  let remaining = [...props];
  let runs = 0;
  let ops = 0;
  let round = 0;
  let interrupted = false;
  const arb = caseArb(cfg.scope, opt.maxOps ?? 20);
  while (remaining.length > 0 && runs < opt.runs) {
    const left = opt.timeMs === undefined ? undefined : opt.timeMs - (Date.now() - t0);
    if (left !== undefined && left <= 0) {
      interrupted = true;
      break;
    }
    const seed = (opt.seed + round * 7919) | 0;
    round++;
    const active = remaining;
    const result = fc.check(
      fc.property(arb, (c) => {
        ops += c.ops.length;
        return checkCase(cfg, s0, c, active) === null;
      }),
      { seed, numRuns: opt.runs - runs, ...(left !== undefined ? { interruptAfterTimeLimit: left, markInterruptAsFailure: false } : {}) },
    );
    runs += result.numRuns;
    if (result.interrupted) interrupted = true;
    const ce = result.counterexample?.[0];
    if (!result.failed || ce === undefined) break;
    const foundMs = Date.now() - t0;
    const v = checkCase(cfg, s0, ce, active);
    if (v === null) break; // cannot happen for a deterministic model; stop rather than loop
    const prop = active.find((p) => p.name === v.property)!;
    found.push({
      ...shrinkViolation(cfg, s0, v, prop),
      afterRuns: runs,
      foundMs,
      afterMs: Date.now() - t0,
      seed,
      path: result.counterexamplePath ?? '',
    });
    remaining = remaining.filter((p) => p.name !== v.property);
  }
  return { found, runs, ms: Date.now() - t0, interrupted, ops };
}
