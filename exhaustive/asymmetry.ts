/**
 * Symmetry reduction (exhaustive/symmetry.ts) stores one state per class of id renamings, which is sound only for a
 * policy that treats ids alike: renaming the adapters, domains and mdevs of a state and of an op renames the step's
 * result the same way. Every built-in policy does; a policy file need not (a patch that swaps an APQN's adapter and
 * domain in a log line, examples/patch-in-use-log-swapped.ts, does not). A search ends with this error when its
 * audit sees an op and its image give results that are not images of each other (`seen`: the policy does not treat
 * ids alike), or when a stored state's path or violation does not replay with the ids that ran (which such a policy
 * causes, and so would a reduction that merged states it should not), and the caller searches again without the
 * reduction (bin/check-exhaustive.ts).
 */

import type { Apqn, KernelEvent } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import { isBuiltIn } from '../model/policies/index.ts';
import type { Config, Policy } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step, type Step } from '../model/step.ts';
import { formatOp } from '../trace/format.ts';
import { type IdPerm, permuteIds, permuteOp } from './group.ts';

/** The mark the error's message carries, also across worker threads (whose errors arrive as messages). */
const MARK = 'treat ids alike';

export class AsymmetricPolicy extends Error {
  /** `seen`: the audit saw it; else a replay failed, which points at the policy but does not prove it. */
  constructor(policy: string, what: string, seen = false) {
    super(
      seen
        ? `policy ${policy} does not ${MARK}: ${what}`
        : `${what} (policy ${policy} may not ${MARK}, or the reduction merged states that differ)`,
    );
    this.name = 'AsymmetricPolicy';
  }
}

/** Whether e is an AsymmetricPolicy, here or from a worker thread. */
export const isAsymmetric = (e: unknown): e is Error => e instanceof Error && e.message.includes(MARK);

/** Whether a search of these policies audits them: some is a policy file (the built-in designs are tested). */
export const auditsPolicies = (...policies: readonly (Policy | undefined)[]): boolean =>
  policies.some((p) => p !== undefined && !isBuiltIn(p));

/**
 * `search(symmetry)`, and when it ends with AsymmetricPolicy, `again(e)` and `search(false)`: the one way every
 * command searches a policy that may not treat ids alike.
 */
export async function searchOrAgain<R>(
  symmetry: boolean,
  search: (symmetry: boolean) => Promise<R>,
  again: (e: Error) => void,
): Promise<R> {
  try {
    return await search(symmetry);
  } catch (e) {
    if (!symmetry || !isAsymmetric(e)) throw e;
    again(e);
    return await search(false);
  }
}

/**
 * How often a search under symmetry reduction checks that the policy treats ids alike: the first AUDIT_FIRST
 * states it expands (a short search expands few), then one in AUDIT_EVERY, every op (bin/check-exhaustive.ts asks
 * it of policy files; the built-in policies are tested).
 */
const AUDIT_EVERY = 256;
const AUDIT_FIRST = 64;

/**
 * An event with its ids renamed by g, as a string: what the properties read of it (its kind, level, APQNs and mdev).
 * Its text is left out: it spells ids in words of its own.
 */
function eventSig(e: KernelEvent, g: IdPerm | null): string {
  const apqn = (q: Apqn | null) => (q === null ? '-' : g ? `${g.pa[q[0]]}.${g.pd[q[1]]}` : `${q[0]}.${q[1]}`);
  if (e.kind === 'warn') return `warn ${apqn(e.apqn)}`;
  if (e.kind === 'log') return `log ${e.level} ${e.mdev ?? '-'} ${e.apqns.map(apqn).join(',')}`;
  return e.kind;
}

/** The events of a step as a sorted list (a renamed state may meet its ids in another order). */
const eventsSig = (es: readonly KernelEvent[], g: IdPerm | null): string =>
  es
    .map((e) => eventSig(e, g))
    .sort()
    .join('\n');

