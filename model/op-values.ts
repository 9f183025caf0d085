/**
 * The ops the checkers generate in a scope, and the values each parameter takes: the one source of
 * the exhaustive engine's alphabet (exhaustive/alphabet.ts, which tries every combination in the
 * lists' order) and of the random engine's op generator (properties/arbitraries.ts, which draws from
 * the same lists with its own weights and biases). tsc checks that every op kind is generated or
 * named in NOT_GENERATED; a test checks that both generators give every generated kind, and that
 * every op the random generator draws with ids in scope is in the alphabet.
 */
import type { AssignKind, Op, OpKind, Resource, UnassignKind } from './ops.ts';
import type { Scope } from './scope.ts';
import { DRIVERS, FAULTS, type Lists } from './state-shape.ts';

export { DRIVERS, FAULTS };

type HostAction = Extract<Op, { kind: 'host' }>['action'];

/** Op kinds neither checker generates (none: every kind is generated, the mechanisms' under MECHANISMS). */
export const NOT_GENERATED = [] as const satisfies readonly OpKind[];

/** Every op kind the checkers generate, grouped as model/ops.ts does (bus, hardware, vfio_ap). */
export const GENERATED = [
  'apmask',
  'aqmask',
  'reprobe',
  'driver_override',
  'bind',
  'unbind',
  'scan',
  'scan_start',
  'scan_step',
  'scan_complete',
  'host',
  'card_config',
  'fault',
  'create',
  'remove',
  'assign_adapter',
  'unassign_adapter',
  'assign_domain',
  'unassign_domain',
  'assign_control_domain',
  'unassign_control_domain',
  'start',
  'stop',
  'vfio_reset',
  'reset_poll',
  'ap_config',
  'request',
  'kvm_gone',
] as const satisfies readonly OpKind[];
true satisfies Lists<OpKind, [...typeof GENERATED, ...typeof NOT_GENERATED]>;

/** The values of a driver_override write: a driver's name, or none (clear it). */
export const OVERRIDES = [...DRIVERS, null] as const;
/** The halves of a re-probe (device_release_driver, then the attach). */
export const REPROBE_HALVES = ['unbind', 'bind'] as const satisfies readonly NonNullable<
  Extract<Op, { kind: 'reprobe' }>['half']
>[];

/** The bus mask files, and the signs of a relative write (`+3`, `-3`). */
export const MASK_KINDS = ['apmask', 'aqmask'] as const satisfies readonly OpKind[];
export const MASK_SIGNS = ['+', '-'] as const;
/** The whole bus scan and its steps. */
export const SCAN_KINDS = ['scan', 'scan_start', 'scan_step', 'scan_complete'] as const satisfies readonly OpKind[];
/** A host configuration change: an id leaves or joins the configuration. */
export const HOST_ACTIONS = ['remove', 'add'] as const satisfies readonly HostAction[];
true satisfies Lists<HostAction, typeof HOST_ACTIONS>;
/** The resources an id names, for host changes and assignments. */
export const RESOURCES = ['adapter', 'domain', 'control_domain'] as const satisfies readonly Resource[];
true satisfies Lists<Resource, typeof RESOURCES>;
/** cardXX/config: deconfigure (0), configure (1). */
export const CARD_CONFIGS = [0, 1] as const satisfies readonly Extract<Op, { kind: 'card_config' }>['config'][];
/** Per resource, its assignment and unassignment (the mdev's sysfs attributes). */
export const ASSIGNMENTS: Readonly<Record<Resource, readonly [AssignKind, UnassignKind]>> = {
  adapter: ['assign_adapter', 'unassign_adapter'],
  domain: ['assign_domain', 'unassign_domain'],
  control_domain: ['assign_control_domain', 'unassign_control_domain'],
};

/** How many ids of resource r the scope has. */
export const idCount = (scope: Scope, r: Resource): number =>
  r === 'adapter' ? scope.adapters : r === 'domain' ? scope.domains : scope.control_domains;

/** The scope's mdev and VM names: m1.., vm1.. */
export const mdevNames = (scope: Scope): string[] => Array.from({ length: scope.mdevs }, (_, i) => `m${i + 1}`);
export const vmNames = (scope: Scope): string[] => Array.from({ length: scope.vms }, (_, i) => `vm${i + 1}`);

/**
 * The kernel mechanisms beyond the classic ops, each of which an explorer can leave out (the Spin
 * comparison and the state-space growth figures leave some or all out): asynchronous resets (the
 * `busy` fault and `reset_poll`), the remove request, the KVM notifier, ap_config writes,
 * driver_override and re-probe halves.
 */
export const MECHANISMS = [
  'async_reset',
  'request',
  'kvm_notifier',
  'ap_config',
  'driver_override',
  'reprobe_halves',
] as const;
export type Mechanism = (typeof MECHANISMS)[number];

/** The mechanism an op belongs to, or null for a classic op (always explored). */
export function mechanismOf(op: Op): Mechanism | null {
  switch (op.kind) {
    case 'fault':
      return op.fault === 'busy' ? 'async_reset' : null;
    case 'reset_poll':
      return 'async_reset';
    case 'request':
      return 'request';
    case 'remove':
      // The remove without its first request: the request's own steps.
      return op.async === true ? 'request' : null;
    case 'kvm_gone':
      return 'kvm_notifier';
    case 'ap_config':
      return 'ap_config';
    case 'driver_override':
      return 'driver_override';
    case 'reprobe':
      return op.half === undefined ? null : 'reprobe_halves';
    default:
      return null;
  }
}

/** Does an explorer that explores `mechanisms` generate op? */
export const explored = (op: Op, mechanisms: ReadonlySet<Mechanism>): boolean => {
  const m = mechanismOf(op);
  return m === null || mechanisms.has(m);
};
