/**
 * Cases from two generators in turn, for the search against a base (`apmc check --base`): odd cases from the guided
 * generator (properties/guided.ts: swarm, setups, coverage guidance), drawn under one design; even ones from a
 * classic arbitrary (properties/arbitraries.ts caseArb, or one built on it), sampled in batches from the seed.
 * Neither generator alone finds every example patch's new violations sooner (`npm run bench:base`). For `apmc diff`
 * without a trace the classic generator alone does better (`npm run bench:diff`: with these cases in turn it found
 * fewer classes of first difference and most patches' first difference later), so it keeps that one.
 * Deterministic for a given seed.
 */
import fc from 'fast-check';
import type { Mechanism } from '../model/op-values.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import { type Coverage, type Generated, GuidedCases } from './guided.ts';
import type { Case } from './types.ts';

/** Classic cases sampled at a time. */
const BATCH = 256;

export class MixedCases {
  /** The guided generator (its corpus takes offered prefixes: GuidedCases.offer). */
  readonly guided: GuidedCases;
  private readonly classic: fc.Arbitrary<Case>;
  private readonly seed: number;
  private batch: Case[] = [];
  private batches = 0;
  private n = 0;

  constructor(
    scope: Scope,
    maxOps: number,
    mechanisms: ReadonlySet<Mechanism>,
    seed: number,
    classic: fc.Arbitrary<Case>,
    coverage?: Coverage,
    copy?: (s: State) => State,
  ) {
    this.guided = new GuidedCases(scope, maxOps, mechanisms, seed, coverage, copy);
    this.classic = classic;
    this.seed = seed;
  }

  /**
   * The next case. A guided one is drawn under `cfg` from s0, its properties left to the caller (`g`: its first
   * history, `before` sees each op before it runs); a classic one has not run (`g` null).
   */
  next(cfg: Config, s0: State, before?: (c: Case, i: number) => void): { c: Case; g: Generated | null } {
    this.n++;
    if (this.n % 2 === 1) {
      const g = this.guided.next(cfg, s0, [], undefined, before);
      return { c: g.c, g };
    }
    if (this.batch.length === 0) {
      const seed = (this.seed + 7919 * this.batches++) | 0;
      this.batch = fc.sample(this.classic, { seed, numRuns: BATCH }).reverse();
    }
    return { c: this.batch.pop()!, g: null };
  }

  /** The guided case being drawn when a step threw, or the last one drawn. */
  get current(): Case | null {
    return this.guided.current;
  }
}
