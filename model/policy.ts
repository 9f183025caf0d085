import type { Mask } from './bits.ts';
import type { Errno } from './errno.ts';
import type { Resource } from './ops.ts';
import type { Scope } from './scope.ts';
import type { Driver, Matrix, MdevName, ResetStatus, State, VmName } from './state.ts';

/** What a filter did: the new state, whether the shadow's apm/aqm changed, and the APIDs it dropped from the guest. */
export interface Filtered {
  readonly state: State;
  readonly changed: boolean;
  /** APIDs that were in the previous shadow.apm and are filtered out now (spec §8.2). */
  readonly filtered: Mask;
}

/**
 * The replaceable building blocks and their signatures (each block's own comment says what it does);
 * model/blocks/replaceable.ts dispatches them to a policy's `blocks`.
 */
export interface BlockTable {
  readonly filterMatrix: (cfg: Config, s: State, m: MdevName) => Filtered;
  readonly filterScoped: (cfg: Config, s: State, m: MdevName, scopeApm: Mask, scopeAqm: Mask) => Filtered;
  readonly filterCdoms: (cfg: Config, s: State, m: MdevName) => { state: State; changed: boolean };
  readonly updateApcb: (cfg: Config, s: State, m: MdevName) => State;
  readonly link: (cfg: Config, s: State, m: MdevName, apid: number, apqi: number) => State;
  readonly unlink: (cfg: Config, s: State, apid: number, apqi: number) => State;
  readonly zapq: (cfg: Config, s: State, apid: number, apqi: number) => { state: State; status: ResetStatus };
  readonly resetQueue: (cfg: Config, s: State, apid: number, apqi: number) => State;
}

/** An operation that did its work and may still report an error (VFIO_DEVICE_RESET's EIO). */
export interface Reported {
  readonly state: State;
  readonly errno: Errno | null;
}

/** The next state, or the errno the kernel returns (state unchanged). */
export type Outcome = State | Errno;

/**
 * What a callback that can fail returns: an Outcome, or a state together with an errno (the call
 * changed something and still failed; I15 `failed-op-changes-nothing` judges it).
 */
export type Effect = Outcome | Reported;

/** The state an effect leaves (its state, or null for a bare errno, which leaves the state as it was). */
export const stateOf = (o: Effect): State | null => (typeof o === 'string' ? null : 'errno' in o ? o.state : o);

/**
 * in_use's answer: refused (true) or not (false), or a state together with the refusal (errno set) or
 * not (errno null): the state carries the log lines the check printed (model/blocks/events.ts).
 */
export type InUse = boolean | Reported;

/** The queue `status` attribute's values (spec §8.7). */
export type QueueStatus = 'in use' | 'assigned' | 'unassigned';

/** The ids of an ap_config write (apm, aqm, adm), as the op carries them. */
export interface MatrixIds {
  readonly apm: readonly number[];
  readonly aqm: readonly number[];
  readonly adm: readonly number[];
}

/** Everything a callback may consult besides the state: the scope and the policy in force (late binding). */
export interface Config {
  readonly scope: Scope;
  readonly policy: Policy;
}

/**
 * A violation a design is expected to show, in one sentence: by design (a kernel issue) or as a
 * consequence of a modelling choice. `foundBy: 'exhaustive'`: the random engine is not expected to find it
 * within its budget (a search finds it, or a much longer random run): its not finding it is no surprise.
 */
export interface ExpectedViolation {
  readonly why: string;
  readonly kind: 'design' | 'modelling';
  readonly foundBy?: 'exhaustive';
}

/**
 * A vfio_ap design: the callbacks the AP bus (struct ap_driver) and the mdev sysfs files / VFIO
 * device call. Every callback is pure: it returns a new state (or an errno) and never mutates `s`.
 * Callbacks receive `cfg`, so a policy built by overriding one callback of another is seen by the
 * callbacks it did not override (they call `cfg.policy.passable`, for instance).
 */
