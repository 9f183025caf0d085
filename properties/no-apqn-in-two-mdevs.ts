import { assigned, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { sharedApqn } from './util.ts';

/** I1: no APQN is assigned to two mdevs (control domains are exempt). */
export const noApqnInTwoMdevs: StateInvariant = {
  kind: 'state',
  name: 'no-apqn-in-two-mdevs',
  statement: 'No APQN is assigned to two mdevs.',
  spec: 'I1',
  exercised: onState((s) => assigned(s) >= 2),
  quiescentOnly: false,
  check: (_cfg, s) => {
    const names = Object.keys(s.mdevs);
    for (let i = 0; i < names.length; i++) {
      for (let j = i + 1; j < names.length; j++) {
        const q = sharedApqn(s.mdevs[names[i]!]!.matrix, s.mdevs[names[j]!]!.matrix);
        if (q) return `${q} is assigned to both ${names[i]} and ${names[j]}`;
      }
    }
    return null;
  },
};
