/**
 * The verdict of one policy × property over the shards of one run (`apmc merge`): violated if any
 * shard found a violation (the shortest counterexample is kept), unknown if any shard did not finish
 * it, left it out, or is missing, a policy error if a shard met one, holds if a shard exercised it.
 */
import type { Verdict } from './verdict.ts';

/** One shard's verdict of a policy × property. */
export interface ShardVerdict {
  readonly verdict: Verdict;
  readonly bound?: string;
  /** A violation's counterexample length (its longer history). */
  readonly length?: number;
}

export interface MergedVerdict {
  readonly verdict: Verdict;
  readonly bound?: string;
  /** The shard whose counterexample is kept: the shortest, the first of equals. */
  readonly best?: number;
}

/** `shards`: each report's verdict, undefined where it has none; `missing`: a shard's report is missing. */
export function mergeVerdict(shards: readonly (ShardVerdict | undefined)[], missing: boolean): MergedVerdict {
  let best: number | undefined;
  shards.forEach((x, i) => {
    if (x?.verdict !== 'violated' || x.length === undefined) return;
    if (best === undefined || x.length < shards[best]!.length!) best = i;
  });
  if (best !== undefined) return { verdict: 'violated', best };
  const present = shards.filter((x): x is ShardVerdict => x !== undefined);
  if (missing || present.length < shards.length || present.some((x) => x.verdict === 'unknown')) {
    const why = missing ? 'a shard is missing' : 'not finished in every shard';
    return { verdict: 'unknown', bound: present.find((x) => x.bound)?.bound ?? why };
  }
  if (present.some((x) => x.verdict === 'policy-error')) return { verdict: 'policy-error' };
  // Exercised in one shard is exercised: vacuous only if no shard exercised it.
  return { verdict: present.some((x) => x.verdict === 'holds') ? 'holds' : 'vacuous' };
}
