import type { StepProperty } from './types.ts';

/**
 * I15: a rejected operation changes nothing (the very same state). VFIO_DEVICE_RESET's EIO (and the 5.x
 * EBUSY) reports resets that were done.
 */
export const failedOpChangesNothing: StepProperty = {
  kind: 'step',
  name: 'failed-op-changes-nothing',
  statement: 'An operation that fails with an errno leaves the state unchanged.',
  spec: 'I15',
  // An idle step: the same state: nothing changed.
  holdsWhenIdle: true,
  exercised: (_c, _b, _o, a) => a.result !== 'ok',
  check: (_cfg, before, op, after) =>
    after.result !== 'ok' &&
    !(op.kind === 'vfio_reset' && (after.result === 'EIO' || after.result === 'EBUSY')) &&
    after.state !== before
      ? `${op.kind} failed with ${after.result} but changed the state`
      : null,
};
