import { EMPTY, type Mask, range, ids } from './bits.ts';
import { NO_EVENTS, type KernelEvent } from './events.ts';
import { qix, type Scope } from './scope.ts';

export type MdevName = string;
export type VmName = string;
/** The queue drivers: zcrypt's default `cex4queue` and the non-default `vfio_ap` (spec §2). */
export type Driver = 'cex4queue' | 'vfio_ap';
/**
 * What a ZAPQ answered, as vfio_ap stores it in `q->reset_status` (spec §9). 'in_progress': reset in
 * progress or busy (0x02/0x05/0x07), the reset work item polls until it ends.
 */
export type ResetStatus = 'normal' | 'deconfigured' | 'checkstopped' | 'failed' | 'in_progress';
/**
 * Hardware condition of a queue, set by the trace (never by chance): §9's nondeterministic reset
 * outcomes. 'busy': ZAPQ and TAPQ answer "reset in progress" until the trace clears it.
 */
export type Fault = 'none' | 'checkstop' | 'reset_fails' | 'busy';

/** apm / aqm / adm: a host configuration (QCI), a matrix, a shadow APCB or a CRYCB. */
export interface Matrix {
  readonly apm: Mask;
  readonly aqm: Mask;
  readonly adm: Mask;
}
export const EMPTY_MATRIX: Matrix = { apm: EMPTY, aqm: EMPTY, adm: EMPTY };

/** A queue device on the AP bus (`/sys/bus/ap/devices/aa.dddd`), with vfio_ap's queue object when bound to it. */
export interface QueueDev {
  readonly driver: Driver | null;
  /** The queue's half of the link (`q->matrix_mdev`); null unless bound to vfio_ap and linked. */
  readonly link: MdevName | null;
  /** `q->reset_status`; a fresh vfio_ap queue object starts zeroed, i.e. 'normal' (spec §4.1). */
  readonly reset: ResetStatus;
  /** `q->reset_work` is queued: the reset work item polls TAPQ (`reset_poll` steps it, spec §9). */
  readonly polling: boolean;
  /**
   * The queue's hashtable node was added to a queue table while already in one (`hash_add` twice): the
   * table is corrupt, and a walk over it never ends.
   */
  readonly dup: boolean;
  /** `driver_override` (6.19, spec §4.2): the driver the probe binds to regardless of the masks; null: none. */
  readonly override: Driver | null;
  /** Unbound by a re-probe whose bind half has not run yet (device_reprobe between release and attach). */
  readonly rebind: boolean;
}

/** A vfio_ap mediated matrix device (`struct ap_matrix_mdev`). */
export interface Mdev {
  /** What the administrator assigned. */
  readonly matrix: Matrix;
  /** shadow_apcb, shown as guest_matrix; null where the design has none (static; v12 without a guest). */
  readonly shadow: Matrix | null;
  /** The mdev's half of the link (its qtable): per apid, the apqis of queues linked to it. */
  readonly qtable: readonly Mask[];
  readonly kvm: VmName | null;
  /** apm_add / aqm_add / adm_add recorded by on_config_changed until on_scan_complete (D0+). */
  readonly pending: Matrix | null;
  /** A remove was requested while a guest holds the device; it completes when the guest lets go. */
  readonly removing: boolean;
  /** QEMU holds the VFIO device open; `kvm` may be null while it is (the KVM notifier reported it gone). */
  readonly open: boolean;
}

/** A KVM guest: its CRYCB (APCB) and the mdev owning its PQAP(AQIC) hook. */
export interface Vm {
  readonly crycb: Matrix;
  readonly hook: MdevName | null;
}

/** A bus scan between on_config_changed and on_scan_complete (spec §4.5). */
export interface Scan {
  readonly qci: Matrix;
  readonly old: Matrix;
  readonly changed: boolean;
}

export interface Bus {
  readonly apmask: Mask;
  readonly aqmask: Mask;
  /** Bits 32..255 of the masks lie outside the model; they are kept, uniformly, only for printing. */
  readonly apmaskHigh: boolean;
  readonly aqmaskHigh: boolean;
  /** The QCI the bus saw at its last scan. */
  readonly qci: Matrix;
  readonly scan: Scan | null;
}

/** The whole stack: hardware, AP bus, vfio_ap and KVM (spec §3). Plain data, never mutated. */
export interface State {
  /** The hardware's AP configuration now (what QCI would return). */
  readonly host: Matrix;
  /** Adapters deconfigured through cardXX/config (SCLP; a state change, not a QCI change, spec §4.6). */
  readonly cardOff: Mask;
  /** Per APQN (index apid * domains + apqi). */
  readonly fault: readonly Fault[];
  /** Ghost, per APQN: the VM that may have left data in the queue since its last reset (spec §9, I9). */
  readonly dirty: readonly (VmName | null)[];
  readonly bus: Bus;
  /** Per APQN: the queue device, or null when the bus has none. */
  readonly queues: readonly (QueueDev | null)[];
  /** vfio_ap's copy of the QCI (`matrix_dev->info`), updated in on_config_changed. */
  readonly info: Matrix;
  readonly mdevs: Readonly<Record<MdevName, Mdev>>;
  readonly vms: Readonly<Record<VmName, Vm>>;
  /** The kernel events of the step under way (model/events.ts); NO_EVENTS in every state between steps. */
  readonly log: readonly KernelEvent[];
}

