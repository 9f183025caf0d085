import { nonEmpty } from './exercised.ts';
import { sharedApqn } from './util.ts';
import type { StepProperty } from './types.ts';

/** I12: once an mdev is gone, no guest holds its APQNs and no queue is linked to it. */
export const removedMdevLeavesNothing: StepProperty = {
  kind: 'step',
  name: 'removed-mdev-leaves-nothing',
  statement: 'When an mdev is removed, no guest keeps any of its APQNs and no queue stays linked to it.',
  spec: 'I12',
  // An idle step: the same mdevs: none was removed.
  holdsWhenIdle: true,
  // An mdev with assignments went away.
  exercised: (_c, b, _o, a) => Object.keys(b.mdevs).some((m) => !a.state.mdevs[m] && nonEmpty(b.mdevs[m]!.matrix)),
  check: (_cfg, before, _op, after) => {
    const s = after.state;
    // The same mdevs (the reducer keeps unchanged parts): none was removed, and nothing else is read
    // (the transition cache tracks reads).
    if (s.mdevs === before.mdevs) return null;
    for (const m in before.mdevs) {
      if (s.mdevs[m]) continue;
      const x = before.mdevs[m]!;
      for (const vm in s.vms) {
        const q = sharedApqn(s.vms[vm]!.crycb, x.matrix);
        if (q && !Object.values(s.mdevs).some((o) => o.kvm === vm)) return `${m} was removed but ${vm} still has ${q}`;
      }
      if (s.queues.some((q) => q?.link === m)) return `${m} was removed but a queue is still linked to it`;
    }
    return null;
  },
};
