/**
 * The AP bus (spec §4): mask writes with the in_use refusal and the re-probes that follow, manual
 * bind/unbind (every unbind ZAPQs), and the scan that notices host configuration changes. Driver
 * callbacks come from the policy in `cfg`.
 */
import { has, minus, range } from './bits.ts';
import { defOwned, maskDriver, queueAt } from './blocks/queries.ts';
import { zapq } from './blocks/reset.ts';
import { parseMaskWrite } from './mask-syntax.ts';
import type { Config, Effect, Outcome } from './policy.ts';
import { qix } from './scope.ts';
import type { Driver, Matrix, QueueDev, State } from './state.ts';
import { freshQueue, patchBus, patchQueue, patchState, sameMatrix, setQueue } from './state.ts';

/**
 * The driver ap_device_probe() accepts for a queue (6.19): the one its driver_override names, whatever the
 * masks say; without an override, the one the masks select (spec §4.1).
 */
export const probeDriver = (s: State, apid: number, apqi: number, q: QueueDev): Driver =>
  q.override ?? maskDriver(s, apid, apqi);

/** Bind a registered, unbound queue to `driver` (the driver core's probe; the mask rule is checked by callers). */
function probeDevice(cfg: Config, s: State, apid: number, apqi: number, driver: Driver): State {
  const i = qix(cfg.scope, apid, apqi);
  s = setQueue(s, i, freshQueue(driver, s.queues[i]?.override ?? null));
  if (driver === 'vfio_ap') return cfg.policy.probe(cfg, s, apid, apqi);
  // A zcrypt probe starts the queue's state machine with a reset (spec §4.3).
  return zapq(cfg, s, apid, apqi).state;
}

/** ap_device_remove(): the driver's remove callback, then the bus's ZAPQ (spec §4.4). The device stays, unbound. */
function unbindDevice(cfg: Config, s: State, apid: number, apqi: number): State {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver === null) return s;
  if (q.driver === 'vfio_ap') s = cfg.policy.remove(cfg, s, apid, apqi);
  s = cfg.policy.bus_remove(cfg, s, apid, apqi);
  return setQueue(s, qix(cfg.scope, apid, apqi), freshQueue(null, q.override));
}

/**
 * Is a re-probe of ap_bus_revise_bindings() pending for this queue (__ap_revise_reserved: an override that
 * names another driver, else the masks), or the bind half of one under way? Other unbound queues are left alone
 * (§4.2, §15.2).
 */
export function reprobePending(cfg: Config, s: State, apid: number, apqi: number): boolean {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null) return false;
  return q.driver === null ? q.rebind : q.driver !== probeDriver(s, apid, apqi, q);
}

/** The bus's ZAPQ after a driver's remove (ap_queue_remove, spec §4.4): the default `bus_remove` hook. */
export const busZapq = (cfg: Config, s: State, apid: number, apqi: number): State => zapq(cfg, s, apid, apqi).state;

/**
 * driver_override_store() without the 6.19 restriction (d38a87d7): set or clear the queue's override. Nothing is
 * re-probed: the override takes effect at the queue's next probe (bind, re-probe, mask write).
 */
export function storeOverride(cfg: Config, s: State, apid: number, apqi: number, d: Driver | null): Effect {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null) return 'ENODEV';
  return q.override === d ? s : setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { override: d }));
}

/** ap_apmask_aqmask_in_use (6.19 ap_bus.c): apmask or aqmask is not all ones. */
export const masksInUse = (s: State): boolean =>
  !(s.bus.apmask === range(32) && s.bus.apmaskHigh && s.bus.aqmask === range(32) && s.bus.aqmaskHigh);

/** ap_driver_override_ctr != 0 (6.19): some queue device has a driver_override. */
export const anyOverride = (s: State): boolean => s.queues.some((q) => q !== null && q.override !== null);

/**
 * driver_override_store() as of 6.19 (46030379): EINVAL while apmask or aqmask is in use (`rc = -EINVAL; if
 * (ap_apmask_aqmask_in_use) goto out;`), else `storeOverride`.
 */
export const restrictedOverride = (cfg: Config, s: State, apid: number, apqi: number, d: Driver | null): Effect =>
  masksInUse(s) ? 'EINVAL' : storeOverride(cfg, s, apid, apqi, d);

