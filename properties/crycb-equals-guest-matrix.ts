import { attached, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';

/** I6: an attached guest's CRYCB is its mdev's guest_matrix (the shadow; the matrix where the design has none). */
export const crycbEqualsGuestMatrix: StateInvariant = {
  kind: 'state',
  name: 'crycb-equals-guest-matrix',
  statement:
    "An attached guest's CRYCB equals its mdev's guest_matrix (the matrix where the design has no shadow)," +
    ' unless a remove is pending.',
  spec: 'I6',
  exercised: onState((s) => attached(s) >= 1),
  quiescentOnly: false,
  check: (_cfg, s) => {
    for (const m in s.mdevs) {
      const x = s.mdevs[m]!;
      if (x.kvm === null || x.removing) continue;
      const c = s.vms[x.kvm]?.crycb;
      const want = x.shadow ?? x.matrix;
      if (!c || c.apm !== want.apm || c.aqm !== want.aqm || c.adm !== want.adm)
        return `${x.kvm}'s CRYCB differs from ${m}'s guest_matrix`;
    }
    return null;
  },
};