/** The host configuration with every resource of the scope configured. */
export const fullHost = (scope: Scope): Matrix => ({
  apm: range(scope.adapters),
  aqm: range(scope.domains),
  adm: range(scope.control_domains),
});

/**
 * A booted host: every resource of `host` (default: the whole scope) configured, apmask and aqmask
 * all ones, so every queue is bound to cex4queue; vfio_ap loaded; no mdev, no guest.
 */
export function initialState(scope: Scope, host: Matrix = fullHost(scope)): State {
  const n = scope.adapters * scope.domains;
  const queues: (QueueDev | null)[] = new Array<QueueDev | null>(n).fill(null);
  for (const a of ids(host.apm)) {
    for (const d of ids(host.aqm)) queues[qix(scope, a, d)] = freshQueue('cex4queue');
  }
  return {
    host,
    cardOff: EMPTY,
    fault: new Array<Fault>(n).fill('none'),
    dirty: new Array<VmName | null>(n).fill(null),
    bus: { apmask: range(32), aqmask: range(32), apmaskHigh: true, aqmaskHigh: true, qci: host, scan: null },
    queues,
    info: host,
    mdevs: {},
    vms: {},
    log: NO_EVENTS,
  };
}

/** A queue device just bound to `driver` (null: registered, unbound): a fresh queue object (spec §4.1, §9). */
export const freshQueue = (driver: Driver | null, override: Driver | null = null): QueueDev => ({
  driver,
  link: null,
  reset: 'normal',
  polling: false,
  dup: false,
  override,
  rebind: false,
});

/** q with the fields `p` gives replaced (patchState's reason). */
export const patchQueue = (q: QueueDev, p: Partial<QueueDev>): QueueDev => ({
  driver: p.driver === undefined ? q.driver : p.driver,
  link: p.link === undefined ? q.link : p.link,
  reset: p.reset ?? q.reset,
  polling: p.polling ?? q.polling,
  dup: p.dup ?? q.dup,
  override: p.override === undefined ? q.override : p.override,
  rebind: p.rebind ?? q.rebind,
});

// --- immutable updates -------------------------------------------------------------------

/**
 * s with the fields `p` gives replaced, as one object literal of a fixed shape: the model's updates go
 * through here rather than `{ ...s, f }`, which V8 runs markedly slower on the checkers' hot path (the
 * exhaustive engine steps every op of the alphabet in every state; about 10% of its time went to one
 * spread in setQueue).
 */
export const patchState = (s: State, p: Partial<State>): State => ({
  host: p.host ?? s.host,
  cardOff: p.cardOff ?? s.cardOff,
  fault: p.fault ?? s.fault,
  dirty: p.dirty ?? s.dirty,
  bus: p.bus ?? s.bus,
  queues: p.queues ?? s.queues,
  info: p.info ?? s.info,
  mdevs: p.mdevs ?? s.mdevs,
  vms: p.vms ?? s.vms,
  log: p.log ?? s.log,
});

/** The bus with the fields `p` gives replaced (patchState's reason); `scan: null` ends a scan. */
export const patchBus = (b: Bus, p: Partial<Bus>): Bus => ({
  apmask: p.apmask ?? b.apmask,
  aqmask: p.aqmask ?? b.aqmask,
  apmaskHigh: p.apmaskHigh ?? b.apmaskHigh,
  aqmaskHigh: p.aqmaskHigh ?? b.aqmaskHigh,
  qci: p.qci ?? b.qci,
  scan: p.scan === undefined ? b.scan : p.scan,
});

export function setQueue(s: State, i: number, q: QueueDev | null): State {
  if (s.queues[i] === q) return s;
  const queues = s.queues.slice();
  queues[i] = q;
  return patchState(s, { queues });
}

export const setMdev = (s: State, name: MdevName, m: Mdev): State =>
  patchState(s, { mdevs: { ...s.mdevs, [name]: m } });

export function dropMdev(s: State, name: MdevName): State {
  const { [name]: _gone, ...mdevs } = s.mdevs;
  return patchState(s, { mdevs });
}

export const setVm = (s: State, name: VmName, vm: Vm): State => patchState(s, { vms: { ...s.vms, [name]: vm } });

export function dropVm(s: State, name: VmName): State {
  const { [name]: _gone, ...vms } = s.vms;
  return patchState(s, { vms });
}

export function setDirty(s: State, i: number, v: VmName | null): State {
  if (s.dirty[i] === v) return s;
  const dirty = s.dirty.slice();
  dirty[i] = v;
  return patchState(s, { dirty });
}

export const sameMatrix = (a: Matrix, b: Matrix): boolean => a.apm === b.apm && a.aqm === b.aqm && a.adm === b.adm;