/** A driver_override write: ENOENT where the kernel has no such attribute, else the policy's bus rules. */
export function driverOverride(cfg: Config, s: State, apid: number, apqi: number, d: Driver | null): Effect {
  const f = cfg.policy.driver_override;
  if (f === null) return 'ENOENT';
  return queueAt(cfg, s, apid, apqi) === null ? 'ENODEV' : f(cfg, s, apid, apqi, d);
}

/**
 * The unbind half of device_reprobe() (device_release_driver): the driver's remove and the bus's `bus_remove`;
 * the queue is left unbound with its bind half pending (`rebind`). EAGAIN unless a re-probe is pending.
 */
function reprobeUnbind(cfg: Config, s: State, apid: number, apqi: number): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver === null || !reprobePending(cfg, s, apid, apqi)) return 'EAGAIN';
  s = unbindDevice(cfg, s, apid, apqi);
  const i = qix(cfg.scope, apid, apqi);
  return setQueue(s, i, patchQueue(s.queues[i]!, { rebind: true }));
}

/**
 * The bind half of device_reprobe() (bus_rescan_devices_helper → device_attach): probe the driver the override
 * or the masks select now. A queue bound in between (a manual bind) stays as it is. EAGAIN unless pending.
 */
function reprobeBind(cfg: Config, s: State, apid: number, apqi: number): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || !q.rebind) return 'EAGAIN';
  if (q.driver !== null) return setQueue(s, qix(cfg.scope, apid, apqi), patchQueue(q, { rebind: false }));
  return probeDevice(cfg, s, apid, apqi, probeDriver(s, apid, apqi, q));
}

/**
 * One re-probe (device_reprobe): unbind from the wrong driver, then bind to the one the override or the masks
 * select; `half` runs one half alone, so that other steps interleave between them. A design changes what runs
 * in the halves through its `remove`, `bus_remove` and `probe` callbacks.
 */
export function reprobe(cfg: Config, s: State, apid: number, apqi: number, half?: 'unbind' | 'bind'): Outcome {
  // The whole re-probe of a queue whose unbind half has run is what remains of it: the bind half.
  if (half === 'bind' || (half === undefined && queueAt(cfg, s, apid, apqi)?.rebind)) {
    return reprobeBind(cfg, s, apid, apqi);
  }
  const u = reprobeUnbind(cfg, s, apid, apqi);
  return half === 'unbind' || typeof u === 'string' ? u : reprobeBind(cfg, u, apid, apqi);
}

/** Every pending re-probe, in device order (the whole of ap_bus_revise_bindings()). */
export function reviseBindings(cfg: Config, s: State): State {
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      const r = reprobe(cfg, s, a, d);
      if (typeof r !== 'string') s = r;
    }
  }
  return s;
}

/**
 * apmask_store / aqmask_store (spec §4.2): EINVAL → (unchanged: OK, nothing else) → EBUSY if the policy's
 * `mask_write_refused` says so (6.19: an override is active) → EBUSY if the policy's in_use objects to
 * the newly set bits → commit; then the re-probes, unless `async`.
 */
export function writeMask(cfg: Config, s: State, which: 'apmask' | 'aqmask', value: string, async: boolean): Effect {
  const isAp = which === 'apmask';
  const cur = { mask: isAp ? s.bus.apmask : s.bus.aqmask, high: isAp ? s.bus.apmaskHigh : s.bus.aqmaskHigh };
  const next = parseMaskWrite(value, cur);
  if (next === 'EINVAL') return 'EINVAL';
  if (next.mask === cur.mask && next.high === cur.high) return s;
  // 46030379 (6.19): mask edits are refused while any override is active (errno not read, §4.2: EBUSY).
  if (cfg.policy.mask_write_refused?.(cfg, s)) return 'EBUSY';
  const reserved = minus(next.mask, cur.mask);
  const inUse = cfg.policy.in_use;
  if (reserved !== 0 && inUse) {
    const r = isAp ? inUse(cfg, s, reserved, s.bus.aqmask) : inUse(cfg, s, s.bus.apmask, reserved);
    if (r === true) return 'EBUSY';
    // An answer with a state: the refusal comes with what the check printed (the state's log); a state
    // that changed only its log is the very state of before (the reducer makes it so).
    if (r !== false && r.errno !== null) return { state: r.state, errno: 'EBUSY' };
    if (r !== false) s = r.state;
  }
  s = patchState(s, {
    bus: patchBus(
      s.bus,
      isAp ? { apmask: next.mask, apmaskHigh: next.high } : { aqmask: next.mask, aqmaskHigh: next.high },
    ),
  });
  return async ? s : reviseBindings(cfg, s);
}

