import { and, ids, minus } from '../model/bits.ts';
import { onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';

/** I3c: a guest's control domains are in the host's ADM and assigned to its mdev. */
export const guestControlDomainsAllowed: StateInvariant = {
  kind: 'state',
  name: 'guest-control-domains-allowed',
  statement: "At quiescence, a guest's CRYCB control domains are in the host ADM and assigned to its mdev.",
  spec: 'I3c',
  exercised: onState((s) => Object.values(s.vms).some((v) => v.crycb.adm !== 0)),
  quiescentOnly: true,
  check: (_cfg, s) => {
    for (const m in s.mdevs) {
      const x = s.mdevs[m]!;
      const v = x.kvm === null ? undefined : s.vms[x.kvm];
      if (!v) continue;
      const extra = minus(v.crycb.adm, and(s.host.adm, x.matrix.adm));
      if (extra !== 0) return `${x.kvm} has control domain ${ids(extra)[0]} outside host ADM ∩ ${m}'s assignment`;
    }
    return null;
  },
};
