/**
 * A patch against upstream-6.19: 6.19 without 46030379, i.e. driver_override as d38a87d7 added it. An override
 * may be written while apmask/aqmask are in use, and mask edits go on while overrides are active. An override
 * naming cex4queue then takes a queue assigned to an mdev to the host at its next re-probe, around in_use.
 *
 *   apmc diff --policy upstream-6.19 --policy ./examples/patch-override-unrestricted.ts --observe all \
 *     examples/patch-override-unrestricted.trace
 *
 *   apmc check --base upstream-6.19 --policy ./examples/patch-override-unrestricted.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream619, storeOverride }: typeof Apmc) =>
  extend(upstream619, {
    name: 'patch-override-unrestricted',
    summary: 'upstream-6.19 without 46030379: driver_override and mask edits are not exclusive',
    driver_override: storeOverride,
    mask_write_refused: null,
  });
