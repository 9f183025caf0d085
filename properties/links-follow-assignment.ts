import { has } from '../model/bits.ts';
import type { StateInvariant } from './types.ts';
import { apqnName } from './util.ts';

/** I16 (intent): a queue is linked to m exactly when it is bound to vfio_ap and its APQN is in m's matrix. */
export const linksFollowAssignment: StateInvariant = {
  kind: 'state',
  name: 'links-follow-assignment',
  statement: 'A queue is linked to mdev m exactly when it is bound to vfio_ap and assigned to m.',
  spec: 'I16',
  // A vfio_ap queue that is assigned to an mdev (so a link is due).
  exercised: (c, _b, _o, a) =>
    a.state.queues.some((q, i) => {
      if (q?.driver !== 'vfio_ap') return false;
      const ap = Math.floor(i / c.scope.domains);
      const d = i % c.scope.domains;
      return Object.values(a.state.mdevs).some((x) => has(x.matrix.apm, ap) && has(x.matrix.aqm, d));
    }),
  quiescentOnly: true,
  check: (cfg, s) => {
    for (let i = 0; i < s.queues.length; i++) {
      const q = s.queues[i];
      if (!q) continue;
      const a = Math.floor(i / cfg.scope.domains);
      const d = i % cfg.scope.domains;
      let owner: string | null = null;
      for (const m in s.mdevs) if (has(s.mdevs[m]!.matrix.apm, a) && has(s.mdevs[m]!.matrix.aqm, d)) owner = m;
      const want = q.driver === 'vfio_ap' ? owner : null;
      if (q.link !== want)
        return `${apqnName(a, d)} is linked to ${q.link ?? 'nothing'}, expected ${want ?? 'nothing'}`;
    }
    return null;
  },
};
