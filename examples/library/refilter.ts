/**
 * A variant of upstream in one policy file: re-filter the whole matrix after every unassign, so that an adapter
 * held back by a missing queue comes back when the domain that lacked it is unassigned (order independence, I7).
 * `apmc` here is the apmc that loads this file: the CLI's (`apmc check --policy ./refilter.ts`) or the library's.
 */
import { extend, upstream, upstreamParts } from 'apmc';

export default extend(upstream, {
  name: 'upstream-refilter',
  summary: 'upstream, but re-filter the whole matrix after every unassign',
  unassign: (cfg, s, m, res, id) => {
    const r = upstream.unassign(cfg, s, m, res, id);
    if (typeof r === 'string' || res === 'control_domain') return r;
    return upstreamParts.refilter(cfg, r, m);
  },
  // Upstream violates order independence (its expected violation); this variant does not.
  expected: { 'order-independence': null },
});
