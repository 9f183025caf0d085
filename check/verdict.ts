/**
 * Verdicts and statuses: what each engine's result says of each policy × property, and how that
 * compares with the expected verdicts (properties/expected.ts). Computed here only.
 */
import type { Policy } from '../model/policy.ts';
import { expectation, expectationFor, type Expectation } from '../properties/expected.ts';
import type { Property } from '../properties/types.ts';
import { sampledFinding, searchFinding, type Engine, type Finding } from './finding.ts';
import type { EngineRun, SampledPolicy, SearchedPolicy } from './run.ts';

export type Verdict = 'holds' | 'vacuous' | 'violated' | 'unknown' | 'policy-error';
/**
 * How a verdict compares with the expectation. Against a base (`apmc check --base`): `new` is a violation the
 * base does not share on the same trace, `inherited` one it shares (not a failure), `fixed` a violation of
 * the base that the variant does not show on the base's trace (within the budget).
 */
export type Status =
  | 'holds'
  | 'vacuous'
  | 'as-expected'
  | 'new'
  | 'missing'
  | 'unknown'
  | 'policy-error'
  | 'inherited'
  | 'fixed';

export interface Cell {
  readonly policy: string;
  readonly property: Property;
  readonly verdict: Verdict;
  readonly expected: Expectation | null;
  readonly status: Status;
  /** The counterexample to show: new, as-expected and inherited ones under the variant, a fixed one under the base. */
  readonly found?: Finding;
  /** The base the policy was checked against (`apmc check --base`). */
  readonly base?: string;
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
  inherited: '',
  fixed: '',
};

/** A cell's word in the tables: the verdict and its mark; against a base, new / inherited / fixed. */
export function cellWord(x: Cell): string {
  if (x.base !== undefined) {
    if (x.status === 'new') return `new${MARK.new}`;
    if (x.status === 'inherited' || x.status === 'fixed') return x.status;
  }
  return `${x.verdict === 'policy-error' ? 'policy error' : x.verdict}${MARK[x.status]}`;
}

/** An inherited or fixed counterexample in one line: its length, the policy it replays under, where it is. */
export function sharedLine(x: Cell): string {
  const f = x.found!;
  const n = Math.max(f.ops.length, f.other?.length ?? 0);
  const under = x.status === 'fixed' ? x.base! : x.policy;
  const how = f.engine === 'random' ? `after ${f.cases} cases` : `a shortest, after ${f.states} states`;
  return `${x.policy}: ${x.property.name} ${x.status}: ${n} ops under ${under} (${how}); in --json`;
}

/**
 * What the policies of a run are expected to do: `expectationFor` on the Policy object (so that a policy
 * file's own declarations count), by name; a name without its object takes the built-in table.
 */
export type Expecter = (policy: string, property: string) => Expectation | null;

export function expecter(policies: readonly Policy[]): Expecter {
  return (name, property) => {
    const p = policies.find((x) => x.name === name);
    return p ? expectationFor(p, property) : expectation(name, property);
  };
}

/**
 * What a variant is expected to show beyond its base: the declarations of the designs between the variant and
 * the base (the variant's own first), not the base's own expected violations, which are inherited. A base that is
 * not among the variant's bases (`--base` another design) still has its expected violations: those are not the
 * variant's to find either. `base`: its Policy, or its name (then only the built-in table is known of it).
 */
export function expectationBeyond(variant: Policy, base: Policy | string, property: string): Expectation | null {
  const name = typeof base === 'string' ? base : base.name;
  let below = false;
  for (let x: Policy | undefined = variant; x !== undefined; x = x.base) below ||= x.name === name;
  if (!below && (typeof base === 'string' ? expectation(base, property) : expectationFor(base, property)) !== null) {
    return null;
  }
  for (let x: Policy | undefined = variant; x !== undefined && x.name !== name; x = x.base) {
    const { base: _below, ...alone } = x;
    const own = expectationFor(alone, property);
    if (own !== null || (x.expected && Object.hasOwn(x.expected, property))) return own;
  }
  return null;
}

/** The status of a property of a variant against its base, when the variant has no new violation of it. */
export function baseStatus(inherited: boolean, fixed: boolean): Status | null {
  return inherited ? 'inherited' : fixed ? 'fixed' : null;
}

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
  expected: Expectation | null = expectation(policy, property.name),
): Cell {
  const status = statusOf(verdict, expected, engine, more.bound !== undefined);
  return { policy, property, verdict, expected, status, ...more };
}

/**
 * A cell against a base: a new violation is expected only if a design between the variant and the base declares
 * it (`beyond`); an inherited one is violated, a fixed one holds, neither a failure. `own`: the variant's
 * cell as if it had no base.
 */
