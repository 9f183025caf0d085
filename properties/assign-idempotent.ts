import { has } from '../model/bits.ts';
import { RESOURCE_OF } from '../model/ops.ts';
import type { StepProperty } from './types.ts';

/** I13: assigning an assigned id, or unassigning an unassigned one, changes nothing. */
export const assignIdempotent: StepProperty = {
  kind: 'step',
  name: 'assign-idempotent',
  statement: 'Assigning an already-assigned id, or unassigning an unassigned one, changes nothing.',
  spec: 'I13',
  // An idle step: the same state: nothing changed.
  holdsWhenIdle: true,
  // An assign of an assigned id, or an unassign of an unassigned one, on an existing mdev.
  exercised: (_c, b, op, a) => {
    if (!('id' in op) || !('mdev' in op) || a.result !== 'ok') return false;
    const x = b.mdevs[op.mdev];
    if (!x || op.id > 31) return false;
    const key = op.kind.endsWith('adapter') ? 'apm' : op.kind.endsWith('control_domain') ? 'adm' : 'aqm';
    return op.kind.startsWith('assign') === has(x.matrix[key], op.id);
  },
  check: (_cfg, before, op, after) => {
    if (!('id' in op) || !('mdev' in op)) return null;
    const x = before.mdevs[op.mdev];
    if (!x || after.result !== 'ok') return null;
    const res = RESOURCE_OF[op.kind];
    const key = res === 'adapter' ? 'apm' : res === 'domain' ? 'aqm' : 'adm';
    const set = op.id <= 31 && has(x.matrix[key], op.id);
    const noop = op.kind.startsWith('assign') ? set : !set;
    // By value: a design may rebuild equal objects; what must not change is the state itself.
    return noop && after.state !== before && JSON.stringify(after.state) !== JSON.stringify(before)
      ? `${op.kind} ${op.id} was a no-op by its arguments but changed the state`
      : null;
  },
};
