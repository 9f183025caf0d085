import { has, ids } from '../model/bits.ts';
import { onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName } from './util.ts';

/** I16 (two halves): a queue's back-pointer and its mdev's queue table always agree; no link names a gone mdev. */
export const linksHalvesAgree: StateInvariant = {
  kind: 'state',
  name: 'links-halves-agree',
  statement: "A queue's link back-pointer names mdev m exactly when m's queue table holds the queue.",
  spec: 'I16',
  exercised: onState((s) => s.queues.some((q) => q?.link != null)),
  quiescentOnly: false,
  check: (cfg, s) => {
    for (let i = 0; i < s.queues.length; i++) {
      const q = s.queues[i];
      const a = Math.floor(i / cfg.scope.domains);
      const d = i % cfg.scope.domains;
      if (q?.link && !s.mdevs[q.link]) return `${apqnName(a, d)} is linked to ${q.link}, which does not exist`;
      if (q?.link && !has(s.mdevs[q.link]!.qtable[a]!, d))
        return `${apqnName(a, d)} points at ${q.link}, whose queue table lacks it`;
    }
    for (const m in s.mdevs) {
      const t = s.mdevs[m]!.qtable;
      for (let a = 0; a < t.length; a++) {
        for (const d of ids(t[a]!)) {
          const q = s.queues[a * cfg.scope.domains + d];
          if (q?.link !== m) return `${m}'s queue table holds ${apqnName(a, d)}, which does not point back at it`;
        }
      }
    }
    return null;
  },
};