export interface Policy {
  readonly name: string;
  /** One line: which kernels or proposal, and what is special. */
  readonly summary: string;
  /** The design this one changes (`extend` records it): a patch's base. */
  readonly base?: Policy;
  /**
   * The properties this design is expected to violate (by name or spec id), each with its sentence; null: expected
   * to hold although the base violates it. Properties not listed are expected as under `base` (else to hold).
   */
  readonly expected?: Readonly<Record<string, ExpectedViolation | null>>;
  /** Building blocks this design replaces for every callback that uses them (model/blocks/replaceable.ts). */
  readonly blocks?: Partial<BlockTable>;
  /** Which stored reset statuses let a queue into the guest (spec §3 `passable`, §9). */
  readonly passable: (r: ResetStatus) => boolean;

  // --- struct ap_driver: called by the AP bus ---
  /** A queue was bound to vfio_ap (manual bind, re-probe, scan). Cannot fail. */
  readonly probe: (cfg: Config, s: State, apid: number, apqi: number) => State;
  /** A vfio_ap-bound queue is being unbound (manual unbind, re-probe, scan removal). The bus ZAPQs afterwards. */
  readonly remove: (cfg: Config, s: State, apid: number, apqi: number) => State;
  /**
   * The bus's part of ap_device_remove() after the driver's remove (spec §4.4): ZAPQ the queue
   * (`busZapq`). An era hook: a design whose bus does otherwise overrides it.
   */
  readonly bus_remove: (cfg: Config, s: State, apid: number, apqi: number) => State;
  /**
   * A write to the queue's driver_override attribute (6.19, spec §4.2): the bus's rules for it; null
   * where the kernel has no such attribute (ENOENT).
   */
  readonly driver_override: ((cfg: Config, s: State, apid: number, apqi: number, d: Driver | null) => Effect) | null;
  /**
   * Asked before an apmask/aqmask write that changes a mask is committed; true refuses it with EBUSY (6.19,
   * 46030379: while any driver_override is active; errno not read, spec §4.2). null: never refused so.
   */
  readonly mask_write_refused: ((cfg: Config, s: State) => boolean) | null;
  /** The queue `status` attribute of a vfio_ap-bound queue (spec §8.7; default `queueStatus`). */
  readonly status: (cfg: Config, s: State, apid: number, apqi: number) => QueueStatus;
  /**
   * Called before newly set mask bits are committed; true refuses the write (the bus returns EBUSY). A
   * `Reported` answers with a state (its log: the lines the kernel prints) and refuses when its errno is set.
   */
  readonly in_use: ((cfg: Config, s: State, apm: Mask, aqm: Mask) => InUse) | null;
  readonly on_config_changed: ((cfg: Config, s: State, qci: Matrix, old: Matrix) => State) | null;
  readonly on_scan_complete: ((cfg: Config, s: State, qci: Matrix, old: Matrix) => State) | null;

  // --- the mdev and its VFIO device ---
  /** mdev_supported_types/.../create (the mdev core's checks included). */
  readonly create: (cfg: Config, s: State, m: MdevName) => Effect;
  /** `echo 1 > remove`; for an attached mdev this may only mark it `removing` (completed at detach). */
  readonly remove_mdev: (cfg: Config, s: State, m: MdevName) => Effect;
  /**
   * assign_adapter / _domain / _control_domain. `id` may exceed the scope (and MAX_ID): check it with
   * `idError` (ENODEV) before using it as a bit, as the kernel checks apm_max before set_bit_inv.
   */
  readonly assign: (cfg: Config, s: State, m: MdevName, res: Resource, id: number) => Effect;
  readonly unassign: (cfg: Config, s: State, m: MdevName, res: Resource, id: number) => Effect;
  /** The ap_config attribute (6.10+); null where the design has none (writes give ENOENT). */
  readonly ap_config: ((cfg: Config, s: State, m: MdevName, ids: MatrixIds) => Effect) | null;
  /** Guest attach (open_device + set_kvm). */
  readonly attach: (cfg: Config, s: State, m: MdevName, vm: VmName) => Effect;
  /** Guest detach (close_device + unset_kvm). Cannot fail. */
  readonly detach: (cfg: Config, s: State, m: MdevName) => State;
  /**
   * VFIO_DEVICE_RESET. The ioctl resets queues and may still report EIO (a queue did not answer
   * normal), so it returns the state after the resets together with that errno, if any.
   */
  readonly reset: (cfg: Config, s: State, m: MdevName) => Reported;
  /**
   * The mdev's `request(count)`, called by the vfio core while a remove waits for the open device
   * (spec §8.3; 6.5+); null where the design has none (the remove just waits).
   */
  readonly request: ((cfg: Config, s: State, m: MdevName) => State) | null;
  /**
   * The KVM notifier reporting the KVM pointer gone while the device is open (static era, ≤5.15);
   * null where the KVM is bound at open (no notifier: the op does not apply).
   */
  readonly kvm_gone: ((cfg: Config, s: State, m: MdevName) => State) | null;
}

