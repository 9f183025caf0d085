/**
 * A fix for linux-2025 (docs/findings/reset-warn-after-config-removal.md): vfio_ap_mdev_reset_queue(),
 * vfio_ap_ops.c:1987-2015, takes ZAPQ response code 01 (AP_RESPONSE_Q_NOT_AVAIL, the APQN is not in the host's AP
 * configuration) as the answer it is for a queue whose adapter or domain was just removed, instead of WARNing: the
 * stored reset_status keeps 01 (VFIO_DEVICE_RESET still returns EIO, the queue is not passable), the interrupt
 * resources are freed as for a deconfigured or checkstopped queue, and no work item is queued.
 *
 * The change, in C:
 *
 *     vfio_ap_mdev_reset_queue():              apq_status_check():
 *             case AP_RESPONSE_Q_NOT_AVAIL:            case AP_RESPONSE_NORMAL:
 *             case AP_RESPONSE_DECONFIGURED:           case AP_RESPONSE_Q_NOT_AVAIL:
 *             case AP_RESPONSE_CHECKSTOPPED:           case AP_RESPONSE_DECONFIGURED:
 *                     vfio_ap_free_aqic_resources(q);  case AP_RESPONSE_CHECKSTOPPED:
 *                     break;                                   return 0;
 *
 * Only the first half is in the model: apq_status_check(), vfio_ap_ops.c:1918-1945, sees 01 only when the APQN
 * leaves the configuration while the reset work item polls, and the model's callers wait for the work item within
 * their step. Checking matrix_dev->info before the reset, as vfio_ap_mdev_remove_queue() does, would not do: the
 * hardware answers 01 from the moment of the change, before the AP bus scan fetches the new configuration.
 *
 *   apmc explain --policy ./examples/fixes/reset-warn-after-config-removal.ts --property no-kernel-warning \
 *     docs/findings/reset-warn-after-config-removal.json
 *   apmc check --base linux-2025 --policy ./examples/fixes/reset-warn-after-config-removal.ts \
 *     --property no-kernel-warning
 */
import type * as Apmc from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, linux2025, DEFAULT_BLOCKS, answer, queueAt, setQueue, patchQueue, qix } = api;
  return extend(linux2025, {
    name: 'linux-2025+reset-warn-after-config-removal',
    summary: 'linux-2025, but vfio_ap_mdev_reset_queue() takes ZAPQ response code 01 without a WARN',
    blocks: {
      // vfio_ap_mdev_reset_queue() (+ flush_work()): `case AP_RESPONSE_Q_NOT_AVAIL:` with DECONFIGURED and
      // CHECKSTOPPED: store the status, free the interrupt resources (beyond the model), no work item, no WARN.
      resetQueue: (cfg, s, apid, apqi) => {
        const q = queueAt(cfg, s, apid, apqi);
        if (q === null || q.driver !== 'vfio_ap') return s;
        const a = answer(cfg, s, apid, apqi);
        if (a.status !== 'failed' || a.reason !== 'APQN not valid')
          return DEFAULT_BLOCKS.resetQueue(cfg, s, apid, apqi);
        return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { reset: 'failed', polling: false }));
      },
    },
  });
};
