/**
 * A patch against static (5.11+), as a reviewer receives it: the KVM notifier's NULL branch goes back to
 * what it did before f21916ec4826 ("s390/vfio-ap: clean up vfio_ap resources when KVM pointer
 * invalidated"): `matrix_mdev->kvm = NULL` and nothing else. The guest keeps its CRYCB and the KVM its
 * PQAP hook; with m.kvm gone the matrix is no longer frozen, so its queues can be unassigned and given to
 * another mdev and guest while the first guest still has them.
 *
 *   apmc diff --policy static --policy ./examples/patch-notifier-forgets-kvm.ts --observe all \
 *     examples/patch-notifier-forgets-kvm.trace
 *
 *   apmc check --base static --policy ./examples/patch-notifier-forgets-kvm.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, staticPolicy, patchMdev }: typeof Apmc) =>
  extend(staticPolicy, {
    name: 'patch-notifier-forgets-kvm',
    summary: 'static, but the KVM notifier only sets m.kvm = NULL (the 5.10 notifier)',
    kvm_gone: (_cfg, s, m) => patchMdev(s, m, { kvm: null }),
  });
