import { maskDriver, ownerOf } from '../model/blocks/queries.ts';
import { masksInUse } from '../model/bus.ts';
import { onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName } from './util.ts';

/**
 * I18, spec §1 B2 (6.19 driver_override, §4.2): an override cannot take a queue around the masks or in_use. A queue
 * bound through its override against the masks only while apmask and aqmask are all ones (46030379: neither
 * mechanism is in use alongside the other), and never a queue an mdev's matrix holds bound to the default
 * driver through an override (in_use protects assigned queues from the host).
 */
export const overrideWithinRules: StateInvariant = {
  kind: 'state',
  name: 'override-within-rules',
  statement:
    'No queue is bound against the masks through driver_override while apmask/aqmask are in use, and no ' +
    'queue assigned to an mdev is bound to the default driver through driver_override.',
  spec: 'I18',
  exercised: onState((s) => s.queues.some((q) => q !== null && q.override !== null)),
  quiescentOnly: false,
  check: (cfg, s) => {
    for (let i = 0; i < s.queues.length; i++) {
      const q = s.queues[i];
      if (!q || q.override === null || q.driver !== q.override) continue;
      const a = Math.floor(i / cfg.scope.domains);
      const d = i % cfg.scope.domains;
      const m = q.driver === 'cex4queue' ? ownerOf(s, a, d) : null;
      if (m !== null) return `${apqnName(a, d)} is assigned to ${m} but bound to cex4queue through driver_override`;
      if (q.driver !== maskDriver(s, a, d) && masksInUse(s))
        return `${apqnName(a, d)} is bound to ${q.driver} through driver_override against apmask/aqmask in use`;
    }
    return null;
  },
};
