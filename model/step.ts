/**
 * The reducer: step(cfg, state, op) → { state, result }. Pure and total: no I/O, no clock, no
 * randomness, inputs never mutated, no throw for kernel-level errors. A rejected operation returns
 * its errno and the very same state object (spec §14, I15).
 */
import { add, and, del, has, ids, MAX_ID, minus } from './bits.ts';
import { patchMdev } from './blocks/update.ts';
import { resetPoll } from './blocks/reset.ts';
import { bind, driverOverride, reprobe, scanAll, scanComplete, scanStart, scanStep, unbind, writeMask } from './bus.ts';
import { isKernelStop } from './blocks/events.ts';
import { NO_EVENTS, type KernelEvent } from './events.ts';
import type { Errno } from './errno.ts';
import { assertNever, RESOURCE_OF, type Op, type VfioOp } from './ops.ts';
import { type Config, type Effect, type Outcome, stateOf } from './policy.ts';
import { qix } from './scope.ts';
import type { Matrix, State } from './state.ts';
import { patchState, setDirty } from './state.ts';

export type Result = 'ok' | Errno;

export interface Step {
  readonly state: State;
  readonly result: Result;
  /** The kernel events of the step (WARN, oops, hang, log lines), in order; NO_EVENTS when none. */
  readonly events: readonly KernelEvent[];
}

/** A model id: what the state's masks can hold. */
const validId = (id: number): boolean => Number.isInteger(id) && id >= 0 && id <= MAX_ID;
/** A kernel id: anything kstrtoul accepts reaches the kernel's own checks (ENODEV above the maximum, §2). */
const kernelId = (id: number): boolean => Number.isInteger(id) && id >= 0;

/** Apply one operation. */
export function step(cfg: Config, s: State, op: Op): Step {
  return outcome(cfg, s, applyStopping(cfg, s, op), true);
}

/**
 * One op without the ghost marking that ends every step (markDirty, spec §9). A synchronous host
 * change is its asynchronous form stepped this way, then a whole `scan` (which does the marking):
 * step(s, host) = step(stepUnmarked(s, async host).state, scan) when the first result is 'ok'. The
 * exhaustive engine's transition cache computes it so (exhaustive/memo.ts; checked in its tests).
 */
export function stepUnmarked(cfg: Config, s: State, op: Op): Step {
  return outcome(cfg, s, applyStopping(cfg, s, op), false);
}

/**
 * What apply gave, as a step: a bare errno leaves the very same state; otherwise marked or not. The
 * state's log becomes the step's events; a state that differs from `s` only by its log is `s` itself.
 */
function outcome(cfg: Config, s: State, r: Effect, mark: boolean): Step {
  if (typeof r === 'string') return { state: s, result: r, events: NO_EVENTS };
  let state = 'errno' in r ? r.state : r;
  const result = 'errno' in r ? (r.errno ?? 'ok') : 'ok';
  const events = state.log;
  if (events.length > 0) state = onlyLogChanged(s, state) ? s : patchState(state, { log: NO_EVENTS });
  return { state: mark ? markDirty(cfg, state) : state, result, events };
}

/** Do a and b differ in their log alone? */
function onlyLogChanged(a: State, b: State): boolean {
  return (
    a.host === b.host &&
    a.cardOff === b.cardOff &&
    a.fault === b.fault &&
    a.dirty === b.dirty &&
    a.bus === b.bus &&
    a.queues === b.queues &&
    a.info === b.info &&
    a.mdevs === b.mdevs &&
    a.vms === b.vms
  );
}

/** apply, with a task that dies or never returns (KernelStop) ending the op where it was: EFAULT. */
function applyStopping(cfg: Config, s: State, op: Op): Effect {
  try {
    return apply(cfg, s, op);
  } catch (e) {
    if (isKernelStop(e)) return { state: e.state, errno: 'EFAULT' };
    throw e;
  }
}

/**
 * A synchronous host change that leaves the host configuration as it is (adding a configured
 * resource, removing one that is not) is a whole `scan` alone: step(s, op) and step(s, { kind: 'scan' })
 * are the same transition (hostChange). The exhaustive engine steps that scan once per state
 * (exhaustive/engine.ts; checked in its tests).
 */
export function hostChangeIsScan(cfg: Config, s: State, op: Op): boolean {
  if (op.kind !== 'host' || op.async === true) return false;
  if (!Number.isInteger(op.id) || op.id < 0 || op.id >= idLimit(cfg, op.resource)) return false;
  return has(s.host[KEY[op.resource]], op.id) === (op.action === 'add');
}

