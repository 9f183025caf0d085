/**
 * The random explorer against a base (`apmc check --base`): every case runs under the variant and the base, and
 * its violations are attributed per property (properties/attribution.ts). The cases come from two generators in
 * turn, since neither finds every patch's new violations sooner (`npm run bench:base`):
 * - the guided one (properties/guided.ts: swarm, setups, coverage guidance on the variant's states);
 * - the classic one (properties/arbitraries.ts caseArb), half of whose cases continue a prefix after which the two
 *   designs' states differ (the first 64 such prefixes met): where they part is where a new violation can start.
 * A case fails only when it shows a new violation; each new violation is shrunk with "the variant violates P and
 * the base holds P on the same trace" for its property P, so it stays new. Inherited and fixed violations never
 * fail a case: the first of each per property is kept, and shrunk (keeping its class) when the exploration ends.
 * The search goes on until the budget ends or every property has a new violation. Deterministic for a given seed.
 */
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import fc from 'fast-check';
import type { Op } from '../model/ops.ts';
import { step } from '../model/step.ts';
import { caseArb, mechanismSet } from './arbitraries.ts';
import { attribute, historiesOf, shrinkAttributed, violationOn, violationsByProperty } from './attribution.ts';
import type { Attributed } from './attribution.ts';
import { checkCase, type Case, type StepHook, type Violation } from './case.ts';
import { type ExploreOptions, type Exploration, type Found, THOROUGH_EVERY } from './explore.ts';
import { MixedCases } from './mixed-cases.ts';
import { faultIn, policyErrorOf, type PolicyError } from './policy-error.ts';
import { copyState, type PolicyGuard } from './policy-guard.ts';
import { Budget } from './sampling.ts';
import type { Property } from './types.ts';

/** The base of an exploration: its Config and, when it is guarded, its guard (whose `policy` is cfg.policy). */
export interface ExploreBase {
  readonly cfg: Config;
  readonly guard?: PolicyGuard;
}

/** exploreAgainst's options: the explorer's, and the ops every case continues. */
export interface AgainstOptions extends ExploreOptions {
  /**
   * Every case starts with these ops, its own drawn from the state they leave the variant in, and runs whole from
   * s0 under both designs (the hybrid engine's walks from a state of its search's frontier, bin/check-hybrid.ts).
   */
  readonly prefix?: readonly Op[];
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

interface Where {
  readonly afterRuns: number;
  readonly seed: number;
  readonly path: string;
}

/** A policy fault met while generating or classifying a case: which side. */
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
  opt: AgainstOptions,
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
  let stoppedBy: string | null = null;
  let policyError: PolicyError | undefined;
  const copy = guard || bguard ? copyState : undefined;
  const mechs = mechanismSet(opt.mechanisms);
  // Divergent prefixes: the ops up to the first step after which the two policies' states differ.
  const pool: (readonly Op[])[] = [];
  const pooled = new Set<string>();
  const plain = caseArb(cfg.scope, opt.maxOps ?? 20, mechs);
  const arb = fc.oneof(
    { weight: 1, arbitrary: plain },
    {
      weight: 1,
      arbitrary: fc
        .record({ pick: fc.nat(), c: plain })
        .map(({ pick, c }): Case => (pool.length === 0 ? c : { ...c, ops: [...pool[pick % pool.length]!, ...c.ops] })),
    },
  );
  const cases = new MixedCases(cfg.scope, opt.maxOps ?? 20, mechs, opt.seed, arb, opt.coverage, copy);
  // Unsampled cases and shrinking step with the raw policies (see PolicyGuard.raw).
  const fast: Config = guard ? { ...cfg, policy: guard.raw } : cfg;
  const bfast: Config = bguard ? { ...base.cfg, policy: bguard.raw } : base.cfg;
  const fresh = (): State => (copy ? copy(s0) : s0);
  const prefix = opt.prefix ?? [];
  const P = prefix.length;
  const prefixed = (k: Case): Case => (P === 0 ? k : { ...k, ops: [...prefix, ...k.ops] });
  // Where the cases' own ops are drawn: the variant's state after the prefix (the search stepped it already).
  const from = prefix.reduce((x: State, op) => step(fast, x, op).state, s0);
  const drawFrom = (): State => (copy ? copy(from) : from);
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

