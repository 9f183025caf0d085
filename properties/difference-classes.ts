/**
 * Every way two designs differ, not just the first (`apmc diff --classes`): a trace's *first difference* is
 * the first step after which the designs' observations differ (model/observation.ts); its *class* is the
 * step's op kind and the kinds of entry that differ after it, with the ids taken out (`unbind: 05.0001
 * driver, m1 guest_matrix` is `unbind: driver, guest_matrix`), and the two results when they differ. Two
 * traces of one class show the same departure of one design from the other on the same kind of operation.
 *
 * The random engine samples cases as `apmc diff` does and keeps, per class, the shortest trace that ends at
 * its first difference; each is then shrunk, keeping its class. The exhaustive engine (exhaustive/
 * product-classes.ts) finds a shortest trace per class.
 */
import { differences, observation, type ObserveLevel } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { type Step, step } from '../model/step.ts';
import type { Mechanism } from '../model/op-values.ts';
import { caseArb, mechanismSet } from './arbitraries.ts';
import type { AbortFlag } from './abort.ts';
import type { Case } from './case.ts';
import { Budget, sampleRound } from './sampling.ts';
import { firstDifference } from './difference.ts';
import { shrinkOps } from './shrink.ts';
import type { Violation } from './types.ts';

/** An op's kind as a class names it: the kind, and what tells its variants apart (a host removal, a fault). */
export function opKindOf(op: Op): string {
  switch (op.kind) {
    case 'host':
      return `host ${op.action} ${op.resource}`;
    case 'fault':
      return `fault ${op.fault}`;
    case 'reprobe':
      return op.half ? `reprobe ${op.half}` : 'reprobe';
    case 'remove':
      return op.async ? 'remove &' : 'remove';
    case 'apmask':
    case 'aqmask':
      return op.async ? `${op.kind} &` : op.kind;
    case 'card_config':
      return `card_config ${op.config}`;
    case 'driver_override':
      return op.driver === null ? 'driver_override none' : 'driver_override';
    default:
      return op.kind;
  }
}

/** An observation entry's kind: its name with the APQNs, adapters, domains, mdevs and VMs taken out. */
const ID = /^(?:[0-9a-f]{2}\.[0-9a-f]{4}|m\d+|vm\d+)$/;
export const entryKind = (what: string): string =>
  what
    .split(' ')
    .filter((w) => !ID.test(w))
    .join(' ');

/** The class of a first difference: the op's kind, the results when they differ, the kinds of entry that differ. */
export function differenceClass(ca: Config, ra: Step, cb: Config, rb: Step, op: Op, level: ObserveLevel): string {
  const x = observation(ca, ra.state, ra.result, level, ra.events);
  const y = observation(cb, rb.state, rb.result, level, rb.events);
  const kinds = new Set<string>();
  for (const d of differences(x, y)) kinds.add(d.what === 'result' ? `result ${d.a}/${d.b}` : entryKind(d.what));
  return `${opKindOf(op)}: ${[...kinds].sort().join(', ')}`;
}

/** The first difference of `ops` (its index and class), or null when the designs agree after every step. */
export function firstDifferenceClass(
  ca: Config,
  cb: Config,
  s0: State,
  ops: readonly Op[],
  level: ObserveLevel,
): { readonly at: number; readonly cls: string } | null {
  const at = firstDifference(ca, cb, s0, ops, level);
  if (at === null) return null;
  let a = s0;
  let b = s0;
  for (let i = 0; i < at; i++) {
    a = step(ca, a, ops[i]!).state;
    b = step(cb, b, ops[i]!).state;
  }
  return { at, cls: differenceClass(ca, step(ca, a, ops[at]!), cb, step(cb, b, ops[at]!), ops[at]!, level) };
}

/** One class and a trace of it: the designs agree before its last step and differ, so, after it. */
export interface ClassFound {
  readonly cls: string;
  readonly ops: readonly Op[];
  /** Cases (random) or pairs stored (exhaustive) when the class was first met, and ms since the start. */
  readonly after: number;
  readonly foundMs: number;
}

export interface ClassesOptions {
  readonly seed: number;
  readonly runs: number;
  readonly timeMs?: number;
  readonly maxOps?: number;
  readonly mechanisms?: readonly Mechanism[];
  readonly signal?: AbortFlag;
}

export interface ClassesSearch {
  /** In the order first met. */
  readonly classes: readonly ClassFound[];
  readonly runs: number;
  readonly maxOps: number;
  readonly ms: number;
  readonly stoppedBy: string | null;
}

/** Sample cases; per class of first difference, the shortest case's prefix, then shrunk within its class. */
export async function searchDifferenceClasses(
  ca: Config,
  cb: Config,
  s0: State,
  level: ObserveLevel,
  opt: ClassesOptions,
): Promise<ClassesSearch> {
  const t0 = Date.now();
  const budget = new Budget(t0, opt.timeMs, opt.signal);
  const maxOps = opt.maxOps ?? 20;
  const found = new Map<string, ClassFound>();
  const arb = caseArb(ca.scope, maxOps, mechanismSet(opt.mechanisms));
  const r = await sampleRound(arb, opt.seed, opt.runs, budget, (c: Case, _phase, searched) => {
    const d = firstDifferenceClass(ca, cb, s0, c.ops, level);
    if (d === null) return true;
    const had = found.get(d.cls);
    if (!had || had.ops.length > d.at + 1) {
      const first = had ?? { after: searched, foundMs: Date.now() - t0 };
      found.set(d.cls, { cls: d.cls, ops: c.ops.slice(0, d.at + 1), after: first.after, foundMs: first.foundMs });
    }
    return true;
  });
  const classes = [...found.values()].map((f) => shrinkWithin(ca, cb, s0, level, f, opt.signal));
  return { classes, runs: r.searched, maxOps, ms: Date.now() - t0, stoppedBy: r.stoppedBy };
}

/** apmc's shrinking passes on a class's trace: a candidate stays if it first differs at its last step, in the class. */
function shrinkWithin(
  ca: Config,
  cb: Config,
  s0: State,
  level: ObserveLevel,
  f: ClassFound,
  signal: AbortFlag | undefined,
): ClassFound {
  const v = (ops: readonly Op[]): Violation => ({ property: 'difference', ops, at: ops.length - 1, reason: f.cls });
  const test = (ops: readonly Op[]): Violation | null => {
    if (signal?.aborted) return null;
    const d = firstDifferenceClass(ca, cb, s0, ops, level);
    return d !== null && d.cls === f.cls && d.at === ops.length - 1 ? v(ops) : null;
  };
  return { ...f, ops: shrinkOps(f.ops, test, v(f.ops)).ops };
}