/** Run a whole list of operations from `s`; the states after each step. */
export function run(cfg: Config, s: State, ops: readonly Op[]): Step[] {
  const out: Step[] = [];
  for (const op of ops) {
    const r = step(cfg, s, op);
    out.push(r);
    s = r.state;
  }
  return out;
}

function apply(cfg: Config, s: State, op: Op): Effect {
  switch (op.kind) {
    case 'apmask':
    case 'aqmask':
      return writeMask(cfg, s, op.kind, op.value, op.async === true);
    // A queue name outside the scope names no device: ENODEV (bind/unbind), nothing pending (reprobe).
    case 'reprobe':
      return reprobe(cfg, s, op.apid, op.apqi, op.half);
    case 'driver_override':
      return driverOverride(cfg, s, op.apid, op.apqi, op.driver);
    case 'reset_poll':
      return resetPoll(cfg, s, op.apid, op.apqi);
    case 'bind':
      return bind(cfg, s, op.apid, op.apqi, op.driver);
    case 'unbind':
      return unbind(cfg, s, op.apid, op.apqi, op.driver);
    case 'scan':
      return scanAll(cfg, s);
    case 'scan_start':
      return scanStart(cfg, s);
    case 'scan_step':
      return scanStep(cfg, s);
    case 'scan_complete':
      return scanComplete(cfg, s);
    case 'host':
      return hostChange(cfg, s, op.action, op.resource, op.id, op.async === true);
    case 'card_config':
      return cardConfig(cfg, s, op.apid, op.config);
    case 'fault': {
      if (op.apid >= cfg.scope.adapters || op.apqi >= cfg.scope.domains || !validId(op.apid) || !validId(op.apqi))
        return 'EINVAL';
      const i = qix(cfg.scope, op.apid, op.apqi);
      if (s.fault[i] === op.fault) return s;
      const fault = s.fault.slice();
      fault[i] = op.fault;
      // A queue leaves a checkstop only through a reset: the adapter's recovery, and the bus's own at its next scan
      // (ap_bus.c ap_scan_domains(), "checkstop off": _ap_queue_init_state(), RESET_START); spec §4.6/§9 are silent.
      const after = patchState(s, { fault });
      return s.fault[i] === 'checkstop' ? setDirty(after, i, null) : after;
    }
    default:
      return applyVfio(cfg, s, op);
  }
}

function applyVfio(cfg: Config, s: State, op: VfioOp): Effect {
  const p = cfg.policy;
  if (op.kind === 'create') return p.create(cfg, s, op.mdev);
  // Every other op names an mdev's sysfs directory: ENOENT when it does not exist.
  const x = s.mdevs[op.mdev];
  if (x === undefined) return 'ENOENT';
  switch (op.kind) {
    case 'remove': {
      const r = p.remove_mdev(cfg, s, op.mdev);
      // A second writer finds the remove file gone and does nothing more (device_remove_file_self).
      return op.async === true || x.removing ? r : firstRequest(cfg, r, op.mdev);
    }
    case 'assign_adapter':
    case 'assign_domain':
    case 'assign_control_domain':
      return kernelId(op.id) ? p.assign(cfg, s, op.mdev, RESOURCE_OF[op.kind], op.id) : 'EINVAL';
    case 'unassign_adapter':
    case 'unassign_domain':
    case 'unassign_control_domain':
      return kernelId(op.id) ? p.unassign(cfg, s, op.mdev, RESOURCE_OF[op.kind], op.id) : 'EINVAL';
    case 'ap_config':
      if (p.ap_config === null) return 'ENOENT';
      // 64 hex digits per field: ids 0..255 parse; anything else is EINVAL.
      return [...op.apm, ...op.aqm, ...op.adm].every((id) => kernelId(id) && id < 256)
        ? p.ap_config(cfg, s, op.mdev, op)
        : 'EINVAL';
    case 'start': {
      // The vfio core refuses a second opener (errno unverified, spec §8.4).
      if (x.open) return 'EBUSY';
      const r = p.attach(cfg, s, op.mdev, op.vm);
      return typeof r === 'string' || 'errno' in r ? r : opened(r, op.mdev, true);
    }
    case 'stop': {
      // The device is not open: nothing to close (a modelling choice; QEMU would not be running).
      if (!x.open) return 'ENODEV';
      const d = opened(p.detach(cfg, s, op.mdev), op.mdev, false);
      const gone = d.mdevs[op.mdev];
      if (!gone?.removing) return d;
      const done = p.remove_mdev(cfg, d, op.mdev);
      return typeof done === 'string' ? d : done;
    }
    case 'vfio_reset':
      // The ioctl needs the open device.
      return x.open ? p.reset(cfg, s, op.mdev) : 'ENODEV';
    case 'request':
      // Only while a remove waits for the open device; a design without the callback just waits.
      if (!x.removing || !x.open) return 'EAGAIN';
      return p.request === null ? s : p.request(cfg, s, op.mdev);
    case 'kvm_gone':
      // Only where the notifier exists, and only while the device has a KVM.
      if (p.kvm_gone === null) return 'ENODEV';
      return x.kvm === null ? 'EAGAIN' : p.kvm_gone(cfg, s, op.mdev);
    default:
      return assertNever(op);
  }
}

