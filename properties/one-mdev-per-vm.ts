import { attached, onState } from './exercised.ts';
import type { StateInvariant } from './types.ts';

/** I11: one mdev per KVM, and the KVM's PQAP hook belongs to the attached mdev. */
export const oneMdevPerVm: StateInvariant = {
  kind: 'state',
  name: 'one-mdev-per-vm',
  statement: "At most one mdev is attached to each guest, and the guest's PQAP hook belongs to it.",
  spec: 'I11',
  exercised: onState((s) => attached(s) >= 1),
  quiescentOnly: false,
  check: (_cfg, s) => {
    const seen = new Map<string, string>();
    for (const m in s.mdevs) {
      const vm = s.mdevs[m]!.kvm;
      if (vm === null) continue;
      const other = seen.get(vm);
      if (other) return `${other} and ${m} are both attached to ${vm}`;
      seen.set(vm, m);
      if (s.vms[vm]?.hook !== m) return `${vm}'s PQAP hook is ${s.vms[vm]?.hook ?? 'unset'}, not ${m}`;
    }
    for (const vm in s.vms) {
      const h = s.vms[vm]!.hook;
      if (h !== null && seen.get(vm) !== h) return `${vm}'s PQAP hook names ${h}, which is not attached to it`;
    }
    return null;
  },
};
