/**
 * Op sequences the swarm draws as one family each (properties/swarm.ts): the few-step stories the invariants on
 * resets, reuse and the KVM notifier need, drawn from the state reached so that they act on the guests there are.
 */
import { ids } from '../model/bits.ts';
import { ASSIGNMENTS, FAULTS, idCount, vmNames } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';

/** Numbers in [0, 1), properties/prng.ts. */
export type Rng = () => number;

export const below = (r: Rng, n: number): number => Math.floor(r() * n);
export const pick = <T>(r: Rng, xs: readonly T[]): T => xs[below(r, xs.length)]!;

/** What an op is drawn from: the scope, the state the case has reached, and the mdevs the case created. */
export interface Where {
  readonly scope: Scope;
  /** The configuration the case runs under (what some ops' enabledness depends on). */
  readonly cfg: Config;
  readonly s: State;
  /** mdev names some op of the case creates (only those are named: every case is a valid trace file). */
  readonly created: readonly string[];
}

/** A created mdev, the existing ones (those `want` accepts) preferred. */
export function mdevOf(r: Rng, w: Where, want: (name: string) => boolean = (m) => m in w.s.mdevs): string | null {
  if (w.created.length === 0) return null;
  const good = w.created.filter(want);
  return good.length > 0 && r() < 0.85 ? pick(r, good) : pick(r, w.created);
}

/** An adapter or domain moved from one mdev to another: its unassignment, then its assignment. */
export function move(r: Rng, w: Where): readonly Op[] | null {
  const live = w.created.filter((m) => m in w.s.mdevs);
  if (live.length < 2) return null;
  const from = pick(r, live);
  const to = pick(
    r,
    live.filter((m) => m !== from),
  );
  const res = pick(r, ['adapter', 'domain'] as const);
  const m = w.s.mdevs[from]!.matrix;
  const held = ids(res === 'adapter' ? m.apm : m.aqm);
  const id = held.length > 0 ? pick(r, held) : below(r, idCount(w.scope, res));
  const [assign, unassign] = ASSIGNMENTS[res];
  return [
    { kind: unassign, mdev: from, id },
    { kind: assign, mdev: to, id },
  ];
}

/** The mdevs with a guest, and each one's guest's APQNs. */
function guests(w: Where): { mdev: string; apqns: [number, number][] }[] {
  const out: { mdev: string; apqns: [number, number][] }[] = [];
  for (const mdev of w.created) {
    const vm = w.s.mdevs[mdev]?.kvm;
    const crycb = vm == null ? undefined : w.s.vms[vm]?.crycb;
    if (crycb === undefined) continue;
    const apqns: [number, number][] = [];
    for (const a of ids(crycb.apm)) for (const d of ids(crycb.aqm)) apqns.push([a, d]);
    out.push({ mdev, apqns: apqns.filter(([a, d]) => a < w.scope.adapters && d < w.scope.domains) });
  }
  return out;
}

/**
 * A fault on a queue of a guest, then what resets its queues: the guest stopped or its device reset; half the time
 * after a stop the mdev goes to a guest again (a queue reused after its reset).
 */
export function faultThenReset(r: Rng, w: Where): readonly Op[] | null {
  const held = guests(w).filter((g) => g.apqns.length > 0);
  if (held.length === 0) return null;
  const g = pick(r, held);
  const [apid, apqi] = pick(r, g.apqns);
  const fault = pick(
    r,
    FAULTS.filter((f) => f !== 'none' && f !== 'busy'),
  );
  const ops: Op[] = [{ kind: 'fault', apid, apqi, fault }];
  if (r() < 0.5) return [...ops, { kind: 'vfio_reset', mdev: g.mdev }];
  const vm = w.s.mdevs[g.mdev]!.kvm!;
  const other = vmNames(w.scope).find((v) => v !== vm) ?? vm;
  ops.push({ kind: 'stop', mdev: g.mdev });
  return r() < 0.5 ? [...ops, { kind: 'start', mdev: g.mdev, vm: other }] : ops;
}

/** A guest stopped and its mdev given to a guest again, another VM preferred: a queue reused. */
export function restart(r: Rng, w: Where): readonly Op[] | null {
  const held = guests(w);
  if (held.length === 0) return null;
  const g = pick(r, held);
  const vm = w.s.mdevs[g.mdev]!.kvm!;
  const others = vmNames(w.scope).filter((v) => v !== vm);
  return [
    { kind: 'stop', mdev: g.mdev },
    { kind: 'start', mdev: g.mdev, vm: others.length > 0 && r() < 0.7 ? pick(r, others) : vm },
  ];
}

/**
 * The KVM notifier reports a guest gone, while QEMU holds the device; then, a third of the time each, QEMU stops and
 * the mdev gets a guest again, or the mdev is removed (the remove waits for QEMU) and QEMU stops.
 */
export function kvmGone(r: Rng, w: Where): readonly Op[] | null {
  const mdev = mdevOf(r, w, (m) => w.s.mdevs[m]?.kvm != null);
  if (mdev === null) return null;
  const vm = w.s.mdevs[mdev]?.kvm;
  const gone: Op = { kind: 'kvm_gone', mdev };
  const x = r();
  if (vm == null || x < 1 / 3) return [gone];
  if (x < 2 / 3) {
    return [gone, { kind: 'remove', mdev }, { kind: 'stop', mdev }];
  }
  const other = vmNames(w.scope).find((v) => v !== vm) ?? vm;
  return [gone, { kind: 'stop', mdev }, { kind: 'start', mdev, vm: other }];
}
