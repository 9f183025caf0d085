/**
 * A real machine's AP and vfio_ap state (as `apmc import` reads it from sysfs, spec §12) as a trace: the
 * real ids the model keeps and their model ids (the `real` directive), the initial host configuration, and
 * the mask writes, queue unbinds, mdev creations, assignments and guest starts that rebuild the state in the
 * model. Pure: the reading is bin/import-sysfs.ts's.
 */
import { apqnName, type Scope } from '../model/scope.ts';
import type { RealIds, Trace, TraceStep } from './types.ts';
import type { Op } from '../model/ops.ts';

/** A matrix in real ids (sorted, 0..255). */
export interface RealMatrix {
  readonly apm: readonly number[];
  readonly aqm: readonly number[];
  readonly adm: readonly number[];
}

export interface MachineCard {
  readonly apid: number;
  /** `cardXX/hwtype`, or null if unknown. */
  readonly hwtype: number | null;
  /** `cardXX/config` (0: deconfigured), or null where the kernel has none. */
  readonly config: 0 | 1 | null;
}

export interface MachineQueue {
  readonly apid: number;
  readonly apqi: number;
  /** The driver's name (the `driver` link's last part), or null when unbound. */
  readonly driver: string | null;
  /** `status` (vfio_ap-bound queues: `assigned`, `unassigned`, `in use`), or null. */
  readonly status: string | null;
}

export interface MachineMdev {
  readonly uuid: string;
  readonly matrix: RealMatrix;
  /** `guest_matrix` lines as the kernel prints them (`05.002c`, `05.`, `.002c`), or null when absent. */
  readonly guestMatrix: readonly string[] | null;
}

export interface Machine {
  /** The ids whose apmask / aqmask bit is set (0..255). */
  readonly apmask: readonly number[];
  readonly aqmask: readonly number[];
  /** The QCI (`ap_adapter_mask` …), or null where the machine says `not supported`. */
  readonly qci: RealMatrix | null;
  readonly cards: readonly MachineCard[];
  readonly queues: readonly MachineQueue[];
  readonly mdevs: readonly MachineMdev[];
  /** `/sys/devices/vfio_ap/matrix` exists: vfio_ap is loaded. */
  readonly vfioAp: boolean;
  /** Comment lines for the trace's header (where it came from, the kernel release). */
  readonly header?: readonly string[];
}

export interface Imported {
  readonly trace: Trace;
  /** What the model leaves out, one sentence each (for stderr). */
  readonly notes: readonly string[];
}

const hex2 = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;
const hex4 = (n: number): string => `0x${n.toString(16).padStart(4, '0')}`;
/** A comment is one line: a control or format character (a newline, a bidi override) shows as '?'. */
const oneLineComment = (s: string): string => s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, '?');
const uniq = (xs: Iterable<number>): number[] => [...new Set(xs)];

/** Whether an mdev has a guest: a queue of its matrix that vfio_ap reports `in use` (spec §8.7). */
export function mdevInUse(m: Machine, x: MachineMdev): boolean {
  return m.queues.some((q) => q.status === 'in use' && x.matrix.apm.includes(q.apid) && x.matrix.aqm.includes(q.apqi));
}

/**
 * The ids to keep, at most `max`: the `first` ones (in vfio_ap use) in their order, then `then`; each kept
 * list sorted, so that model ids keep the real ids' order. The left-out ones are returned too.
 */
function keep(first: readonly number[], then: readonly number[], max: number): [number[], number[]] {
  const all = uniq([...first, ...then]);
  return [all.slice(0, max).sort((a, b) => a - b), all.slice(max).sort((a, b) => a - b)];
}

/** The mdevs ordered as the model names them (m1, m2 …): those with a guest first, then by UUID. */
function mdevOrder(m: Machine): MachineMdev[] {
  const key = (x: MachineMdev) => (mdevInUse(m, x) ? 0 : 1);
  return [...m.mdevs].sort((a, b) => key(a) - key(b) || (a.uuid < b.uuid ? -1 : a.uuid > b.uuid ? 1 : 0));
}

