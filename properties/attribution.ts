/**
 * Attribution of a case's violations to a variant checked against its base (`apmc check --base`).
 *
 * A case is run under both policies and, per property, its first violation under each is taken (not
 * only the case's first violation: a violation of P the base shares must not hide a new one of Q).
 * Per property P, on the trace of the violation (the ops up to the failing step; a history property's
 * histories):
 * - new: the variant violates P and the base holds P on that same trace (attributable to the variant);
 * - inherited: both violate P on that trace;
 * - fixed: the base violates P, the variant holds P on the base's trace.
 * Shrinking keeps the class: a new violation is shrunk with the test "violates P under the variant and
 * holds P under the base", an inherited one so that both still violate, a fixed one so that the base
 * violates and the variant holds.
 */
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { firstStepViolation, type QuietMemo, type StepHook, stepFailure } from './case.ts';
import { shrinkViolation } from './shrink.ts';
import { step } from '../model/step.ts';
import type { Case, Histories, Property, Violation } from './types.ts';

export type Attribution = 'new' | 'inherited' | 'fixed';

/** One property's violation in a case, attributed. */
export interface Attributed {
  readonly property: string;
  readonly kind: Attribution;
  /** The violation shown: the variant's (new, inherited) or the base's (fixed). */
  readonly violation: Violation;
}

/** The histories a violation carries, as a history property rechecks them. */
export const historiesOf = (v: Violation): Histories => ({ ops: v.ops, other: v.other, tail: v.tail });

/** The violation of `prop` under cfg on exactly the histories `h` (a plain trace for state and step properties). */
export function violationOn(cfg: Config, s0: State, prop: Property, h: Histories): Violation | null {
  return prop.kind === 'history' ? prop.recheck(cfg, s0, h) : firstStepViolation(cfg, s0, h.ops, [prop]);
}

/**
 * The first violation of each property of `props` in case c: its first history against the state and
 * step properties (every one checked at every step until it fails), then each history property.
 */
export function violationsByProperty(
  cfg: Config,
  s0: State,
  c: Case,
  props: readonly Property[],
  onStep?: StepHook,
): Map<string, Violation> {
  const out = new Map<string, Violation>();
  let open = props.filter((p) => p.kind !== 'history');
  let s = s0;
  const quiet: QuietMemo = { v: null };
  for (let i = 0; i < c.ops.length && (open.length > 0 || onStep); i++) {
    const op = c.ops[i]!;
    const r = step(cfg, s, op);
    onStep?.(s, op, r);
    quiet.v = null;
    const failed: Property[] = [];
    for (const p of open) {
      const why = stepFailure(cfg, s, op, r, p, quiet);
      if (why) {
        out.set(p.name, { property: p.name, ops: c.ops.slice(0, i + 1), at: i, reason: why });
        failed.push(p);
      }
    }
    if (failed.length > 0) open = open.filter((p) => !failed.includes(p));
    s = r.state;
  }
  for (const p of props) {
    if (p.kind !== 'history') continue;
    const h = p.checkCase(cfg, s0, c);
    if (h) out.set(p.name, h);
  }
  return out;
}

/**
 * Attribute the violations of the variant's (`vv`) and the base's (`bv`) first violations per property of one
 * case (violationsByProperty under each), in the order of `props`.
 */
export function attribute(
  variant: Config,
  base: Config,
  s0: State,
  props: readonly Property[],
  vv: ReadonlyMap<string, Violation>,
  bv: ReadonlyMap<string, Violation>,
): Attributed[] {
  const out: Attributed[] = [];
  for (const p of props) {
    const v = vv.get(p.name);
    const b = bv.get(p.name);
    if (v) {
      // A state or step property: the base violates the same trace iff it fails P at that step or before.
      const shared = p.kind === 'history' ? violationOn(base, s0, p, historiesOf(v)) !== null : b && b.at! <= v.at!;
      out.push({ property: p.name, kind: shared ? 'inherited' : 'new', violation: v });
    } else if (b) {
      // The variant holds P on the whole case; a history property is rechecked on the base's histories.
      const x = p.kind === 'history' ? violationOn(variant, s0, p, historiesOf(b)) : null;
      out.push(
        x ? { property: p.name, kind: 'inherited', violation: x } : { property: p.name, kind: 'fixed', violation: b },
      );
    }
  }
  return out;
}

/** Classify case c: its violations per property under the variant and the base, attributed. */
export function classifyCase(
  variant: Config,
  base: Config,
  s0: State,
  c: Case,
  props: readonly Property[],
): Attributed[] {
  return attribute(
    variant,
    base,
    s0,
    props,
    violationsByProperty(variant, s0, c, props),
    violationsByProperty(base, s0, c, props),
  );
}

/** An attributed violation, shrunk so that it keeps its class (see the top of this file). */
export function shrinkAttributed(variant: Config, base: Config, s0: State, a: Attributed, prop: Property): Violation {
  const holdsUnder = (cfg: Config) => (h: Histories) => violationOn(cfg, s0, prop, h) === null;
  if (a.kind === 'new') return shrinkViolation(variant, s0, a.violation, prop, holdsUnder(base));
  if (a.kind === 'fixed') return shrinkViolation(base, s0, a.violation, prop, holdsUnder(variant));
  return shrinkViolation(variant, s0, a.violation, prop, (h) => violationOn(base, s0, prop, h) !== null);
}
