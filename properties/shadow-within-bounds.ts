import { subset } from '../model/bits.ts';
import { nonEmpty, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';

/** I17: at quiescence the shadow is within matrix ∩ host configuration, per mask. */
export const shadowWithinBounds: StateInvariant = {
  kind: 'state',
  name: 'shadow-within-bounds',
  statement: "At quiescence, every mdev's guest_matrix is within its matrix and the host configuration.",
  spec: 'I17',
  exercised: onState((s) => Object.values(s.mdevs).some((x) => x.shadow !== null && nonEmpty(x.matrix))),
  quiescentOnly: true,
  check: (_cfg, s) => {
    for (const m in s.mdevs) {
      const x = s.mdevs[m]!;
      const sh = x.shadow;
      if (!sh) continue;
      for (const k of ['apm', 'aqm', 'adm'] as const) {
        if (!subset(sh[k], x.matrix[k])) return `${m}'s guest_matrix ${k} has ids outside its matrix`;
        if (!subset(sh[k], s.host[k])) return `${m}'s guest_matrix ${k} has ids outside the host configuration`;
      }
    }
    return null;
  },
};
