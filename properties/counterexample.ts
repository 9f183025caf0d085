/**
 * Counterexamples as data: `counterexamples/<property>/<name>.json` is a trace in the apmc-trace/1
 * JSON format (so `apmc run` replays it) with the property, the expected verdict, where it was found,
 * and what a history property's violation carries besides the trace: the second history ("other_ops")
 * or the number of last ops that are the derived part ("tail").
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { traceFromDoc, traceToJson } from '../trace/json.ts';
import { InputError, type Trace } from '../trace/types.ts';
import { traceInitialState } from '../trace/exec.ts';
import { firstStepViolation } from './case.ts';
import type { Found } from './explore.ts';
import { oneProperty } from './registry.ts';
import type { Property, Violation } from './types.ts';

export interface Counterexample {
  readonly trace: Trace;
  readonly property: string;
  readonly expect: 'violates' | 'holds';
  readonly note: string;
  readonly other?: readonly Op[];
  readonly tail?: number;
}

/** Where a check's cases started (`apmc check --from`): the trace's initial configuration and real ids. */
export type Start = Pick<Trace, 'initial' | 'real'>;

/** The trace of a found violation, as a Trace (no comments), from `start` if the check had one. */
export function foundTrace(scope: Scope, policy: string, ops: readonly Op[], start?: Start): Trace {
  const initial = start?.initial ?? null;
  const t: Trace = { scope, scopeSet: [], policy, initial, header: [], steps: ops.map((op) => ({ op })), trailer: [] };
  return start?.real ? { ...t, real: start.real } : t;
}

export function counterexampleDoc(
  scope: Scope,
  policy: string,
  f: Found,
  expect: 'violates' | 'holds',
  note: string,
  start?: Start,
): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    ...traceToJson(foundTrace(scope, policy, f.ops, start)),
    property: f.property,
    expect,
    note,
    reason: f.reason,
    found: { seed: f.seed, path: f.path, runs: f.afterRuns },
  };
  if (f.at !== null) doc['at'] = f.at;
  if (f.other) doc['other_ops'] = f.other;
  if (f.tail !== undefined) doc['tail'] = f.tail;
  return doc;
}

export function parseCounterexample(doc: unknown, file: string): Counterexample {
  const trace = traceFromDoc(doc, file);
  const d = doc as Record<string, unknown>;
  const bad = (p: string): never => {
    throw new InputError(file, null, p);
  };
  if (typeof d['property'] !== 'string') bad('"property" must be a property name or spec id');
  // A name, or the spec id of one property (I7): the counterexample names the property so.
  const named = oneProperty(d['property'] as string);
  if (typeof named === 'string') bad(named);
  const p = named as Property;
  if (d['expect'] !== 'violates' && d['expect'] !== 'holds') bad('"expect" must be "violates" or "holds"');
  if (d['note'] !== undefined && typeof d['note'] !== 'string') bad('"note" must be a string');
  let other: Op[] | undefined;
  if (d['other_ops'] !== undefined) {
    other = traceFromDoc(
      { format: 'apmc-trace/1', scope: trace.scope, ops: d['other_ops'] },
      `${file} (other_ops)`,
    ).steps.map((s) => s.op);
  }
  // Without its second history (or its derived part) a history counterexample would replay as holding.
  const carries = p.kind === 'history' ? p.carries : null;
  const needs = (field: string, what: string): never => bad(`"property" ${p.name} needs "${field}", ${what}`);
  if (carries === 'other' && other === undefined) needs('other_ops', 'the second history');
  const tail = d['tail'];
  if (carries === 'tail' && tail === undefined) needs('tail', 'the number of disturbance ops');
  // 0 or 1: a liveness counterexample whose settling was empty or one op (a scan that never completes).
  if (tail !== undefined && (!Number.isInteger(tail) || (tail as number) < 0 || (tail as number) > trace.steps.length))
    bad('"tail" must be the number of disturbance ops');
  return {
    trace,
    property: p.name,
    expect: d['expect'] as 'violates' | 'holds',
    note: (d['note'] as string | undefined) ?? '',
    ...(other ? { other } : {}),
    ...(typeof tail === 'number' ? { tail } : {}),
  };
}

/** Re-check a counterexample's property on its trace(s) under `cfg.policy`: the violation, or null if it holds. */
export function replay(cfg: Config, cx: Counterexample, prop: Property): Violation | null {
  const s0 = traceInitialState(cx.trace);
  const ops = cx.trace.steps.map((s) => s.op);
  if (prop.kind !== 'history') return firstStepViolation(cfg, s0, ops, [prop]);
  return prop.recheck(cfg, s0, { ops, other: cx.other, tail: cx.tail });
}
