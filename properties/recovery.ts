/**
 * I8: after a resource goes away (unbind, mask change, host removal, adapter deconfigure, failed
 * reset: properties/disturbances.ts) and comes back, with no administrator action on any mdev, every
 * guest has again at least the APQNs it had.
 *
 * - Random engine: the case's ops, settled, then the case's disturbance and its undoing.
 * - Exhaustive engine: from every new settled class with a guest that has queues, every target of
 *   every disturbance is applied and undone. Under symmetry reduction the trace to the stored state
 *   reaches an image of it, so the disturbance that shows the violation is then an image too.
 */
import { ids } from '../model/bits.ts';
import { observe } from '../model/observe.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { runSettled } from './case.ts';
import { configurationKey } from './configuration.ts';
import { caseDisturbance, DISTURBANCES, type Disturbed } from './disturbances.ts';
import { guestWithQueues, onState } from './exercised.ts';
import { settle } from './quiescence.ts';
import type { HistoryProperty, Violation } from './types.ts';

const NAME = 'recovery';

const anyAttached = (s: State): boolean => Object.values(s.mdevs).some((x) => x.kvm !== null);

/**
 * Recovery for ops + disturbance [goes away, comes back] (`settled`: ops already run and settled):
 * if the undoing restores the configuration (reset outcomes aside), every guest must have again every
 * APQN it rightly had before the disturbance.
 */
export function recoveryWith(
  cfg: Config,
  s0: State,
  ops: readonly Op[],
  dr: Disturbed,
  settled?: State,
): Violation | null {
  const before = settled ?? runSettled(cfg, s0, ops);
  if (!anyAttached(before)) return null;
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
        property: NAME,
        ops: [...ops, ...dr[0], ...dr[1]],
        at: null,
        tail: dr[0].length + dr[1].length,
        reason: `${vm} had ${lost.join(' ')} before, and not after the resource came back`,
      };
    }
  }
  return null;
}

export const recovery: HistoryProperty = {
  kind: 'history',
  name: NAME,
  statement: 'When a resource goes away and comes back with no action on the mdev, every guest gets back what it had.',
  spec: 'I8',
  // A guest that had queues to lose.
  exercised: onState(guestWithQueues),
  shardSafe: true,
  carries: 'tail',
  tailLabel: 'disturbance: the resource goes away, then comes back',
  checkCase(cfg, s0, c) {
    const before = runSettled(cfg, s0, c.ops);
    if (!anyAttached(before)) return null;
    const dr = caseDisturbance(cfg, before, c);
    return dr === null ? null : recoveryWith(cfg, s0, c.ops, dr, before);
  },
  recheck(cfg, s0, h) {
    const t = h.tail ?? 0;
    if (t < 2) return null;
    const tail = h.ops.slice(h.ops.length - t);
    return recoveryWith(cfg, s0, h.ops.slice(0, h.ops.length - t), [tail.slice(0, t / 2), tail.slice(t / 2)]);
  },
  writeCase(cfg, c, w) {
    for (const op of c.ops) w.step(op);
    const dr = caseDisturbance(cfg, w.settle(), c);
    if (!dr) return;
    for (const op of dr[0]) w.step(op);
    w.settle();
    for (const op of dr[1]) w.step(op);
    w.settle();
  },
  exhaustive(ctx) {
    const { cfg, s0 } = ctx;
    return {
      settled(n, s) {
        if (!guestWithQueues(s)) return;
        for (const kind of DISTURBANCES) {
          const targets = kind.targets(cfg.scope);
          for (let target = 0; target < targets; target++) {
            const dr = kind.ops(cfg, s, target);
            if (dr === null || recoveryWith(cfg, s0, [], dr, s) === null) continue;
            const path = ctx.trace(n);
            // The path reaches an image of the stored state: the disturbance is then an image too.
            let again = recoveryWith(cfg, s0, path, dr);
            for (const e of again === null ? ctx.renamings : []) {
              again = recoveryWith(cfg, s0, path, [dr[0].map((o) => e.op(o)), dr[1].map((o) => e.op(o))]);
              if (again !== null) break;
            }
            if (again === null) {
              throw new Error(`exhaustive: ${NAME}: the reconstructed trace does not reproduce the violation`);
            }
            ctx.report(again, path.length + (again.tail ?? 0));
            return;
          }
        }
      },
      receive() {},
    };
  },
};
