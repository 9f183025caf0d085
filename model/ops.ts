import type { Driver, Fault, MdevName, VmName } from './state.ts';

/** The three kinds of id an mdev can be assigned. */
export type Resource = 'adapter' | 'domain' | 'control_domain';

export type AssignKind = 'assign_adapter' | 'assign_domain' | 'assign_control_domain';
export type UnassignKind = 'unassign_adapter' | 'unassign_domain' | 'unassign_control_domain';

/** AP bus operations: /sys/bus/ap and its drivers, plus the bus's own asynchronous work (spec §4, §14). */
export type BusOp =
  /** A write to /sys/bus/ap/apmask or aqmask, absolute or relative syntax. `async`: re-probes are left pending. */
  | { readonly kind: 'apmask' | 'aqmask'; readonly value: string; readonly async?: true }
  /**
   * One pending re-probe of ap_bus_revise_bindings(): the queue moves to the driver the masks select.
   * `half`: only its unbind half (device_release_driver) or only its bind half (the driver attach after it).
   */
  | { readonly kind: 'reprobe'; readonly apid: number; readonly apqi: number; readonly half?: 'unbind' | 'bind' }
  /** /sys/bus/ap/devices/aa.dddd/driver_override (6.19, spec §4.2): a driver name, or none to clear it. */
  | { readonly kind: 'driver_override'; readonly apid: number; readonly apqi: number; readonly driver: Driver | null }
  | { readonly kind: 'bind'; readonly apid: number; readonly apqi: number; readonly driver: Driver }
  /** drivers/<driver>/unbind; without a driver, whichever driver the queue is bound to. */
  | { readonly kind: 'unbind'; readonly apid: number; readonly apqi: number; readonly driver?: Driver }
  /** The whole bus scan (`echo 1 > scans`, waiting for bindings complete), or one of its steps. */
  | { readonly kind: 'scan' | 'scan_start' | 'scan_step' | 'scan_complete' };

/** The hardware and the firmware: changes an LPAR cannot script (HMC/SE), and §9's reset outcomes. */
export type HostOp =
  /** Change the host AP configuration; unless `async`, the bus scan that notices it runs to completion. */
  | {
      readonly kind: 'host';
      readonly action: 'add' | 'remove';
      readonly resource: Resource;
      readonly id: number;
      readonly async?: true;
    }
  /** /sys/bus/ap/devices/cardXX/config: SCLP deconfigure (0) / configure (1). */
  | { readonly kind: 'card_config'; readonly apid: number; readonly config: 0 | 1 }
  /** What ZAPQ will answer for this queue from now on (spec §9): normal, checkstopped, failing, or busy. */
  | { readonly kind: 'fault'; readonly apid: number; readonly apqi: number; readonly fault: Fault }
  /** One iteration of the queue's reset work item (apq_reset_check: 20 ms, TAPQ, maybe ZAPQ again; spec §9). */
  | { readonly kind: 'reset_poll'; readonly apid: number; readonly apqi: number };

/** vfio_ap: mdev sysfs files, and the VFIO device as QEMU uses it (spec §8). */
export type VfioOp =
  | { readonly kind: 'create'; readonly mdev: MdevName }
  /**
   * `echo 1 > remove`. While the device is open the vfio core waits and calls the mdev's `request` at
   * once (count 0) and then every 10 s: unless `async`, the step includes that first call; `async`
   * leaves it to a `request` step (spec §8.3).
   */
  | { readonly kind: 'remove'; readonly mdev: MdevName; readonly async?: true }
  | { readonly kind: AssignKind | UnassignKind; readonly mdev: MdevName; readonly id: number }
  | {
      readonly kind: 'ap_config';
      readonly mdev: MdevName;
      readonly apm: readonly number[];
      readonly aqm: readonly number[];
      readonly adm: readonly number[];
    }
  /** Guest attach: QEMU opens the VFIO device of `mdev` for `vm` (open_device + set_kvm). */
  | { readonly kind: 'start'; readonly mdev: MdevName; readonly vm: VmName }
  /** Guest detach: QEMU closes the device (close_device, QEMU exit or device_del). */
  | { readonly kind: 'stop'; readonly mdev: MdevName }
  /** The VFIO_DEVICE_RESET ioctl (guest reset). */
  | { readonly kind: 'vfio_reset'; readonly mdev: MdevName }
  /** The vfio core calls the mdev's `request(count)` while a remove waits for the guest (spec §8.3, 6.5+). */
  | { readonly kind: 'request'; readonly mdev: MdevName }
  /** The KVM notifier reports the KVM pointer gone while the device is open (static era, spec §1 S1, 5.11). */
  | { readonly kind: 'kvm_gone'; readonly mdev: MdevName };

export type Op = BusOp | HostOp | VfioOp;
export type OpKind = Op['kind'];

export const RESOURCE_OF: Readonly<Record<AssignKind | UnassignKind, Resource>> = {
  assign_adapter: 'adapter',
  assign_domain: 'domain',
  assign_control_domain: 'control_domain',
  unassign_adapter: 'adapter',
  unassign_domain: 'domain',
  unassign_control_domain: 'control_domain',
};

export function assertNever(x: never): never {
  throw new Error(`unhandled case: ${JSON.stringify(x)}`);
}