  while (remaining.length > 0 && runs < opt.runs) {
    await budget.turn();
    stoppedBy = budget.stopRequested();
    if (stoppedBy !== null) break;
    runs++;
    setThorough((runs - 1) % THOROUGH_EVERY === 0);
    const vc = guard?.thorough ? cfg : fast;
    const bc = bguard?.thorough ? base.cfg : bfast;
    const active = remaining;
    const where: Where = { afterRuns: runs, seed: opt.seed, path: String(runs) };
    let c: Case | null = null;
    let at: Attributed[];
    try {
      const onCase = opt.onCase;
      const before = onCase
        ? (d: Case, i: number) => onCase({ ...d, ops: [...prefix, ...d.ops.slice(0, i + 1)] }, P + i)
        : undefined;
      // A guided case is drawn under the variant, its properties left to the runs below.
      const { c: drawn, g } = side('variant', () => cases.next(vc, drawFrom(), before));
      const k = prefixed(drawn);
      c = k;
      onCase?.(k, k.ops.length);
      const vs: State[] = [];
      const bs: State[] = [];
      const onStep: StepHook = (b, op, r) => {
        opt.onStep?.(b, op, r);
        vs.push(r.state);
      };
      const vv = side('variant', () => violationsByProperty(vc, fresh(), k, active, onStep));
      const bv = side('base', () => violationsByProperty(bc, fresh(), k, active, (_b, _o, r) => bs.push(r.state)));
      if (pool.length < POOL) {
        // Where they part within the case's own ops (a parting within the prefix is in every case).
        const d = divergence(vs, bs);
        const part = d === null || d < P ? null : drawn.ops.slice(0, d - P + 1);
        const key = part && JSON.stringify(part);
        if (part && key && !pooled.has(key)) {
          pooled.add(key);
          // Both generators extend it: the classic one (`arb`) and the guided one, from its corpus.
          pool.push(part);
          if (g) cases.guided.offer(drawn.ops, g.states, part.length);
        }
      }
      at = side('base', () => attribute(vc, bc, fresh(), active, vv, bv));
    } catch (e) {
      if (!(e instanceof SideFault)) throw e;
      policyError = sidePolicyError(e.side, c ?? prefixed(cases.current!), where);
      stoppedBy = 'policy-error';
      break;
    }
    ops += c.ops.length;
    for (const a of at) {
      const keep = a.kind === 'inherited' ? inherited : a.kind === 'fixed' ? fixed : null;
      if (keep && !keep.has(a.property)) keep.set(a.property, { a, where, foundMs: Date.now() - t0 });
    }
    const news = at.filter((a) => a.kind === 'new');
    if (news.length === 0) continue;
    const foundMs = Date.now() - t0;
    const shrunk: { v: Violation; where: Where }[] = [];
    try {
      setThorough(true);
      for (const a of news) {
        const p = active.find((x) => x.name === a.property)!;
        // Once more with the guards thorough: still the variant's violation, still not the base's.
        const v = checkCase(cfg, fresh(), c, [p]);
        if (v === null || violationOn(base.cfg, fresh(), p, historiesOf(v)) !== null) {
          throw new Error('an attributable case is not so when run again: a policy is not deterministic');
        }
        shrunk.push({ v: shrinkAttributed(fast, bfast, fresh(), { ...a, violation: v }, p), where });
      }
      for (const x of shrunk) {
        if (guard && faultIn(cfg, guard, fresh(), x.v.ops)) throw new SideFault('variant');
        if (bguard && faultIn(base.cfg, bguard, fresh(), x.v.ops)) throw new SideFault('base');
      }
    } catch (e) {
      if (!(e instanceof SideFault) && !guard && !bguard) throw e;
      policyError = sidePolicyError(e instanceof SideFault ? e.side : guard ? 'variant' : 'base', c, where);
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
