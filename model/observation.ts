/**
 * What counts as a difference between two designs (`apmc diff --observe`): a state as flat `what → value`
 * entries at one of three levels, so that two states compare entry by entry.
 * - `guest`: what the guests get: each VM's CRYCB (APQNs and control domains).
 * - `sysfs`: everything sysfs shows besides: the step's result, each queue's driver and `status`
 *   attribute, each mdev's matrix, guest_matrix (its APQNs), control domains and guest, each VM's mdev,
 *   and the step's kernel events as dmesg shows them. The masks are left out: they follow from the trace.
 * - `all`: the whole model state: links on both sides, reset statuses, faults, the ghost `dirty`
 *   owners, the bus (masks, QCI, scan), vfio_ap's copy of the QCI, each mdev's shadow and pending
 *   additions, each VM's CRYCB and hook, and the resources each event names.
 */
import { ids, type Mask } from './bits.ts';
import { formatEvent, type KernelEvent, NO_EVENTS } from './events.ts';
import { observe } from './observe.ts';
import type { Config } from './policy.ts';
import { apqnName } from './scope.ts';
import type { Matrix, State } from './state.ts';
import type { Result } from './step.ts';

export type ObserveLevel = 'guest' | 'sysfs' | 'all';
export const OBSERVE_LEVELS: readonly ObserveLevel[] = ['guest', 'sysfs', 'all'];

const set = (xs: readonly (string | number)[]): string => `{${xs.join(' ')}}`;
const hex = (n: number, w: number): string => n.toString(16).padStart(w, '0');
const adapters = (m: Mask): string => set(ids(m).map((a) => hex(a, 2)));
const domains = (m: Mask): string => set(ids(m).map((d) => hex(d, 4)));
const matrix = (m: Matrix | null): string =>
  m === null ? 'none' : `apm ${adapters(m.apm)} aqm ${domains(m.aqm)} adm ${domains(m.adm)}`;

/**
 * The state `s` (after a step that gave `result` and `events`, or null and none) as `what → value` entries
 * at `level`.
 */
export function observation(
  cfg: Config,
  s: State,
  result: Result | null,
  level: ObserveLevel,
  events: readonly KernelEvent[] = NO_EVENTS,
): Map<string, string> {
  const o = observe(cfg, s);
  const m = new Map<string, string>();
  if (level !== 'guest') {
    if (result !== null) m.set('result', result);
    // dmesg is as visible on the machine as sysfs is: the step's events count from `sysfs` up.
    if (events.length > 0) m.set('kernel log', events.map(formatEvent).join(' | '));
    if (events.length > 0 && level === 'all') m.set('kernel events', JSON.stringify(events));
    for (const [q, d] of Object.entries(o.queues)) m.set(`${q} driver`, d ?? 'none');
    for (const [q, st] of Object.entries(o.status)) m.set(`${q} status`, st);
    // driver_override (6.19) is a sysfs attribute of the queue device; shown where one is set.
    s.queues.forEach((dev, i) => {
      if (dev?.override) m.set(`${qname(cfg, i)} driver_override`, dev.override);
    });
    for (const [name, x] of Object.entries(o.mdevs)) {
      m.set(`${name} matrix`, set(x.matrix));
      // What the guest_matrix gives: full APQNs only (`aa.` / `.dddd` lines and no shadow give nothing).
      m.set(`${name} guest_matrix`, set((x.guest_matrix ?? []).filter((l) => /^[0-9a-f]{2}\.[0-9a-f]{4}$/.test(l))));
      m.set(`${name} control_domains`, set(x.control_domains));
      m.set(`${name} guest`, x.vm ?? 'none');
    }
  }
  for (const [name, v] of Object.entries(o.vms)) {
    m.set(`${name} crycb`, set(v.crycb));
    m.set(`${name} crycb control domains`, set(v.control_domains));
    if (level !== 'guest') m.set(`${name} mdev`, v.mdev ?? 'none');
  }
  if (level === 'all') internals(cfg, s, m);
  return m;
}

/** APQN name of queue index i. */
const qname = (cfg: Config, i: number): string => apqnName(Math.floor(i / cfg.scope.domains), i % cfg.scope.domains);

/** The model state sysfs does not show. */
function internals(cfg: Config, s: State, m: Map<string, string>): void {
  const { adapters: na, domains: nd } = cfg.scope;
  m.set('host', matrix(s.host));
  m.set('cardOff', adapters(s.cardOff));
  for (let a = 0; a < na; a++) {
    for (let d = 0; d < nd; d++) {
      const i = a * nd + d;
      const q = apqnName(a, d);
      const dev = s.queues[i];
      const flags = dev ? (['polling', 'dup', 'rebind'] as const).filter((f) => dev[f]).map((f) => `, ${f}`) : [];
      m.set(`${q} device`, dev ? `link ${dev.link ?? 'none'}, reset ${dev.reset}${flags.join('')}` : 'none');
      m.set(`${q} fault`, s.fault[i]!);
      m.set(`${q} dirty`, s.dirty[i] ?? 'none');
    }
  }
  const b = s.bus;
  m.set('apmask', `${adapters(b.apmask)}${b.apmaskHigh ? ' +high' : ''}`);
  m.set('aqmask', `${domains(b.aqmask)}${b.aqmaskHigh ? ' +high' : ''}`);
  m.set('bus qci', matrix(b.qci));
  m.set('scan', b.scan ? `qci ${matrix(b.scan.qci)}, old ${matrix(b.scan.old)}, changed ${b.scan.changed}` : 'none');
  m.set('info', matrix(s.info));
  for (const name of Object.keys(s.mdevs).sort()) {
    const x = s.mdevs[name]!;
    m.set(`${name} shadow`, matrix(x.shadow));
    m.set(`${name} qtable`, set(x.qtable.flatMap((q, a) => ids(q).map((d) => apqnName(a, d)))));
    m.set(`${name} pending`, matrix(x.pending));
    m.set(`${name} removing`, String(x.removing));
    m.set(`${name} open`, String(x.open));
  }
  for (const name of Object.keys(s.vms).sort()) {
    const v = s.vms[name]!;
    m.set(`${name} crycb matrix`, matrix(v.crycb));
    m.set(`${name} hook`, v.hook ?? 'none');
  }
}

export interface Difference {
  readonly what: string;
  readonly a: string;
  readonly b: string;
}

/** The entries of two observations that differ, in the order of their keys. */
export function differences(x: ReadonlyMap<string, string>, y: ReadonlyMap<string, string>): Difference[] {
  const keys = [...new Set([...x.keys(), ...y.keys()])];
  return keys
    .filter((k) => x.get(k) !== y.get(k))
    .map((k) => ({ what: k, a: x.get(k) ?? '(absent)', b: y.get(k) ?? '(absent)' }));
}

/** Whether two states (after steps with these results and events) differ at `level`: faster than `differences`. */
export function differ(
  ca: Config,
  sa: State,
  ra: Result | null,
  cb: Config,
  sb: State,
  rb: Result | null,
  level: ObserveLevel,
  ea: readonly KernelEvent[] = NO_EVENTS,
  eb: readonly KernelEvent[] = NO_EVENTS,
): boolean {
  const x = observation(ca, sa, ra, level, ea);
  const y = observation(cb, sb, rb, level, eb);
  if (x.size !== y.size) return true;
  for (const [k, v] of x) if (y.get(k) !== v) return true;
  return false;
}
