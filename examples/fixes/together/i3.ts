/**
 * linux-2025 with the two fixes guest-queues-linked-and-passable needs together: the filter after a failed
 * VFIO_DEVICE_RESET of docs/findings/vfio-reset-no-filter.md and the filter at set_kvm of
 * docs/findings/reset-failure-handover.md. Either alone leaves I3 violated through the other's path; with both,
 * `apmc check --base linux-2025` reports it fixed.
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/together/i3.ts --property guest-queues-linked-and-passable
 */
import type * as Apmc from 'apmc';
import handover from '../reset-failure-handover.ts';
import vfioReset from '../vfio-reset-no-filter.ts';

export default (api: typeof Apmc) => {
  const reset = vfioReset(api);
  return api.extend(handover(api), {
    name: 'linux-2025+reset-failure-handover+vfio-reset-no-filter',
    summary: 'linux-2025 with the set_kvm filter and the filter after VFIO_DEVICE_RESET',
    reset: reset.reset,
  });
};
