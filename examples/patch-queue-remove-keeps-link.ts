/**
 * A patch against upstream: the queue remove (vfio_ap_mdev_remove_queue) clears the queue's back-pointer but
 * forgets vfio_ap_unlink_queue_fr_mdev(), the hash_del of its node. The queue object is freed with its node
 * still in the mdev's queue table: the two halves of the link disagree at once, and the next walk over the table
 * (remove, detach, VFIO reset) dereferences the freed object (an oops).
 *
 *   apmc diff --policy upstream --policy ./examples/patch-queue-remove-keeps-link.ts --observe all \
 *     examples/patch-queue-remove-keeps-link.trace
 *
 *   apmc check --base upstream --policy ./examples/patch-queue-remove-keeps-link.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, queueAt, mdevOf, patchMdev, bits }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-queue-remove-keeps-link',
    summary: 'upstream, but the queue remove leaves the queue in its mdev’s queue table',
    remove: (cfg, s, apid, apqi) => {
      const m = queueAt(cfg, s, apid, apqi)?.link ?? null;
      const r = upstream.remove(cfg, s, apid, apqi);
      if (m === null || r.mdevs[m] === undefined) return r;
      // Everything upstream does but the hash_del: the node stays in m's table.
      const qtable = mdevOf(r, m).qtable.slice();
      qtable[apid] = bits.add(qtable[apid]!, apqi);
      return patchMdev(r, m, { qtable });
    },
  });
