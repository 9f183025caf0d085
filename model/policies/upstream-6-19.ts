/**
 * `upstream-6.19`: `upstream` with the AP bus of 6.19 (spec §1 B2, §4.2): queue devices have a
 * driver_override attribute (d38a87d7) that makes the probe bind the named driver whatever the masks say,
 * and 46030379 makes overrides and mask edits mutually exclusive: an override may be written only while
 * apmask and aqmask are all ones (EINVAL otherwise, read in driver_override_store), and mask edits are
 * refused while any override is active (EBUSY, not read: §4.2). A design without the restriction is this
 * one with `driver_override: storeOverride` and `mask_write_refused: null`.
 */
import { anyOverride, restrictedOverride } from '../bus.ts';
import type { Policy } from '../policy.ts';
import { upstream } from './upstream.ts';

export const upstream619 = {
  ...upstream,
  name: 'upstream-6.19',
  summary: 'Linux 6.19: upstream with driver_override on AP queues, exclusive with apmask/aqmask edits',
  base: upstream,
  driver_override: restrictedOverride,
  mask_write_refused: (_cfg, s) => anyOverride(s),
} satisfies Policy;
