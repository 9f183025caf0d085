import { attached, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { sharedApqn } from './util.ts';

/** I4: no APQN is in two guests' CRYCBs. */
export const noApqnInTwoGuests: StateInvariant = {
  kind: 'state',
  name: 'no-apqn-in-two-guests',
  statement: "No APQN is in two guests' CRYCBs.",
  spec: 'I4',
  exercised: onState((s) => attached(s) >= 2),
  quiescentOnly: false,
  check: (_cfg, s) => {
    const vms = Object.keys(s.vms);
    for (let i = 0; i < vms.length; i++) {
      for (let j = i + 1; j < vms.length; j++) {
        const q = sharedApqn(s.vms[vms[i]!]!.crycb, s.vms[vms[j]!]!.crycb);
        if (q) return `${q} is in the CRYCBs of both ${vms[i]} and ${vms[j]}`;
      }
    }
    return null;
  },
};
