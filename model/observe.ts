/**
 * What a person (or a replay script) can read from sysfs and the guest: the observable projection of
 * a state, rendered in the kernel's own formats (spec §12).
 */
import { has, ids, toKernelHex } from './bits.ts';
import type { Config, QueueStatus } from './policy.ts';
import { apqnName } from './scope.ts';
import type { Matrix, MdevName, State } from './state.ts';

/**
 * `<uuid>/matrix` and `guest_matrix` format: APID-major APQNs; `aa.` lines without domains, `.dddd` without
 * adapters.
 */
export function matrixLines(m: Pick<Matrix, 'apm' | 'aqm'>): string[] {
  const as = ids(m.apm);
  const ds = ids(m.aqm);
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  if (as.length > 0 && ds.length === 0) return as.map((a) => `${hex(a, 2)}.`);
  if (as.length === 0) return ds.map((d) => `.${hex(d, 4)}`);
  return as.flatMap((a) => ds.map((d) => apqnName(a, d)));
}

/** The APQNs a CRYCB gives its guest (the cross product; adapters or domains alone give none). */
export const crycbApqns = (m: Matrix): string[] => ids(m.apm).flatMap((a) => ids(m.aqm).map((d) => apqnName(a, d)));

/** `control_domains` format: one `%04x` line per domain. */
export const domainLines = (mask: Matrix['adm']): string[] => ids(mask).map((d) => d.toString(16).padStart(4, '0'));

/** The queue `status` attribute (spec §8.7): found by matrix membership, not by the link. */
export function queueStatus(s: State, apid: number, apqi: number): QueueStatus {
  for (const name in s.mdevs) {
    const x = s.mdevs[name]!;
    if (!has(x.matrix.apm, apid) || !has(x.matrix.aqm, apqi)) continue;
    const sh = x.shadow;
    return x.kvm !== null && sh !== null && has(sh.apm, apid) && has(sh.aqm, apqi) ? 'in use' : 'assigned';
  }
  return 'unassigned';
}

export interface MdevView {
  readonly matrix: string[];
  /** null where the design has no shadow (static; v12 without a guest: reading guest_matrix gives ENODEV). */
  readonly guest_matrix: string[] | null;
  readonly control_domains: string[];
  readonly vm: string | null;
  readonly removing: boolean;
}

export interface VmView {
  readonly crycb: string[];
  readonly control_domains: string[];
  readonly mdev: MdevName | null;
}

export interface Observation {
  readonly apmask: string;
  readonly aqmask: string;
  readonly host: { readonly adapters: number[]; readonly domains: number[]; readonly control_domains: number[] };
  readonly queues: Record<string, 'vfio_ap' | 'cex4queue' | null>;
  readonly status: Record<string, string>;
  readonly mdevs: Record<MdevName, MdevView>;
  readonly vms: Record<string, VmView>;
}

/** The observable state, with sorted keys so that two observations compare as JSON. */
export function observe(cfg: Config, s: State): Observation {
  const queues: Record<string, 'vfio_ap' | 'cex4queue' | null> = {};
  const status: Record<string, string> = {};
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      const q = s.queues[a * cfg.scope.domains + d];
      if (!q) continue;
      queues[apqnName(a, d)] = q.driver;
      if (q.driver === 'vfio_ap') status[apqnName(a, d)] = cfg.policy.status(cfg, s, a, d);
    }
  }
  const mdevs: Record<MdevName, MdevView> = {};
  for (const name of Object.keys(s.mdevs).sort()) {
    const x = s.mdevs[name]!;
    mdevs[name] = {
      matrix: matrixLines(x.matrix),
      guest_matrix: x.shadow ? matrixLines(x.shadow) : null,
      control_domains: domainLines(x.matrix.adm),
      vm: x.kvm,
      removing: x.removing,
    };
  }
  const vms: Record<string, VmView> = {};
  for (const name of Object.keys(s.vms).sort()) {
    const v = s.vms[name]!;
    vms[name] = { crycb: crycbApqns(v.crycb), control_domains: domainLines(v.crycb.adm), mdev: v.hook };
  }
  return {
    apmask: toKernelHex(s.bus.apmask, s.bus.apmaskHigh),
    aqmask: toKernelHex(s.bus.aqmask, s.bus.aqmaskHigh),
    host: { adapters: ids(s.host.apm), domains: ids(s.host.aqm), control_domains: ids(s.host.adm) },
    queues,
    status,
    mdevs,
    vms,
  };
}