/**
 * drivers/<driver>/bind: ENODEV (no device) → EBUSY (already bound, newer driver cores, §15.3) → ENODEV
 * (ap_device_probe: another driver's override, else the mask rule).
 */
export function bind(cfg: Config, s: State, apid: number, apqi: number, driver: Driver): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null) return 'ENODEV';
  if (q.driver !== null) return 'EBUSY';
  if (probeDriver(s, apid, apqi, q) !== driver) return 'ENODEV';
  return probeDevice(cfg, s, apid, apqi, driver);
}

/** drivers/<driver>/unbind: ENODEV unless the queue is bound to that driver (any driver when none is named). */
export function unbind(cfg: Config, s: State, apid: number, apqi: number, driver: Driver | undefined): Outcome {
  const q = queueAt(cfg, s, apid, apqi);
  if (q === null || q.driver === null || (driver !== undefined && q.driver !== driver)) return 'ENODEV';
  return unbindDevice(cfg, s, apid, apqi);
}

// --- the bus scan (§4.5) ----------------------------------------------------------------

/** Step 1: fetch the QCI; if it changed, on_config_changed(new, old). EAGAIN while a scan is under way. */
export function scanStart(cfg: Config, s: State): Outcome {
  if (s.bus.scan !== null) return 'EAGAIN';
  const qci: Matrix = s.host;
  const old = s.bus.qci;
  const changed = !sameMatrix(qci, old);
  const hook = cfg.policy.on_config_changed;
  if (changed && hook) s = hook(cfg, s, qci, old);
  return patchState(s, { bus: patchBus(s.bus, { qci, scan: { qci, old, changed } }) });
}

/** The first queue device, in (adapter, domain) order, that configuration `qci` adds or removes, or null. */
function firstDeviceChange(cfg: Config, s: State, qci: Matrix): { apid: number; apqi: number; add: boolean } | null {
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      const exists = s.queues[qix(cfg.scope, a, d)] !== null;
      const wanted = has(qci.apm, a) && has(qci.aqm, d);
      if (exists !== wanted) return { apid: a, apqi: d, add: wanted };
    }
  }
  return null;
}

/** The next device the scan under way adds or removes, or null. */
const nextScanDevice = (cfg: Config, s: State) =>
  s.bus.scan === null ? null : firstDeviceChange(cfg, s, s.bus.scan.qci);

/** Step 2, one device: remove it (driver remove + ZAPQ) or register it (probed by the driver the masks select). */
export function scanStep(cfg: Config, s: State): Outcome {
  const n = nextScanDevice(cfg, s);
  if (n === null) return 'EAGAIN';
  if (!n.add) return setQueue(unbindDevice(cfg, s, n.apid, n.apqi), qix(cfg.scope, n.apid, n.apqi), null);
  s = setQueue(s, qix(cfg.scope, n.apid, n.apqi), freshQueue(null));
  return probeDevice(cfg, s, n.apid, n.apqi, defOwned(s, n.apid, n.apqi) ? 'cex4queue' : 'vfio_ap');
}

/** Step 3: on_scan_complete(new, old) if the configuration changed. EAGAIN while devices are still to do. */
export function scanComplete(cfg: Config, s: State): Outcome {
  const scan = s.bus.scan;
  if (scan === null || nextScanDevice(cfg, s) !== null) return 'EAGAIN';
  const hook = cfg.policy.on_scan_complete;
  if (scan.changed && hook) s = hook(cfg, s, scan.qci, scan.old);
  return patchState(s, { bus: patchBus(s.bus, { scan: null }) });
}

/** Run the scan under way to its end: every device step, then on_scan_complete. */
function finishScan(cfg: Config, s: State): State {
  for (let r = scanStep(cfg, s); typeof r !== 'string'; r = scanStep(cfg, s)) s = r;
  const c = scanComplete(cfg, s);
  return typeof c === 'string' ? s : c;
}

/** A whole scan (`echo 1 > scans`, then wait for bindings complete): finish one under way, then run one. */
export function scanAll(cfg: Config, s: State): State {
  // Nothing to see (the bus already has the host's configuration and every device): the scan changes nothing.
  if (s.bus.scan === null && sameMatrix(s.host, s.bus.qci) && firstDeviceChange(cfg, s, s.host) === null) return s;
  if (s.bus.scan !== null) s = finishScan(cfg, s);
  const started = scanStart(cfg, s);
  return typeof started === 'string' ? s : finishScan(cfg, started);
}
