/**
 * A patch against upstream, as a reviewer receives it: vfio_ap_mdev_reset_queue() counts a ZAPQ that
 * answers "reset in progress" (0x02, 0x05) as a completed reset: it stores response code 0 and queues no
 * work item, so no caller waits for the hardware to finish. The queue looks passable at once, although the
 * hardware has not zeroized it yet: the next filter event or attach hands it on with the previous guest's
 * data (reset-before-reuse, on traces where upstream waits for the reset and holds).
 *
 *   apmc diff --policy upstream --policy ./examples/patch-reset-early.ts --observe all
 *
 *   apmc check --base upstream --policy ./examples/patch-reset-early.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, issueReset, waitReset, queueAt, setQueue, patchQueue, qix }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-reset-early',
    summary: 'upstream, but a reset that answers "in progress" is declared complete at once',
    blocks: {
      resetQueue: (cfg, s, apid, apqi) => {
        const issued = issueReset(cfg, s, apid, apqi);
        const q = queueAt(cfg, issued, apid, apqi);
        if (q === null || q.reset !== 'in_progress') return waitReset(cfg, issued, apid, apqi);
        // The patch: in progress counts as done (response code 0), and no work item verifies it.
        return setQueue(issued, qix(cfg.scope, apid, apqi), patchQueue(q, { reset: 'normal', polling: false }));
      },
    },
  });
