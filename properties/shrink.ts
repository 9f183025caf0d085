/**
 * apmc's shrinking passes, after fast-check's: truncate after the failing step, delete single ops
 * and blocks, lower ids, drop `&`, and rename mdevs and VMs canonically (m1, m2, vm1 …) — each change
 * kept only if the *same* property still fails (and, given a `keep` predicate, the candidate still meets it:
 * properties/attribution.ts keeps a violation attributable to a variant so). Repeated until nothing changes.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { firstStepViolation } from './case.ts';
import type { Histories, Property, Violation } from './types.ts';

interface Cand {
  readonly ops: readonly Op[];
  /** A second history (the violation's `other`): perm.map((i) => ops[i]). */
  readonly perm?: readonly number[];
  /** A derived part (the violation's `tail`): fixed ops appended after `ops`. */
  readonly tail?: readonly Op[];
}

type Test = (c: Cand) => Violation | null;

/** The histories a candidate stands for, as a history property rechecks them. */
function histories(c: Cand): Histories {
  if (c.perm) return { ops: c.ops, other: c.perm.map((i) => c.ops[i]!) };
  if (c.tail) return { ops: [...c.ops, ...c.tail], tail: c.tail.length };
  return { ops: c.ops };
}

function tester(cfg: Config, s0: State, prop: Property): Test {
  if (prop.kind !== 'history') return (c) => firstStepViolation(cfg, s0, c.ops, [prop]);
  return (c) => prop.recheck(cfg, s0, histories(c));
}

function without(c: Cand, from: number, n: number): Cand {
  const ops = [...c.ops.slice(0, from), ...c.ops.slice(from + n)];
  if (!c.perm) return { ...c, ops };
  const perm = c.perm.filter((i) => i < from || i >= from + n).map((i) => (i >= from + n ? i - n : i));
  return { ...c, ops, perm };
}

const replaceOp = (c: Cand, i: number, op: Op): Cand => ({ ...c, ops: c.ops.map((o, j) => (j === i ? op : o)) });

/** Smaller variants of one op: lower ids, no `&`. */
function simpler(op: Op): Op[] {
  const out: Op[] = [];
  const o = op as unknown as Record<string, unknown>;
  for (const k of ['id', 'apid', 'apqi'] as const) {
    const v = o[k];
    if (typeof v === 'number') for (let x = 0; x < v; x++) out.push({ ...o, [k]: x } as unknown as Op);
  }
  if (o['async'] === true) {
    const { async: _a, ...rest } = o;
    out.push(rest as unknown as Op);
  }
  return out;
}

/** Rename mdevs and VMs in order of first appearance: m1, m2 …, vm1, vm2 … */
function canonicalNames(ops: readonly Op[]): Op[] {
  const names = new Map<string, string>();
  const rename = (n: string, prefix: 'm' | 'vm') => {
    const k = `${prefix}:${n}`;
    if (!names.has(k))
      names.set(k, `${prefix}${[...names.keys()].filter((x) => x.startsWith(`${prefix}:`)).length + 1}`);
    return names.get(k)!;
  };
  return ops.map((op) => {
    let o: Op = op;
    if ('mdev' in o) o = { ...o, mdev: rename(o.mdev, 'm') } as Op;
    if ('vm' in o) o = { ...o, vm: rename(o.vm, 'vm') } as Op;
    return o;
  });
}

/** A further condition every accepted candidate meets, on the histories it stands for. */
export type Keep = (h: Histories) => boolean;

export function shrinkViolation(cfg: Config, s0: State, v: Violation, prop: Property, keep?: Keep): Violation {
  const fails = tester(cfg, s0, prop);
  const test: Test = keep
    ? (c) => {
        const r = fails(c);
        return r !== null && keep(histories(c)) ? r : null;
      }
    : fails;
  let c: Cand;
  if (v.other) {
    // Recover the permutation by identity: the second history reorders the same op objects.
    const used = new Set<number>();
    const perm = v.other.map((op) => {
      const i = v.ops.findIndex((x, j) => x === op && !used.has(j));
      used.add(i);
      return i;
    });
    c = { ops: v.ops, perm };
  } else if (v.tail) {
    c = { ops: v.ops.slice(0, v.ops.length - v.tail), tail: v.ops.slice(v.ops.length - v.tail) };
  } else {
    c = { ops: v.at !== null ? v.ops.slice(0, v.at + 1) : v.ops };
  }
  return shrinkCand(c, test, v);
}

/**
 * The same passes for any plain trace and any test that says whether a candidate still fails (and
 * how): used for policy errors, whose test is "the guarded policy still faults".
 */
export function shrinkOps(ops: readonly Op[], test: (ops: readonly Op[]) => Violation | null, v: Violation): Violation {
  return shrinkCand({ ops }, (c) => test(c.ops), v);
}

function shrinkCand(c: Cand, test: Test, v: Violation): Violation {
  let best = test(c) ?? v;
  const accept = (next: Cand): boolean => {
    const r = test(next);
    if (r === null) return false;
    c = next;
    best = r;
    return true;
  };
  for (let round = 0, changed = true; changed && round < 20; round++) {
    changed = false;
    // Blocks, largest first, then single ops; from the end, so setup survives longest.
    for (let size = Math.max(1, Math.floor(c.ops.length / 2)); size >= 1; size = Math.floor(size / 2)) {
      for (let from = c.ops.length - size; from >= 0; from--) {
        if (from + size <= c.ops.length && accept(without(c, from, size))) changed = true;
      }
      if (size === 1) break;
    }
    for (let i = 0; i < c.ops.length; i++) {
      for (const op of simpler(c.ops[i]!)) {
        if (accept(replaceOp(c, i, op))) {
          changed = true;
          break;
        }
      }
    }
    const canon = canonicalNames(c.ops);
    if (JSON.stringify(canon) !== JSON.stringify(c.ops) && !c.tail && accept({ ...c, ops: canon })) changed = true;
  }
  return best;
}