function againstBase(
  own: Cell,
  engine: Engine,
  base: string,
  beyond: Expectation | null,
  inherited: Finding | undefined,
  fixed: Finding | undefined,
): Cell {
  const b = { base, expected: beyond };
  if (own.verdict === 'policy-error') return { ...own, ...b };
  if (own.verdict === 'violated') return { ...own, ...b, status: beyond ? 'as-expected' : 'new' };
  if (inherited) return { ...own, ...b, verdict: 'violated', status: 'inherited', found: inherited };
  if (fixed) return { ...own, ...b, status: 'fixed', found: fixed };
  // The base's own expected violations are the base's: only what the variant declares beyond it can be missing.
  return { ...own, ...b, status: statusOf(own.verdict, beyond, engine, own.bound !== undefined) };
}

/** A random exploration's verdict: holds only if some step exercised the property. */
function sampledCell(r: SampledPolicy, p: Property, expect: Expecter, beyond: Beyond): Cell {
  const x = r.exploration;
  const f = x.found.find((y) => y.property === p.name);
  const of = (v: Verdict, more: Pick<Cell, 'found' | 'bound'> = {}): Cell =>
    cell(r.policy, p, v, 'random', more, expect(r.policy, p.name));
  const own = f
    ? of('violated', { found: sampledFinding(f) })
    : x.policyError
      ? of('policy-error')
      : x.interrupted
        ? of('unknown')
        : of(r.exercised.has(p.name) ? 'holds' : 'vacuous');
  if (!x.base) return own;
  const pick = (list: typeof x.found) => {
    const y = list.find((z) => z.property === p.name);
    return y && sampledFinding(y);
  };
  return againstBase(
    own,
    'random',
    x.base.policy,
    beyond(r.policy, p.name),
    pick(x.base.inherited),
    pick(x.base.fixed),
  );
}

/** expectationBeyond by the variant's name. */
type Beyond = (policy: string, property: string) => Expectation | null;

/**
 * A search's verdict. A sharded run (`--shard`) cannot decide a history property that compares
 * states across shards (`shardSafe` false); worker threads share one store and can.
 */
function searchedCell(x: SearchedPolicy, p: Property, sharded: boolean, expect: Expecter, beyond: Beyond): Cell {
  const own = searchedOwn(x, p, sharded, expect);
  const b = x.result.base;
  if (!b) return own;
  const pick = (list: typeof b.inherited) => {
    const y = list.find((z) => z.property === p.name);
    return y && searchFinding(y);
  };
  return againstBase(own, 'exhaustive', b.policy, beyond(x.policy, p.name), pick(b.inherited), pick(b.fixed));
}

function searchedOwn(x: SearchedPolicy, p: Property, sharded: boolean, expect: Expecter): Cell {
  const r = x.result;
  const f = r.found.find((y) => y.property === p.name);
  const of = (v: Verdict, more: Pick<Cell, 'found' | 'bound'> = {}): Cell =>
    cell(x.policy, p, v, 'exhaustive', more, expect(x.policy, p.name));
  const unknown = (bound: string): Cell => of('unknown', { bound });
  if (f) return of('violated', { found: searchFinding(f) });
  if (r.policyError) return of('policy-error');
  if (sharded && p.kind === 'history' && !p.shardSafe) {
    return unknown('sharded: order dependences across shards are not compared');
  }
  // What the search cannot decide whatever its bounds (a search against a base: the history properties).
  const open = r.undecided?.find((u) => u.property === p.name);
  if (open) return unknown(open.reason);
  if (r.complete || r.bound === 'depth') return of(r.exercised.includes(p.name) ? 'holds' : 'vacuous');
  // Not reached: the search ended before it (every property asked for has a verdict then).
  if (r.bound === null) return unknown(`search ended at depth ${r.depth}`);
  if (r.bound === 'interrupted') return unknown(`interrupted at depth ${r.depth}`);
  return unknown(`${r.bound} bound reached at depth ${r.depth}`);
}

/**
 * Every policy × property of a run, policy by policy, in the order of the properties. `policies`: the Policy
 * objects of the run, for their expectations (a name without its object takes the built-in table).
 */
export function cellsOf(run: EngineRun, policies: readonly Policy[] = []): Cell[] {
  const expect = expecter(policies);
  const beyond: Beyond = (name, property) => {
    const p = policies.find((x) => x.name === name);
    if (!p || run.base === undefined) return null;
    return expectationBeyond(p, policies.find((x) => x.name === run.base) ?? run.base, property);
  };
  if (run.engine === 'random') {
    return run.policies.flatMap((r) => run.props.map((p) => sampledCell(r, p, expect, beyond)));
  }
  const sharded = run.shard !== undefined;
  return run.policies.flatMap((r) => run.props.map((p) => searchedCell(r, p, sharded, expect, beyond)));
}
