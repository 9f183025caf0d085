/**
 * The random explorer against a base (`apmc check --base`): every generated case runs under the variant
 * and the base, and its violations are attributed per property (properties/attribution.ts). A case fails
 * (fast-check shrinks it) only when it shows a new violation; the shrinking predicate is "the variant
 * violates P and the base holds P on the same trace" for the property P it first showed, and apmc's
 * shrinker keeps it so. Other new violations of the same case are shrunk from the case as generated.
 * Inherited and fixed violations never fail a case: the first of each per property is kept, and shrunk
 * (keeping its class) when the exploration ends. The search goes on until the budget ends or every
 * property has a new violation. Half of the cases continue a prefix after which the two designs' states
 * differ (the first 64 such prefixes met): where they part is where a new violation can start. Deterministic
 * for a given seed.
 */
import fc from 'fast-check';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { caseArb, mechanismSet } from './arbitraries.ts';
import { attribute, historiesOf, shrinkAttributed, violationOn, violationsByProperty } from './attribution.ts';
import type { Attributed } from './attribution.ts';
import { checkCase, type Case, type StepHook, type Violation } from './case.ts';
import type { Op } from '../model/ops.ts';
import type { ExploreOptions, Exploration, Found } from './explore.ts';
import { faultIn, policyErrorOf, type PolicyError } from './policy-error.ts';
import { copyState, type PolicyGuard } from './policy-guard.ts';
import { Budget, sampleRound } from './sampling.ts';
import type { Property } from './types.ts';

/** The base of an exploration: its Config and, when it is guarded, its guard (whose `policy` is cfg.policy). */
export interface ExploreBase {
  readonly cfg: Config;
  readonly guard?: PolicyGuard;
}

/** The most divergent prefixes kept (the first found). */
const POOL = 64;

/** The first step after which the two runs' states differ, if their last states differ; else null. */
function divergence(a: readonly State[], b: readonly State[]): number | null {
  const n = Math.min(a.length, b.length);
  if (n === 0 || JSON.stringify(a[n - 1]) === JSON.stringify(b[n - 1])) return null;
  for (let i = 0; i < n; i++) if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) return i;
  return null;
}
const THOROUGH_EVERY = 128;

interface Where {
  readonly afterRuns: number;
  readonly seed: number;
  readonly path: string;
}

/** A policy fault met while classifying a case: which side. */
class SideFault {
  readonly side: 'variant' | 'base';
  constructor(side: 'variant' | 'base') {
    this.side = side;
  }
}

