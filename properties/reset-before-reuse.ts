import { has } from '../model/bits.ts';
import { onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';
import { apqnName, cross } from './util.ts';

/**
 * I9, with the ghost `dirty` mark (spec §9): a queue a guest may have used is reset before another
 * guest can use it, and before the default driver owns it. APQNs that left the host configuration
 * are exempt, and so are queues no guest can use (deconfigured card, checkstop): configuring the card
 * again brings them up zeroized.
 */
export const resetBeforeReuse: StateInvariant = {
  kind: 'state',
  name: 'reset-before-reuse',
  statement: 'A queue that a guest used is reset before it reaches another guest or the host.',
  spec: 'I9',
  exercised: onState((s) => s.dirty.some((d) => d !== null)),
  quiescentOnly: false,
  check: (cfg, s) => {
    for (const vm in s.vms) {
      for (const [a, d] of cross(s.vms[vm]!.crycb)) {
        if (a >= cfg.scope.adapters || d >= cfg.scope.domains) continue;
        if (
          !has(s.host.apm, a) ||
          !has(s.host.aqm, d) ||
          has(s.cardOff, a) ||
          s.fault[a * cfg.scope.domains + d] === 'checkstop'
        )
          continue;
        const owner = s.dirty[a * cfg.scope.domains + d];
        if (owner && owner !== vm) return `${apqnName(a, d)} reached ${vm} without a reset since ${owner} used it`;
      }
    }
    for (let i = 0; i < s.queues.length; i++) {
      const owner = s.dirty[i];
      if (owner && s.queues[i]?.driver === 'cex4queue') {
        const a = Math.floor(i / cfg.scope.domains);
        return `${apqnName(a, i % cfg.scope.domains)} is bound to cex4queue without a reset since ${owner} used it`;
      }
    }
    return null;
  },
};
