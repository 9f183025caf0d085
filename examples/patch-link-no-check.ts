/**
 * A patch against upstream: vfio_ap_mdev_link_queue() without the "already linked" check of f3e3a400, i.e. the
 * link every kernel before 6.10 had (`hash_add` alone). ap_config links the queue common to a new adapter and a
 * new domain through both of them: its hashtable node goes in twice, and the next walk over the mdev's queue table
 * (remove, detach, VFIO reset) never returns.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-link-no-check.ts --observe all \
 *     examples/patch-link-no-check.trace
 *
 *   apmc check --base upstream --policy ./examples/patch-link-no-check.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, hashAdd }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-link-no-check',
    summary: 'upstream, but linking a queue does not check whether it is already in the queue table',
    blocks: { link: hashAdd },
  });