/** The trace that rebuilds `m` in the model, with at most `limits` of each kind of id. */
export function machineTrace(m: Machine, limits: Scope, source: string): Imported {
  const notes: string[] = [];
  const mdevs = mdevOrder(m);
  const keptMdevs = mdevs.slice(0, limits.mdevs);
  for (const x of mdevs.slice(limits.mdevs)) notes.push(`mdev ${x.uuid} left out (the model holds ${limits.mdevs})`);
  const vfioQueues = m.queues.filter((q) => q.driver === 'vfio_ap');
  const qci = m.qci ?? {
    apm: uniq(m.cards.map((c) => c.apid)).sort((a, b) => a - b),
    aqm: uniq(m.queues.map((q) => q.apqi)).sort((a, b) => a - b),
    adm: [],
  };
  // In vfio_ap use first: assigned to a kept mdev, bound to vfio_ap, reserved by the masks; then the host's.
  const used = (k: 'apm' | 'aqm' | 'adm') => keptMdevs.flatMap((x) => x.matrix[k]);
  const [adapters, adaptersOut] = keep(
    [...used('apm'), ...vfioQueues.map((q) => q.apid), ...qci.apm.filter((a) => !m.apmask.includes(a))],
    [...qci.apm, ...m.cards.map((c) => c.apid)],
    limits.adapters,
  );
  const [domains, domainsOut] = keep(
    [...used('aqm'), ...vfioQueues.map((q) => q.apqi), ...qci.aqm.filter((d) => !m.aqmask.includes(d))],
    [...qci.aqm, ...m.queues.map((q) => q.apqi)],
    limits.domains,
  );
  const [controls, controlsOut] = keep(used('adm'), qci.adm, limits.control_domains);
  const out = (what: string, ids: number[], hex: (n: number) => string, n: number) => {
    if (ids.length > 0) notes.push(`${what} ${ids.map(hex).join(',')} left out (the model holds ${n})`);
  };
  out('adapters', adaptersOut, hex2, limits.adapters);
  out('domains', domainsOut, hex4, limits.domains);
  out('control domains', controlsOut, hex4, limits.control_domains);
  const A = new Map(adapters.map((r, i) => [r, i]));
  const D = new Map(domains.map((r, i) => [r, i]));
  const C = new Map(controls.map((r, i) => [r, i]));
  const modelIds = (ids: readonly number[], map: Map<number, number>) => ids.flatMap((r) => map.get(r) ?? []);

  const steps: TraceStep[] = [];
  const add = (op: Op, comment?: string) => steps.push(comment === undefined ? { op } : { op, comment });
  // The masks: the kept ids whose bit is clear (relative writes, as a replay on a shared LPAR makes them).
  const cleared = (ids: number[], mask: readonly number[]) =>
    ids.flatMap((r, i) => (mask.includes(r) ? [] : [`-${i}`])).join(',');
  const apClear = cleared(adapters, m.apmask);
  const aqClear = cleared(domains, m.aqmask);
  if (apClear !== '') add({ kind: 'apmask', value: apClear });
  if (aqClear !== '') add({ kind: 'aqmask', value: aqClear });
  // Queues the masks would give a driver that the machine has unbound, or bound to the other driver.
  for (const q of m.queues) {
    const a = A.get(q.apid);
    const d = D.get(q.apqi);
    if (a === undefined || d === undefined) continue;
    // Default-owned iff both bits are set (ap_owned_by_def_drv).
    const byMasks = m.apmask.includes(q.apid) && m.aqmask.includes(q.apqi) ? 'cex4queue' : 'vfio_ap';
    const driver = q.driver === null ? null : q.driver === 'vfio_ap' ? 'vfio_ap' : 'cex4queue';
    if (driver === byMasks) continue;
    add({ kind: 'unbind', apid: a, apqi: d }, `the machine has ${q.driver ?? 'no driver'}`);
    if (driver !== null) add({ kind: 'bind', apid: a, apqi: d, driver });
  }
  const names = new Map<string, string>();
  let vms = 0;
  keptMdevs.forEach((x, i) => {
    const name = `m${i + 1}`;
    names.set(name, x.uuid);
    add({ kind: 'create', mdev: name }, x.uuid);
    for (const id of modelIds(x.matrix.apm, A)) add({ kind: 'assign_adapter', mdev: name, id });
    for (const id of modelIds(x.matrix.aqm, D)) add({ kind: 'assign_domain', mdev: name, id });
    for (const id of modelIds(x.matrix.adm, C)) add({ kind: 'assign_control_domain', mdev: name, id });
  });
  keptMdevs.forEach((x, i) => {
    if (!mdevInUse(m, x)) return;
    if (vms === limits.vms) {
      notes.push(`the guest of mdev ${x.uuid} left out (the model holds ${limits.vms} guests)`);
      return;
    }
    vms++;
    add({ kind: 'start', mdev: `m${i + 1}`, vm: `vm${vms}` }, 'a queue of its matrix is in use');
  });
  for (const c of m.cards) {
    const a = A.get(c.apid);
    if (c.config === 0 && a !== undefined) add({ kind: 'card_config', apid: a, config: 0 }, 'deconfigured');
  }
  const real: RealIds = { adapters, domains, control_domains: controls, mdevs: Object.fromEntries(names) };
  const scope: Scope = {
    adapters: Math.max(1, adapters.length),
    domains: Math.max(1, domains.length),
    control_domains: Math.max(1, controls.length),
    // One mdev and one guest more than the machine has, for the explorers to add (within the model's limits).
    mdevs: Math.max(1, Math.min(limits.mdevs, keptMdevs.length + 1)),
    vms: Math.max(1, Math.min(limits.vms, vms + 1)),
  };
  const initial = {
    adapters: modelIds(qci.apm, A),
    domains: modelIds(qci.aqm, D),
    control_domains: modelIds(qci.adm, C),
  };
  const header = [
    `apmc import of ${oneLineComment(source)}: the machine's vfio_ap state, rebuilt from a booted host.`,
    ...(m.header ?? []),
    ...(m.vfioAp ? [] : ['vfio_ap is not loaded on this machine (no /sys/devices/vfio_ap/matrix).']),
    ...notes.map((n) => `Left out: ${n}.`),
  ];
  const trace: Trace = {
    scope,
    scopeSet: ['adapters', 'domains', 'control_domains', 'mdevs', 'vms'],
    policy: null,
    initial,
    real,
    header,
    steps,
    trailer: [],
  };
  return { trace, notes };
}

/** A model matrix line (`01.0002`, `01.`, `.0002`) in real ids, through the mapping. */
export function realLine(line: string, r: RealIds): string {
  const [a = '', d = ''] = line.split('.');
  const ra = a === '' ? '' : (r.adapters[parseInt(a, 16)] ?? parseInt(a, 16)).toString(16).padStart(2, '0');
  const rd = d === '' ? '' : (r.domains[parseInt(d, 16)] ?? parseInt(d, 16)).toString(16).padStart(4, '0');
  return `${ra}.${rd}`;
}

/** A real matrix line, or null when it names an id the mapping left out. */
export function keptLine(line: string, r: RealIds): string | null {
  const [a = '', d = ''] = line.trim().split('.');
  if (a !== '' && !r.adapters.includes(parseInt(a, 16))) return null;
  if (d !== '' && !r.domains.includes(parseInt(d, 16))) return null;
  return line.trim();
}

/** `aa.dddd` of a real queue. */
export const realApqn = (q: MachineQueue): string => apqnName(q.apid, q.apqi);
