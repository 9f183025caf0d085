/** `apmc run`: execute a trace and print each step, its result and what changed. */
import type { ChalkInstance } from 'chalk';
import { observe, type Observation } from '../model/observe.ts';
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { execTrace, type Executed } from '../trace/exec.ts';
import { formatOp } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';
import { changes } from './changes.ts';
import { eventJson, type EventJson } from '../trace/events.ts';
import { oneLine, wrapLine } from '../render/term.ts';

export interface RunStep {
  readonly op: string;
  readonly result: string;
  readonly changes: string[];
  /** The kernel events of the step (WARN, oops, hang, log lines), in order. */
  readonly events: EventJson[];
}

export interface RunReport {
  readonly format: 'apmc-run/1';
  readonly policy: string;
  readonly scope: Scope;
  readonly steps: RunStep[];
  readonly final: Observation;
}

export function runReport(t: Trace, policy: Policy): RunReport {
  const ex: Executed = execTrace(t, policy);
  let before = observe(ex.cfg, ex.initial);
  const steps = ex.steps.map((s) => {
    const after = observe(ex.cfg, s.state);
    const r = {
      op: formatOp(s.op),
      result: s.result,
      changes: changes(before, after),
      events: s.events.map(eventJson),
    };
    before = after;
    return r;
  });
  return { format: 'apmc-run/1', policy: policy.name, scope: t.scope, steps, final: before };
}

const list = (xs: readonly string[] | null): string =>
  xs === null ? '(no shadow)' : xs.length ? xs.join(' ') : '(empty)';

/** The text rendering within 80 columns: numbered steps, results, indented changes; then the final matrices. */
export function renderRun(c: ChalkInstance, r: RunReport): string {
  const scope = Object.entries(r.scope)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const lines: string[] = wrapLine(`policy ${oneLine(r.policy)}, scope ${scope}`).map((l) => c.bold(l));
  // Long lines (many ids at a large scope) wrap at their spaces, under their own text.
  const add = (text: string, indent: string) => lines.push(...wrapLine(text, 80, indent));
  const w = Math.min(
    44,
    r.steps.reduce((m, s) => Math.max(m, oneLine(s.op).length), 10),
  );
  const n = String(r.steps.length).length;
  r.steps.forEach((s, i) => {
    const res = s.result === 'ok' ? c.green('ok') : c.red(oneLine(s.result));
    add(`${String(i + 1).padStart(n)}  ${oneLine(s.op).padEnd(w)}  ${res}`, ' '.repeat(n + 4));
    for (const ch of s.changes) add(`${' '.repeat(n + 2)}  ${c.dim('·')} ${oneLine(ch)}`, ' '.repeat(n + 6));
    // The kernel's lines, as dmesg would show them: marked apart from the state's changes.
    for (const e of s.events) add(`${' '.repeat(n + 2)}  ${c.yellow('!')} ${oneLine(e.line)}`, ' '.repeat(n + 6));
  });
  lines.push('', c.bold('final'));
  for (const [m, x] of Object.entries(r.final.mdevs)) {
    add(`  ${m}${x.vm ? ` (attached to ${x.vm})` : ''}${x.removing ? ' (remove pending)' : ''}`, '    ');
    add(`    matrix:       ${list(x.matrix)}`, ' '.repeat(18));
    add(`    guest_matrix: ${list(x.guest_matrix)}`, ' '.repeat(18));
    if (x.control_domains.length) add(`    control_domains: ${x.control_domains.join(' ')}`, ' '.repeat(21));
  }
  for (const [v, x] of Object.entries(r.final.vms)) {
    add(`  ${v} crycb: ${list(x.crycb)}${x.mdev ? ` (mdev ${x.mdev})` : ''}`, '    ');
  }
  if (Object.keys(r.final.mdevs).length + Object.keys(r.final.vms).length === 0) lines.push('  no mdev, no guest');
  return lines.join('\n');
}