/** What the audit needs of a symmetry (exhaustive/symmetry.ts, which itself reports through this file). */
interface Canonical {
  /** The id permutations, the identity first. */
  readonly perms: readonly IdPerm[];
  /** Write the canonical key of s into out. */
  canonical(s: State, out: Uint32Array): void;
}

/**
 * Checks, on the states `due` picks, that every op and its image under an id permutation give images of one another:
 * the same result, the same events renamed, and states of one class. States with a scan under way, and steps that
 * enter one, are skipped: the scan's order by id is part of the state (exhaustive/symmetry.ts). Throws
 * AsymmetricPolicy.
 */
export class SymmetryAudit {
  private readonly cfg: Config;
  private readonly sym: Canonical;
  private readonly ops: readonly Op[];
  private readonly every: number;
  private readonly a: Uint32Array;
  private readonly b: Uint32Array;
  private readonly where: Int32Array | undefined;
  private n = 0;

  /**
   * `every`: audit one state in so many after the first ones (1: every state). `where`: the search's
   * (ExhaustiveOptions.where), whose op the audit sets as it steps, so that a policy a sandbox stops in an audited
   * step is reported on the state being expanded and that op.
   */
  constructor(
    cfg: Config,
    sym: Canonical,
    words: number,
    ops: readonly Op[],
    { every = AUDIT_EVERY, where }: { readonly every?: number; readonly where?: Int32Array | undefined } = {},
  ) {
    this.where = where;
    this.cfg = cfg;
    this.sym = sym;
    this.ops = ops;
    this.every = every;
    this.a = new Uint32Array(words);
    this.b = new Uint32Array(words);
  }

  /** Whether stored state i is one the audit looks at. */
  due(i: number): boolean {
    return (i < AUDIT_FIRST || i % this.every === 0) && this.sym.perms.length > 1;
  }

  /** Audit state s (stored state i, `due`). */
  check(i: number, s: State): void {
    if (s.bus.scan !== null) return;
    const perms = this.sym.perms;
    const g = perms[1 + (this.n++ % (perms.length - 1))]!;
    const { cfg, a, b } = this;
    const gs = permuteIds(cfg.scope, s, g);
    // The state's own steps first, each with its op in `where`: a policy that misbehaves on one of them is stopped
    // where the search itself would stop it, with a true trace. The images' steps have no trace of their own.
    const rs: Step[] = [];
    try {
      for (const [k, op] of this.ops.entries()) {
        if (this.where !== undefined) this.where[1] = k;
        rs.push(step(cfg, s, op));
      }
    } catch {
      return; // the search meets the policy error itself, with its trace
    }
    if (this.where !== undefined) this.where[1] = -1;
    for (const [k, op] of this.ops.entries()) {
      const r = rs[k]!;
      let q: Step;
      try {
        q = step(cfg, gs, permuteOp(op, g));
      } catch {
        throw this.found(i, op, g, 'results (the image step throws)');
      }
      const what =
        r.result !== q.result
          ? `results ${r.result} and ${q.result}`
          : eventsSig(r.events, g) !== eventsSig(q.events, null)
            ? 'kernel events'
            : null;
      if (what !== null) throw this.found(i, op, g, what);
      if (r.state === s && q.state === gs) continue;
      if (r.state.bus.scan !== null || q.state.bus.scan !== null) continue;
      this.sym.canonical(r.state, a);
      this.sym.canonical(q.state, b);
      for (let w = 0; w < a.length; w++) if (a[w] !== b[w]) throw this.found(i, op, g, 'states');
    }
  }

  private found(i: number, op: Op, g: IdPerm, what: string): AsymmetricPolicy {
    const perm = (p: readonly number[]) => p.join('');
    const image = `adapters ${perm(g.pa)}, domains ${perm(g.pd)}, control domains ${perm(g.pc)}`;
    const where = `'${formatOp(op)}' from stored state ${i} and its image (${image}) give other ${what}`;
    return new AsymmetricPolicy(this.cfg.policy.name, where, true);
  }
}