export async function exploreAgainst(
  cfg: Config,
  base: ExploreBase,
  s0: State,
  props: readonly Property[],
  opt: ExploreOptions,
): Promise<Exploration> {
  const t0 = Date.now();
  const budget = new Budget(t0, opt.timeMs, opt.signal);
  const guard = opt.guard;
  const bguard = base.guard;
  const found: Found[] = [];
  const inherited = new Map<string, { a: Attributed; where: Where; foundMs: number }>();
  const fixed = new Map<string, { a: Attributed; where: Where; foundMs: number }>();
  let remaining = [...props];
  let runs = 0;
  let ops = 0;
  let round = 0;
  let stoppedBy: string | null = null;
  let policyError: PolicyError | undefined;
  // Divergent prefixes: the ops up to the first step after which the two policies' states differ. Half of the
  // cases continue one of them (a generated case appended), so that the search goes on where the designs part:
  // a new violation often needs a few more steps after the difference, which plain cases rarely reach.
  const pool: (readonly Op[])[] = [];
  const pooled = new Set<string>();
  const plain = caseArb(cfg.scope, opt.maxOps ?? 20, mechanismSet(opt.mechanisms));
  const arb = fc.oneof(
    { weight: 1, arbitrary: plain },
    {
      weight: 1,
      arbitrary: fc
        .record({ pick: fc.nat(), c: plain })
        .map(({ pick, c }): Case => (pool.length === 0 ? c : { ...c, ops: [...pool[pick % pool.length]!, ...c.ops] })),
    },
  );
  // Unsampled cases and shrinking step with the raw policies (see PolicyGuard.raw).
  const fast: Config = guard ? { ...cfg, policy: guard.raw } : cfg;
  const bfast: Config = bguard ? { ...base.cfg, policy: bguard.raw } : base.cfg;
  const fresh = (): State => (guard || bguard ? copyState(s0) : s0);
  const setThorough = (on: boolean) => {
    if (guard) guard.thorough = on;
    if (bguard) bguard.thorough = on;
  };
  const sidePolicyError = (which: 'variant' | 'base', ce: Case, where: Where): PolicyError =>
    which === 'variant'
      ? policyErrorOf(cfg, guard!, fresh(), ce, where)
      : policyErrorOf(base.cfg, bguard!, fresh(), ce, where);
  const side = <T>(which: 'variant' | 'base', f: () => T): T => {
    try {
      return f();
    } catch (e) {
      if (!(which === 'variant' ? guard : bguard)) throw e;
      throw new SideFault(which);
    }
  };

  while (remaining.length > 0 && runs < opt.runs && stoppedBy === null) {
    const seed = (opt.seed + round * 7919) | 0;
    round++;
    const active = remaining;
    // The property whose new violation fast-check shrinks, and the case as generated with its attributions.
    const st: { target: Property | null; first: Attributed[]; fault: SideFault | null } = {
      target: null,
      first: [],
      fault: null,
    };
    const r = await sampleRound(arb, seed, opt.runs - runs, budget, (c, phase, searched) => {
      opt.onCase?.(c);
      ops += c.ops.length;
      const thorough = phase === 'search' && (runs + searched - 1) % THOROUGH_EVERY === 0;
      setThorough(thorough);
      const vc = guard?.thorough ? cfg : fast;
      const bc = bguard?.thorough ? base.cfg : bfast;
      try {
        if (phase === 'shrink' && st.fault !== null) {
          // Shrinking a policy fault: the case still faults on the same side.
          const f = st.fault.side;
          side(f, () => violationsByProperty(f === 'variant' ? vc : bc, fresh(), c, active));
          return true;
        }
        if (phase === 'shrink') {
          const p = st.target!;
          const v = side('variant', () => checkCase(vc, fresh(), c, [p]));
          if (v === null) return true;
          return side('base', () => violationOn(bc, fresh(), p, historiesOf(v))) !== null;
        }
        const vs: State[] = [];
        const bs: State[] = [];
        const onStep: StepHook = (before, op, after) => {
          opt.onStep?.(before, op, after);
          vs.push(after.state);
        };
        const vv = side('variant', () => violationsByProperty(vc, fresh(), c, active, onStep));
        const bv = side('base', () => violationsByProperty(bc, fresh(), c, active, (_b, _o, r) => bs.push(r.state)));
        if (pool.length < POOL) {
          const d = divergence(vs, bs);
          const prefix = d === null ? null : c.ops.slice(0, d + 1);
          const key = prefix && JSON.stringify(prefix);
          if (prefix && key && !pooled.has(key)) {
            pooled.add(key);
            pool.push(prefix);
          }
        }
        const at = side('base', () => attribute(vc, bc, fresh(), active, vv, bv));
        const where = (): Where => ({ afterRuns: runs + searched, seed, path: '' });
        for (const a of at) {
          const keep = a.kind === 'inherited' ? inherited : a.kind === 'fixed' ? fixed : null;
          if (keep && !keep.has(a.property)) keep.set(a.property, { a, where: where(), foundMs: Date.now() - t0 });
        }
        const news = at.filter((a) => a.kind === 'new');
        if (news.length === 0) return true;
        st.target = active.find((p) => p.name === news[0]!.property)!;
        st.first = news;
        return false;
      } catch (e) {
        if (!(e instanceof SideFault)) throw e;
        if (phase === 'search') st.fault = e;
        return false;
      }
    });
    runs += r.searched;
    stoppedBy = r.stoppedBy;
    if (r.failure === null) break;
    const ce = r.failure.c;
    const foundMs = Date.now() - t0;
    const where: Where = { afterRuns: runs, seed, path: r.failure.path };
    if (st.fault !== null) {
      policyError = sidePolicyError(st.fault.side, ce, where);
      stoppedBy = 'policy-error';
      break;
    }
    // Not a fault nor a new violation: fast-check caught an exception of an unguarded policy.
    if (st.target === null) throw r.failure.error ?? new Error('a case failed without a violation');
    const shrunk: { a: Attributed; v: Violation; where: Where }[] = [];
    try {
      setThorough(true);
      const p = st.target;
      const v = checkCase(cfg, fresh(), ce, [p]);
      if (v === null || violationOn(base.cfg, fresh(), p, historiesOf(v)) !== null) {
        throw new Error('an attributable case is not so when run again: a policy is not deterministic');
      }
      const a: Attributed = { property: p.name, kind: 'new', violation: v };
      shrunk.push({ a, v: shrinkAttributed(fast, bfast, fresh(), a, p), where });
      // The case as generated showed these too: shrunk from it (fast-check shrank it for `target` only).
      const unshrunk = { ...where, path: where.path.split(':')[0] ?? '' };
      for (const o of st.first.slice(1)) {
        const q = active.find((x) => x.name === o.property)!;
        shrunk.push({ a: o, v: shrinkAttributed(fast, bfast, fresh(), o, q), where: unshrunk });
      }
      for (const x of shrunk) {
        if (guard && faultIn(cfg, guard, fresh(), x.v.ops)) throw new SideFault('variant');
        if (bguard && faultIn(base.cfg, bguard, fresh(), x.v.ops)) throw new SideFault('base');
      }
    } catch (e) {
      if (!(e instanceof SideFault) && !guard && !bguard) throw e;
      policyError = sidePolicyError(e instanceof SideFault ? e.side : guard ? 'variant' : 'base', ce, where);
      stoppedBy = 'policy-error';
      break;
    }
    for (const x of shrunk) {
      const f: Found = { ...x.v, ...x.where, foundMs, afterMs: Date.now() - t0 };
      found.push(f);
      opt.onFound?.(f);
    }
    remaining = remaining.filter((p) => !found.some((f) => f.property === p.name));
  }
  // The first inherited and fixed violation of each property without a new one, shrunk keeping its class.
  const settled = (m: typeof inherited): Found[] => {
    const out: Found[] = [];
    for (const p of props) {
      const x = m.get(p.name);
      if (!x || found.some((f) => f.property === p.name)) continue;
      let v = x.a.violation;
      if (!opt.signal?.aborted && policyError === undefined) {
        setThorough(false);
        v = shrinkAttributed(fast, bfast, fresh(), x.a, p);
      }
      out.push({ ...v, ...x.where, foundMs: x.foundMs, afterMs: Date.now() - t0 });
    }
    return out;
  };
  return {
    found,
    base: { policy: base.cfg.policy.name, inherited: settled(inherited), fixed: settled(fixed) },
    runs,
    ms: Date.now() - t0,
    interrupted: stoppedBy !== null && stoppedBy !== 'policy-error',
    ops,
    stoppedBy,
    ...(policyError ? { policyError } : {}),
  };
}
