/**
 * A reviewer's variant, in one file: upstream, but the filter resets a queue whose last reset failed
 * before it judges the queue.
 *
 * vfio_ap_mdev_filter_matrix() judges a queue by the status its last reset stored (_queue_passable).
 * After a failed VFIO reset that status stays "failed" even once the hardware works again, so the next
 * filter event drops the adapter from a running guest, resets it (f848cba7) and leaves it out: the
 * reset stored a passable status, but nothing filters again. Here the filter first resets the linked
 * queues of the matrix (within the host configuration) whose stored status is "failed"; a reset that
 * now succeeds lets the adapter stay.
 *
 *   apmc explain counterexamples/settled-guests-get-their-queues/upstream-filter-after-failed-reset.json
 *   apmc check --base upstream --policy ./examples/retry-failed-reset-in-filter.ts \
 *     --adapters 2 --domains 3 --engine hybrid --property settled-guests-get-their-queues
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, bits, DEFAULT_BLOCKS, isLinked, mdevOf, queueAt, resetList }: typeof Apmc) =>
  extend(upstream, {
    name: 'upstream-retry-failed-reset',
    summary: 'upstream, but the filter resets a queue whose last reset failed before judging it',
    blocks: {
      filterMatrix: (cfg, s, m) => {
        const x = mdevOf(s, m);
        const retry: [number, number][] = [];
        for (const a of bits.ids(bits.and(x.matrix.apm, s.info.apm))) {
          for (const d of bits.ids(bits.and(x.matrix.aqm, s.info.aqm))) {
            if (isLinked(cfg, s, m, a, d) && queueAt(cfg, s, a, d)?.reset === 'failed') retry.push([a, d]);
          }
        }
        return DEFAULT_BLOCKS.filterMatrix(cfg, retry.length > 0 ? resetList(cfg, s, retry) : s, m);
      },
    },
  });
