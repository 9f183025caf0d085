/**
 * `apmc diff`: one trace under two policies, compared step by step on what can be observed at a level
 * (model/observation.ts: what guests get, what sysfs shows, or the whole model state).
 */
import type { ChalkInstance } from 'chalk';
import { type Difference, differences, type ObserveLevel, observation } from '../model/observation.ts';
import type { Config, Policy } from '../model/policy.ts';
import { step, type Result } from '../model/step.ts';
import { traceInitialState } from '../trace/exec.ts';
import { formatOp } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';
import { guestGrids, gridLines, LEGEND, type Grid } from './grid.ts';
import { pad, sideBySide, wrap } from './layout.ts';
import { clip, oneLine, wrapLine } from './term.ts';

export type { Difference } from '../model/observation.ts';

export interface DiffStep {
  readonly n: number;
  readonly op: string;
  readonly results: readonly [Result, Result];
  readonly diffs: Difference[];
  readonly grids: readonly [Grid[], Grid[]];
}

export interface DiffReport {
  readonly policies: readonly [string, string];
  /** What counts as a difference (model/observation.ts). */
  readonly level: ObserveLevel;
  readonly steps: DiffStep[];
  /** Index into steps of the first step after which the observed states differ, or null. */
  readonly first: number | null;
  /** The differences after the last step. */
  readonly final: Difference[];
}

/** Run `t` under both policies side by side. Pure. */
export function diffTraces(t: Trace, pa: Policy, pb: Policy, level: ObserveLevel = 'sysfs'): DiffReport {
  const ca: Config = { scope: t.scope, policy: pa };
  const cb: Config = { scope: t.scope, policy: pb };
  let sa = traceInitialState(t);
  let sb = sa;
  const steps = t.steps.map(({ op }, i): DiffStep => {
    const ra = step(ca, sa, op);
    const rb = step(cb, sb, op);
    sa = ra.state;
    sb = rb.state;
    return {
      n: i + 1,
      op: formatOp(op),
      results: [ra.result, rb.result],
      diffs: differences(
        observation(ca, sa, ra.result, level, ra.events),
        observation(cb, sb, rb.result, level, rb.events),
      ),
      grids: [guestGrids(ca, sa), guestGrids(cb, sb)],
    };
  });
  const first = steps.findIndex((s) => s.diffs.length > 0);
  const final = differences(observation(ca, sa, null, level), observation(cb, sb, null, level));
  return { policies: [pa.name, pb.name], level, steps, first: first < 0 ? null : first, final };
}

function diffLines(d: DiffReport, ds: readonly Difference[], width: number): string[] {
  const [a, b] = d.policies;
  return ds.flatMap((x) => wrap(oneLine(`${x.what}: ${x.a} under ${a}, ${x.b} under ${b}`), width, '    ', '  '));
}

function bothGrids(c: ChalkInstance, d: DiffReport, gs: readonly [Grid[], Grid[]], width: number): string[] {
  const [a, b] = d.policies;
  const blocks = [
    ...gs[0].map((g) => ({ ...g, title: `${a}: ${g.title}` })),
    ...gs[1].map((g) => ({ ...g, title: `${b}: ${g.title}` })),
  ];
  if (blocks.length === 0) return ['  (no mdev, no guest)'];
  return sideBySide(
    blocks.map((g) => gridLines(c, g, width - 2)),
    width - 2,
  ).map((l) => (l ? '  ' + l : l));
}

/** The diff as text within `width` columns. */
export function diffText(c: ChalkInstance, d: DiffReport, title: string, width = 80): string {
  // Policy names and the file name are shown in prose: clipped in their middle when too long.
  const [a, b] = d.policies.map((p) => clip(oneLine(p), 24)) as [string, string];
  const bold = (text: string) => wrapLine(text, width).map((l) => c.bold(l));
  const out = [...bold(`${clip(oneLine(title), width - 40)} under ${a} and under ${b}`), ''];
  const nw = String(d.steps.length).length;
  const ops = d.steps.map((s) => oneLine(s.op));
  const ow = Math.min(
    36,
    ops.reduce((m, op) => Math.max(m, op.length), 9),
  );
  const rw = Math.max(a.length, 6);
  out.push(c.bold(`  ${'#'.padStart(nw)}  ${pad('operation', ow)}  ${pad(a, rw)}  ${b}`));
  for (const [i, s] of d.steps.entries()) {
    const gutter = i === d.first ? c.red.bold('>') : s.diffs.length > 0 ? '*' : ' ';
    const r = (x: Result) => (x === 'ok' ? c.green(x) : c.red(oneLine(x)));
    const results = `${pad(r(s.results[0]), rw)}  ${r(s.results[1])}`;
    const row = `${gutter} ${String(s.n).padStart(nw)}  ${pad(ops[i]!, ow)}  ${results}`;
    out.push(...wrapLine(row, width, ' '.repeat(nw + 6)));
  }
  out.push(c.dim(`> first difference   * the observable states differ after this step`), '');
  if (d.first === null) {
    const same = 'every step gives the same result and the same observable state';
    out.push(...bold(`no difference: ${same} under ${a} and ${b}`));
    return out.join('\n');
  }
  const f = d.steps[d.first]!;
  out.push(...bold(`first difference, after step ${f.n} (${ops[d.first]}):`), ...diffLines(d, f.diffs, width));
  out.push('', ...bothGrids(c, d, f.grids, width));
  const last = d.steps.at(-1)!;
  out.push('');
  if (f === last) out.push(c.bold('that is the last step: the final states differ as shown'));
  else if (d.final.length === 0) {
    out.push(...bold(`at the end (after step ${last.n}) the observable states agree again`));
  } else {
    const n = `${d.final.length} difference${d.final.length > 1 ? 's' : ''}`;
    out.push(...bold(`at the end (after step ${last.n}), ${n}:`), ...diffLines(d, d.final, width));
    out.push('', ...bothGrids(c, d, last.grids, width));
  }
  out.push('', ...LEGEND.map((l) => c.dim(l)));
  return out.join('\n');
}