/** The callbacks of a Policy: every member but its name, summary, base and expectations. */
export type CallbackName = Exclude<keyof Policy, 'name' | 'summary' | 'base' | 'expected' | 'blocks'>;

/**
 * What a callback returns: a state (it cannot fail), an Outcome (a state or an errno), a Reported, a
 * yes or no (true or false), a status attribute, or an answer (a yes or no, or a Reported: `InUse`).
 */
export type CallbackResult = 'state' | 'outcome' | 'reported' | 'boolean' | 'status' | 'answer';

type ResultOf<F> = F extends (...a: never[]) => infer R
  ? [R] extends [boolean]
    ? 'boolean'
    : [R] extends [QueueStatus]
      ? 'status'
      : [R] extends [Reported]
        ? 'reported'
        : [R] extends [State]
          ? 'state'
          : [R] extends [InUse]
            ? 'answer'
            : 'outcome'
  : never;

/** The shape of CALLBACKS: one entry per callback of Policy, as its type above says (checked by tsc). */
type CallbackTable = {
  readonly [K in CallbackName]: {
    readonly result: ResultOf<NonNullable<Policy[K]>>;
    /** A design may have none: the member is null. */
    readonly optional: null extends Policy[K] ? true : false;
  };
};

/**
 * Every callback of a Policy, in the order of the interface, with what it returns and whether a
 * design may leave it out (null). The list of callbacks apmc checks, guards and watches is this one.
 */
export const CALLBACKS = {
  passable: { result: 'boolean', optional: false },
  probe: { result: 'state', optional: false },
  remove: { result: 'state', optional: false },
  bus_remove: { result: 'state', optional: false },
  driver_override: { result: 'outcome', optional: true },
  mask_write_refused: { result: 'boolean', optional: true },
  status: { result: 'status', optional: false },
  in_use: { result: 'answer', optional: true },
  on_config_changed: { result: 'state', optional: true },
  on_scan_complete: { result: 'state', optional: true },
  create: { result: 'outcome', optional: false },
  remove_mdev: { result: 'outcome', optional: false },
  assign: { result: 'outcome', optional: false },
  unassign: { result: 'outcome', optional: false },
  ap_config: { result: 'outcome', optional: true },
  attach: { result: 'outcome', optional: false },
  detach: { result: 'state', optional: false },
  reset: { result: 'reported', optional: false },
  request: { result: 'state', optional: true },
  kvm_gone: { result: 'state', optional: true },
} as const satisfies CallbackTable;

/** The names of CALLBACKS, in its order. */
export const CALLBACK_NAMES = Object.keys(CALLBACKS) as readonly CallbackName[];

/**
 * Build a policy from another by replacing some callbacks: `extend(upstream, { name, unassign })`. The result
 * records `base` as its base; it declares no expectations of its own unless `changes` has `expected`.
 */
export function extend(base: Policy, changes: Partial<Policy> & { readonly name: string }): Policy {
  const { expected: _own, ...callbacks } = base;
  return { ...callbacks, ...changes, base };
}