/**
 * The vfio core's first `request(0)` (vfio_unregister_group_dev calls it before it waits), if the remove
 * left m waiting for its open device and the design has the callback. The remove's errno, if any, stays.
 */
function firstRequest(cfg: Config, r: Effect, m: string): Effect {
  const st = stateOf(r);
  const x = st?.mdevs[m];
  if (st === null || !x?.removing || !x.open || cfg.policy.request === null) return r;
  const after = cfg.policy.request(cfg, st, m);
  return typeof r !== 'string' && 'errno' in r ? { state: after, errno: r.errno } : after;
}

/** m's VFIO device open or closed (the vfio core's open count), if m still exists. */
function opened(s: State, m: string, open: boolean): State {
  const x = s.mdevs[m];
  return x === undefined || x.open === open ? s : patchMdev(s, m, { open });
}

/** Host AP configuration change (HMC/SE); unless `async`, the bus scan that notices it runs to the end. */
function hostChange(
  cfg: Config,
  s: State,
  action: 'add' | 'remove',
  res: keyof typeof KEY,
  id: number,
  async: boolean,
): Outcome {
  if (!Number.isInteger(id) || id < 0 || id >= idLimit(cfg, res)) return 'EINVAL';
  const k = KEY[res];
  const cur = s.host[k];
  const next = action === 'add' ? add(cur, id) : del(cur, id);
  if (next !== cur) {
    const host: Matrix = { ...s.host, [k]: next };
    s = patchState(s, { host });
    // §11 I9: an APQN that leaves the host configuration is exempt from reset-before-reuse.
    if (action === 'remove' && k !== 'adm') s = forgetDirtyOutside(cfg, s);
  }
  return async ? s : scanAll(cfg, s);
}

const KEY = { adapter: 'apm', domain: 'aqm', control_domain: 'adm' } as const;

/** The scope's number of ids of a host resource. */
const idLimit = (cfg: Config, res: keyof typeof KEY): number =>
  res === 'adapter' ? cfg.scope.adapters : res === 'domain' ? cfg.scope.domains : cfg.scope.control_domains;

function forgetDirtyOutside(cfg: Config, s: State): State {
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      if (!has(s.host.apm, a) || !has(s.host.aqm, d)) s = setDirty(s, qix(cfg.scope, a, d), null);
    }
  }
  return s;
}

/**
 * cardXX/config (spec §4.6): SCLP deconfigure / configure. Queues stay; resets then answer
 * 'deconfigured'. ENODEV when the bus has no card device. Configuring brings the adapter's queues
 * up zeroized, so their ghost dirty marks go (inferred; the spec is silent).
 */
function cardConfig(cfg: Config, s: State, apid: number, config: 0 | 1): Outcome {
  if (!validId(apid) || apid >= cfg.scope.adapters || !has(s.bus.qci.apm, apid)) return 'ENODEV';
  const off = has(s.cardOff, apid);
  if (off === (config === 0)) return s;
  s = patchState(s, { cardOff: config === 0 ? add(s.cardOff, apid) : del(s.cardOff, apid) });
  if (config === 1) for (let d = 0; d < cfg.scope.domains; d++) s = setDirty(s, qix(cfg.scope, apid, d), null);
  return s;
}

/**
 * Ghost state for I9 (spec §9): after every step, a queue a guest can use (its APQN in the VM's
 * CRYCB, in the host configuration, the card configured, not checkstopped) is marked dirty by that
 * VM. A mark is never overwritten by another VM: only a reset clears it, so a mark of VM v on a
 * queue in VM w's CRYCB is a reuse without reset.
 */
function markDirty(cfg: Config, s: State): State {
  for (const vm in s.vms) {
    const c = s.vms[vm]!.crycb;
    const apm = minus(and(c.apm, s.host.apm), s.cardOff);
    if (apm === 0) continue;
    const ds = ids(and(c.aqm, s.host.aqm));
    for (const a of ids(apm)) {
      for (const d of ds) {
        const i = qix(cfg.scope, a, d);
        if (s.dirty[i] === null && s.fault[i] !== 'checkstop') s = setDirty(s, i, vm);
      }
    }
  }
  return s;
}
