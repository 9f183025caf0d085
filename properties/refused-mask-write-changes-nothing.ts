import { has } from '../model/bits.ts';
import type { StepProperty } from './types.ts';
import { apqnName, cross } from './util.ts';

/**
 * I10: a mask write that would make an assigned APQN default-owned is refused atomically (EBUSY) and
 * the masks stay as they were.
 */
export const refusedMaskWriteChangesNothing: StepProperty = {
  kind: 'step',
  name: 'in-use-refuses-mask-write',
  statement: 'A mask write that would hand an assigned APQN to the default driver is refused and changes nothing.',
  spec: 'I10',
  // An idle step: the same masks: no APQN was handed over, nothing changed.
  holdsWhenIdle: true,
  // A mask write that was refused, or that set a bit of an assigned adapter or domain.
  exercised: (_c, b, op, a) => {
    if (op.kind !== 'apmask' && op.kind !== 'aqmask') return false;
    if (a.result === 'EBUSY') return true;
    const m = a.state.bus;
    const mine = (ap: number, d: number) => has(b.bus.apmask, ap) && has(b.bus.aqmask, d);
    return Object.values(b.mdevs).some((x) =>
      [...cross(x.matrix)].some(([ap, d]) => !mine(ap, d) && has(m.apmask, ap) && has(m.aqmask, d)),
    );
  },
  check: (_cfg, before, op, after) => {
    if (op.kind !== 'apmask' && op.kind !== 'aqmask') return null;
    if (after.result === 'EBUSY') return after.state === before ? null : 'the refused mask write changed the state';
    if (after.result !== 'ok') return null;
    const b = after.state.bus;
    for (const m in before.mdevs) {
      for (const [a, d] of cross(before.mdevs[m]!.matrix)) {
        const was = has(before.bus.apmask, a) && has(before.bus.aqmask, d);
        if (!was && has(b.apmask, a) && has(b.aqmask, d))
          return `${op.kind} handed ${apqnName(a, d)}, assigned to ${m}, to the default driver`;
      }
    }
    return null;
  },
};
