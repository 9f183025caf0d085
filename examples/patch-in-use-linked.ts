/**
 * A patch against upstream: vfio_ap's in_use callback (vfio_ap_mdev_resource_in_use) looks at the queue tables,
 * the queues vfio_ap holds, instead of the mdevs' matrices: "a queue vfio_ap does not hold cannot be in use". The
 * first half of a re-probe unlinks an assigned queue and leaves it without a driver until the second half; a mask
 * write in between reserves it for the host, and the second half binds it to cex4queue although an mdev has it.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-in-use-linked.ts --observe all \
 *     examples/patch-in-use-linked.trace
 *
 *   apmc check --base upstream --policy ./examples/patch-in-use-linked.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, linkedApqns, bits }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-in-use-linked',
    summary: 'upstream, but in_use refuses a mask write only for queues linked to an mdev',
    in_use: (_cfg, s, apm, aqm) =>
      Object.keys(s.mdevs).some((m) => linkedApqns(s, m).some(([a, d]) => bits.has(apm, a) && bits.has(aqm, d))),
  });
