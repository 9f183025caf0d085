/**
 * A reviewer's variant, in one file: upstream, but re-filter the whole matrix after every unassign.
 *
 * Halil Pasic asked in the v12 review (seed 001): "an assign_adapter X didn't change the shadow,
 * because queue XY was missing, but now we unplug domain Y. Should the adapter X pop up? I guess it
 * should." Upstream only clears bits on unassign; this policy lets adapter X come back.
 *
 *   apmc run --policy ./examples/refilter-on-unassign.ts examples/adapter-pops-up.trace
 *   apmc run --policy upstream                           examples/adapter-pops-up.trace
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, upstreamParts }: typeof Apmc) =>
  extend(upstream, {
    name: 'upstream-refilter',
    summary: 'upstream, but re-filter the whole matrix after every unassign',
    unassign: (cfg, s, m, res, id) => {
      const r = upstream.unassign(cfg, s, m, res, id);
      if (typeof r === 'string' || res === 'control_domain') return r;
      return upstreamParts.refilter(cfg, r, m);
    },
  });
