/**
 * A generated case and how it is checked: one trace for the state and step properties; the trace and
 * a reordered copy for order independence; the trace followed by a disturbance and its undoing for
 * recovery.
 */
import { ids } from '../model/bits.ts';
import { crycbApqns, domainLines, observe } from '../model/observe.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Mdev, State } from '../model/state.ts';
import { step, type Step } from '../model/step.ts';
import { configurationKey } from './configuration.ts';
import { quiescent, settle } from './quiescence.ts';
import type { Property } from './types.ts';

export interface Case {
  readonly ops: readonly Op[];
  /** Adjacent transpositions (index into ops, modulo) that derive the second history. */
  readonly swaps: readonly number[];
  /** Which disturbance, and on what, for recovery. */
  readonly disturb: number;
  readonly target: number;
}

export interface Violation {
  readonly property: string;
  /** The ops that show it; for recovery, the disturbance and its undoing are the last ops. */
  readonly ops: readonly Op[];
  /** 0-based index of the step where it broke (state and step properties), or null. */
  readonly at: number | null;
  readonly reason: string;
  /** Order independence: the second history. */
  readonly other?: readonly Op[];
  /** Recovery: how many of the last ops are the disturbance and its undoing. */
  readonly tail?: number;
}

/** Sees every step of a case's first history (engines use it for operation stats and vacuity). */
export type StepHook = (before: State, op: Op, after: Step) => void;

/** Run ops, checking state and step properties after each step; the first violation, or null. */
export function firstStepViolation(cfg: Config, s0: State, ops: readonly Op[], props: readonly Property[], onStep?: StepHook): Violation | null {
  let s = s0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i]!;
    const r = step(cfg, s, op);
    onStep?.(s, op, r);
    let q: boolean | null = null;
    for (const p of props) {
      let why: string | null = null;
      if (p.kind === 'step') why = p.check(cfg, s, op, r);
      else if (p.kind === 'state') {
        if (p.quiescentOnly && (q ??= quiescent(cfg, r.state)) === false) continue;
        why = p.check(cfg, r.state);
      }
      if (why) return { property: p.name, ops: ops.slice(0, i + 1), at: i, reason: why };
    }
    s = r.state;
  }
  return null;
}

/** The final state of ops, settled (scan finished, re-probes done). */
export function runSettled(cfg: Config, s0: State, ops: readonly Op[]): State {
  let s = s0;
  for (const op of ops) s = step(cfg, s, op).state;
  return settle(cfg, s);
}

export function applySwaps(ops: readonly Op[], swaps: readonly number[]): Op[] {
  const out = ops.slice();
  if (out.length < 2) return out;
  for (const k of swaps) {
    const i = k % (out.length - 1);
    [out[i], out[i + 1]] = [out[i + 1]!, out[i]!];
  }
  return out;
}


/** What a guest_matrix gives a guest: its APQNs (the cross product) and control domains; null without a shadow. */
export function gives(x: Mdev): string | null {
  return x.shadow === null ? null : [...crycbApqns(x.shadow), ...domainLines(x.shadow.adm).map((c) => `cd${c}`)].join(' ');
}

/**
 * Order independence for (ops, other): at quiescence, the same configuration ⇒ every mdev's
 * guest_matrix gives the same APQNs and control domains (an adapter without domains gives nothing).
 */
export function orderViolation(cfg: Config, s0: State, ops: readonly Op[], other: readonly Op[]): Violation | null {
  const a = runSettled(cfg, s0, ops);
  const b = runSettled(cfg, s0, other);
  if (configurationKey(a) !== configurationKey(b)) return null;
  for (const m of Object.keys(a.mdevs)) {
    const x = gives(a.mdevs[m]!);
    const y = gives(b.mdevs[m]!);
    if (x !== y) {
      const show = (g: string | null) => (g === null ? 'none' : `{${g}}`);
      return { property: 'order-independence', ops, other, at: null, reason: `same configuration, but ${m}'s guest_matrix gives ${show(x)} after one order and ${show(y)} after the other` };
    }
  }
  return null;
}

