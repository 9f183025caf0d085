/**
 * Verdicts and statuses: what each engine's result says of each policy × property, and how that
 * compares with the expected verdicts (properties/expected.ts). Computed here only.
 */
import { expectation, type Expectation } from '../properties/expected.ts';
import type { Property } from '../properties/types.ts';
import { sampledFinding, searchFinding, type Engine, type Finding } from './finding.ts';
import type { EngineRun, SampledPolicy, SearchedPolicy } from './run.ts';

export type Verdict = 'holds' | 'vacuous' | 'violated' | 'unknown' | 'policy-error';
/** How a verdict compares with the expectation. */
export type Status = 'holds' | 'vacuous' | 'as-expected' | 'new' | 'missing' | 'unknown' | 'policy-error';

export interface Cell {
  readonly policy: string;
  readonly property: Property;
  readonly verdict: Verdict;
  readonly expected: Expectation | null;
  readonly status: Status;
  readonly found?: Finding;
  /**
   * Why a search left the verdict undecided (the bound reached and the depth, a shard that cannot
   * decide it, a missing shard): an undecided search is never a success. The random engine's
   * 'unknown' (its cases cut short by --time) has none: sampling never decides.
   */
  readonly bound?: string;
}

/** The mark a status adds to its verdict in the tables: expected `*`, new `!`, missing `?`. */
export const MARK: Readonly<Record<Status, string>> = {
  holds: '',
  vacuous: '',
  'as-expected': '*',
  new: '!',
  missing: '?',
  unknown: '',
  'policy-error': '',
};

/**
 * The status of `verdict`, reached by `engine`; `undecided`: the run left it open (a bound reached, a
 * shard that cannot decide it or is missing). An undecided verdict is unknown, never missing, and so
 * is a search's unfinished one. A sample that did not find an expected violation misses it, unless only
 * a search is expected to find it (`foundBy`): then it holds as far as the sample went.
 */
export function statusOf(verdict: Verdict, expected: Expectation | null, engine: Engine, undecided = false): Status {
  if (verdict === 'violated') return expected ? 'as-expected' : 'new';
  if (verdict === 'policy-error') return 'policy-error';
  if (verdict === 'unknown' && (undecided || engine === 'exhaustive')) return 'unknown';
  if (engine === 'random' && expected?.foundBy === 'exhaustive') return verdict === 'unknown' ? 'unknown' : 'holds';
  return expected ? 'missing' : verdict;
}

/** A cell of `policy` × `property`: its expectation and status from the verdict. */
export function cell(
  policy: string,
  property: Property,
  verdict: Verdict,
  engine: Engine,
  more: Pick<Cell, 'found' | 'bound'> = {},
): Cell {
  const expected = expectation(policy, property.name);
  const status = statusOf(verdict, expected, engine, more.bound !== undefined);
  return { policy, property, verdict, expected, status, ...more };
}

/** A random exploration's verdict: holds only if some step exercised the property. */
function sampledCell(r: SampledPolicy, p: Property): Cell {
  const f = r.exploration.found.find((x) => x.property === p.name);
  if (f) return cell(r.policy, p, 'violated', 'random', { found: sampledFinding(f) });
  if (r.exploration.policyError) return cell(r.policy, p, 'policy-error', 'random');
  if (r.exploration.interrupted) return cell(r.policy, p, 'unknown', 'random');
  return cell(r.policy, p, r.exercised.has(p.name) ? 'holds' : 'vacuous', 'random');
}

/**
 * A search's verdict. A sharded run (`--shard`) cannot decide a history property that compares
 * states across shards (`shardSafe` false); worker threads share one store and can.
 */
function searchedCell(x: SearchedPolicy, p: Property, sharded: boolean): Cell {
  const r = x.result;
  const f = r.found.find((y) => y.property === p.name);
  const of = (v: Verdict, more: Pick<Cell, 'found' | 'bound'> = {}): Cell => cell(x.policy, p, v, 'exhaustive', more);
  const unknown = (bound: string): Cell => of('unknown', { bound });
  if (f) return of('violated', { found: searchFinding(f) });
  if (r.policyError) return of('policy-error');
  if (sharded && p.kind === 'history' && !p.shardSafe) {
    return unknown('sharded: order dependences across shards are not compared');
  }
  if (r.complete || r.bound === 'depth') return of(r.exercised.includes(p.name) ? 'holds' : 'vacuous');
  // Not reached: the search ended before it (every property asked for has a verdict then).
  if (r.bound === null) return unknown(`search ended at depth ${r.depth}`);
  if (r.bound === 'interrupted') return unknown(`interrupted at depth ${r.depth}`);
  return unknown(`${r.bound} bound reached at depth ${r.depth}`);
}

/** Every policy × property of a run, policy by policy, in the order of the properties. */
export function cellsOf(run: EngineRun): Cell[] {
  if (run.engine === 'random') return run.policies.flatMap((r) => run.props.map((p) => sampledCell(r, p)));
  const sharded = run.shard !== undefined;
  return run.policies.flatMap((r) => run.props.map((p) => searchedCell(r, p, sharded)));
}
