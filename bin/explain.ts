/** `apmc explain` and `apmc diff`: load a trace or a counterexample file, render it. */
import { renderSh } from '../render/sh.ts';
import { stdio } from './io.ts';
import { mapsEveryId } from '../render/sh-machine.ts';
import type { ChalkInstance } from 'chalk';
import type { Scope } from '../model/scope.ts';
import { parseCounterexample } from '../properties/counterexample.ts';
import { oneProperty, PROPERTY_NAMES, propertyByName, SPEC_IDS } from '../properties/registry.ts';
import { InputError, isJsonTrace, parseJsonTrace, parseTextTrace, traceToJson, type Trace } from '../trace/index.ts';
import { explain, type Subject } from '../render/explain.ts';
import { stepEventsJson } from '../trace/events.ts';
import { explainMarkdown } from '../render/md.ts';
import { explainText } from '../render/text.ts';
import { tracePolicy, loadPolicy } from './load-policy.ts';
import { withScopeFlags } from './load-trace.ts';
import { isBuiltIn } from '../model/policies/index.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { traceFault } from './run-fault.ts';
import { readInput } from './read-input.ts';
import { closest, UsageError } from './usage.ts';

export type ScopeFlags = Partial<Record<keyof Scope, string | undefined>>;

/** The line of the first `"key":` in a JSON text, for errors about a field (parsers report none). */
function lineOf(text: string, key: string): number | null {
  const i = text.search(new RegExp(`"${key}"\\s*:`));
  return i < 0 ? null : text.slice(0, i).split('\n').length;
}

/** Run a parser; an InputError without a line that names a field `"key"` gets the line of that field. */
function withLine<T>(text: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (!(e instanceof InputError) || e.line !== null) throw e;
    // Problems about a field start with its "key"; those about the property name it.
    const key =
      /^"(\w+)"/.exec(e.problem)?.[1] ??
      (/^(unknown property|\S+ names \d+ properties)/.test(e.problem) ? 'property' : undefined);
    const line = key ? lineOf(text, key) : null;
    throw line === null ? e : new InputError(e.file, line, e.problem);
  }
}

/** A trace file (text or JSON) or a counterexample file (JSON with "property"): what to explain. */
export function loadSubject(file: string): Subject {
  const text = readInput(file, 'trace');
  if (!isJsonTrace(text, file)) return { trace: parseTextTrace(text, file) };
  const trace = withLine(text, () => parseJsonTrace(text, file));
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (doc['property'] === undefined) return { trace };
  const cx = withLine(text, () => parseCounterexample(doc, file));
  const property = propertyByName(cx.property)!;
  return { trace: cx.trace, property, note: cx.note, expect: cx.expect, other: cx.other, tail: cx.tail };
}

export interface ExplainFlags {
  readonly format?: string | undefined;
  readonly policy?: string | undefined;
  /** `--property`: a name or a spec id of one property, explained at every step. */
  readonly property?: string | undefined;
  readonly scope: ScopeFlags;
}

/**
 * The subject with `--property` as its property: a state or step property on the (first) trace; a history
 * property only on a counterexample that carries what it needs (UsageError otherwise).
 */
export function withProperty(subject: Subject, word: string): Subject {
  const p = oneProperty(word);
  if (typeof p === 'string') {
    const hint = closest(word, [...PROPERTY_NAMES, ...SPEC_IDS]);
    throw new UsageError(`--property: ${p}${hint && !p.includes('names') ? ` (did you mean '${hint}'?)` : ''}`);
  }
  const own = subject.property === p;
  const base = { trace: subject.trace, property: p, ...(own ? { note: subject.note, expect: subject.expect } : {}) };
  if (p.kind !== 'history') return base;
  const need =
    p.carries === 'other'
      ? subject.other === undefined && '"other_ops" (two histories)'
      : subject.tail === undefined && '"tail" (a disturbance)';
  if (need) throw new UsageError(`--property ${word} needs a counterexample with ${need}`);
  return { ...base, ...(p.carries === 'other' ? { other: subject.other } : { tail: subject.tail }) };
}

/** `apmc explain`: the rendering of a trace or counterexample in the chosen format. */
export async function explainCommand(
  c: ChalkInstance,
  file: string,
  f: ExplainFlags,
  onLoaded: () => void = () => {},
): Promise<string> {
  const format = f.format ?? 'text';
  if (!['text', 'md', 'json', 'sh'].includes(format))
    throw new UsageError(`--format: expected text, md, json or sh, got '${format}'`);
  const loaded = loadSubject(file);
  const scoped: Subject = { ...loaded, trace: withScopeFlags(loaded.trace, f.scope, file) };
  const subject = f.property === undefined ? scoped : withProperty(scoped, f.property);
  // A policy file loads only from --policy; the policy a trace or counterexample names must be built in.
  const raw = f.policy !== undefined ? await loadPolicy(f.policy) : tracePolicy(subject.trace, file);
  onLoaded();
  const trace: Trace = { ...subject.trace, policy: raw.name };
  // A misbehaving policy file is a policy error at its step (exit 7); what runs after is guarded too.
  const fault = isBuiltIn(raw) ? null : traceFault(trace, raw, file);
  if (fault) throw fault;
  const policy = guardPolicy(raw).policy;
  if (format === 'sh') {
    if (!mapsEveryId(trace))
      stdio.error('apmc: warning: no real ids: model id i stands for real id i (see the script)');
    return renderSh(trace, {
      policy,
      source: file,
      ...(subject.property ? { property: subject.property.name } : {}),
      ...(subject.note ? { note: subject.note } : {}),
      ...(subject.other ? { other: subject.other } : {}),
    });
  }
  const ex = explain(subject, policy, undefined, { everyStep: f.property !== undefined });
  if (format === 'json') {
    const v = ex.violation;
    const doc: Record<string, unknown> = { ...traceToJson(trace) };
    if (subject.property) {
      Object.assign(doc, { property: subject.property.name, expect: subject.expect, note: subject.note });
      if (subject.other) doc['other_ops'] = subject.other;
      if (subject.tail !== undefined) doc['tail'] = subject.tail;
    }
    if (v) Object.assign(doc, { violated: v.property, reason: v.reason, ...(v.at !== null ? { at: v.at } : {}) });
    if (ex.violatedSteps) doc['violated_steps'] = ex.violatedSteps;
    // The kernel's events per step (history A; history B's as other_events), as counterexample files keep them.
    const [ha, hb] = ex.histories;
    const events = ha ? stepEventsJson(ha.steps) : [];
    if (events.length > 0) doc['events'] = events;
    const other = hb ? stepEventsJson(hb.steps) : [];
    if (other.length > 0) doc['other_events'] = other;
    return JSON.stringify(doc, null, 2);
  }
  if (format === 'md') return explainMarkdown(ex, file);
  return explainText(c, ex, { header: true, title: file });
}