/** The disturbances of recovery: [goes away, comes back], built for a state; null when not applicable. */
export function disturbance(cfg: Config, s: State, which: number, target: number): [Op[], Op[]] | null {
  const A = cfg.scope.adapters;
  const D = cfg.scope.domains;
  const a = target % A;
  const d = Math.floor(target / A) % D;
  const attached = Object.keys(s.mdevs).filter((m) => s.mdevs[m]!.kvm !== null);
  switch (which % 7) {
    case 0:
      return [[{ kind: 'unbind', apid: a, apqi: d }], [{ kind: 'bind', apid: a, apqi: d, driver: 'vfio_ap' }]];
    case 1:
      return [[{ kind: 'host', action: 'remove', resource: 'adapter', id: a }], [{ kind: 'host', action: 'add', resource: 'adapter', id: a }]];
    case 2:
      return [[{ kind: 'host', action: 'remove', resource: 'domain', id: d }], [{ kind: 'host', action: 'add', resource: 'domain', id: d }]];
    case 3:
      return [[{ kind: 'apmask', value: `+${a}` }], [{ kind: 'apmask', value: `-${a}` }]];
    case 4:
      return [[{ kind: 'aqmask', value: `+${d}` }], [{ kind: 'aqmask', value: `-${d}` }]];
    case 5:
      return [[{ kind: 'card_config', apid: a, config: 0 }], [{ kind: 'card_config', apid: a, config: 1 }]];
    default: {
      const m = attached[target % Math.max(1, attached.length)];
      if (m === undefined) return null;
      return [
        [{ kind: 'fault', apid: a, apqi: d, fault: 'reset_fails' }, { kind: 'vfio_reset', mdev: m }],
        [{ kind: 'fault', apid: a, apqi: d, fault: 'none' }, { kind: 'vfio_reset', mdev: m }],
      ];
    }
  }
}

/**
 * Recovery for ops + disturbance: if the undoing restores the configuration (reset outcomes aside),
 * every guest must have again every APQN it had before the disturbance.
 */
export function recoveryViolation(cfg: Config, s0: State, ops: readonly Op[], which: number, target: number): Violation | null {
  const before = runSettled(cfg, s0, ops);
  if (!Object.values(before.mdevs).some((x) => x.kvm !== null)) return null;
  const dr = disturbance(cfg, before, which, target);
  return dr === null ? null : recoveryWith(cfg, s0, ops, dr, before);
}

/** Recovery with an explicit disturbance [goes away, comes back] after ops (`settled`: ops already run and settled). */
export function recoveryWith(
  cfg: Config,
  s0: State,
  ops: readonly Op[],
  dr: readonly [readonly Op[], readonly Op[]],
  settled?: State,
): Violation | null {
  const before = settled ?? runSettled(cfg, s0, ops);
  if (!Object.values(before.mdevs).some((x) => x.kvm !== null)) return null;
  let s = before;
  for (const op of dr[0]) {
    const r = step(cfg, s, op);
    if (r.result !== 'ok' && r.result !== 'EIO') return null;
    s = r.state;
  }
  s = settle(cfg, s);
  // Matrices are the administrator's: a kernel that changes them during a disturbance is what recovery is about.
  const key = (x: State, ignoreResets: boolean) => configurationKey(x, { ignoreResets, ignoreMatrices: true });
  if (key(s, true) === key(before, true)) return null; // nothing went away
  for (const op of dr[1]) s = step(cfg, s, op).state;
  const after = settle(cfg, s);
  // Back means back as it was, reset outcomes included: a queue whose reset failed is rightly kept out.
  if (key(after, false) !== key(before, false)) return null;
  const ob = observe(cfg, before).vms;
  const oa = observe(cfg, after).vms;
  // Only what the guest rightly had must come back: adapters whose every queue in the guest's
  // domains was bound to vfio_ap and had not failed its last reset (no single APQN can be filtered).
  const good = (vm: string, apqn: string): boolean => {
    const a = parseInt(apqn.slice(0, 2), 16);
    const c = before.vms[vm]!.crycb;
    return ids(c.aqm).every((d) => {
      const q = before.queues[a * cfg.scope.domains + d];
      return q?.driver === 'vfio_ap' && q.reset !== 'failed';
    });
  };
  for (const vm of Object.keys(ob)) {
    const lost = ob[vm]!.crycb.filter((q) => good(vm, q) && !(oa[vm]?.crycb ?? []).includes(q));
    if (lost.length > 0) {
      return {
        property: 'recovery',
        ops: [...ops, ...dr[0], ...dr[1]],
        at: null,
        tail: dr[0].length + dr[1].length,
        reason: `${vm} had ${lost.join(' ')} before, and not after the resource came back`,
      };
    }
  }
  return null;
}

/** Every violation of `props` in this case (at most one per property kind of check). */
export function checkCase(cfg: Config, s0: State, c: Case, props: readonly Property[], onStep?: StepHook): Violation | null {
  const local = props.filter((p) => p.kind !== 'history');
  const v = local.length > 0 || onStep ? firstStepViolation(cfg, s0, c.ops, local, onStep) : null;
  if (v) return v;
  if (props.some((p) => p.name === 'order-independence') && c.swaps.length > 0) {
    const o = orderViolation(cfg, s0, c.ops, applySwaps(c.ops, c.swaps));
    if (o) return o;
  }
  if (props.some((p) => p.name === 'recovery')) {
    const r = recoveryViolation(cfg, s0, c.ops, c.disturb, c.target);
    if (r) return r;
  }
  return null;
}
