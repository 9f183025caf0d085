import { has } from '../model/bits.ts';
import { RESOURCE_OF } from '../model/ops.ts';
import type { StepProperty } from './types.ts';

/** I13: assigning an assigned id, or unassigning an unassigned one, changes nothing. */
export const assignIdempotent: StepProperty = {
  kind: 'step',
  name: 'assign-idempotent',
  statement: 'Assigning an already-assigned id, or unassigning an unassigned one, changes nothing.',
  spec: 'I13',
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
