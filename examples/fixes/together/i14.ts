/**
 * linux-2025 with the two fixes status-attribute-truthful (I14) needs together: the shadow APCB cleared by
 * vfio_ap_mdev_request() (docs/findings/request-status-in-use.md) and the do_hotplug of vfio_ap_mdev_hot_unplug_cfg()
 * (docs/findings/hot-unplug-cfg-last-adapter.md). With the request fix alone, a host removal of a guest's last
 * domain leaves the queue in the CRYCB while the scan takes it out of matrix_dev->info, so `status` says "assigned"
 * for a queue the guest still has; with both, `apmc check --base linux-2025` reports I14 fixed.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/together/i14.ts --property status-attribute-truthful
 */
import type * as Apmc from 'apmc';
import hotUnplug from '../hot-unplug-cfg-last-adapter.ts';
import requestStatus from '../request-status-in-use.ts';

export default (api: typeof Apmc) =>
  api.extend(hotUnplug(api), {
    name: 'linux-2025+hot-unplug-cfg-last-adapter+request-status-in-use',
    summary: 'linux-2025 with the do_hotplug fix and the shadow cleared by the request',
    request: requestStatus(api).request,
  });
