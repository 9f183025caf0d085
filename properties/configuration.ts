/**
 * "Configuration", for the history properties: everything an administrator or the hardware
 * decided, and nothing a vfio_ap design computes from it. Two states have the same configuration iff:
 * - the host AP configuration (apm, aqm, adm), the deconfigured cards and every queue's fault agree;
 * - apmask and aqmask agree;
 * - the same queue devices exist, bound to the same drivers, with the same stored reset outcome
 *   (unless `ignoreResets`);
 * - the same mdevs exist with the same matrix (apm, aqm, adm), attached to the same VM, with the
 *   same pending remove.
 * Not part of it: shadows / guest_matrix and CRYCBs (what the properties compare), links, pending
 * scan adds and the ghost dirty marks. Both states are compared at quiescence.
 * The state's schema (model/state-shape.ts) marks these parts `config`; properties/state-shape.test.ts
 * checks this key against the marks, part by part.
 */
import type { State } from '../model/state.ts';

export interface KeyOptions {
  /** Leave out stored reset outcomes. */
  readonly ignoreResets?: boolean;
  /** Leave out mdev matrices (recovery: only the kernel can change them during a disturbance). */
  readonly ignoreMatrices?: boolean;
  /** Leave out the mdevs altogether (the caller keys them itself). */
  readonly ignoreMdevs?: boolean;
}

export function configurationKey(s: State, opt: KeyOptions = {}): string {
  const ignoreResets = opt.ignoreResets === true;
  const parts: (string | number | boolean)[] = [
    s.host.apm,
    s.host.aqm,
    s.host.adm,
    s.cardOff,
    s.fault.join(','),
    s.bus.apmask,
    s.bus.aqmask,
    s.bus.apmaskHigh,
    s.bus.aqmaskHigh,
  ];
  for (const q of s.queues) {
    if (q === null) parts.push('-');
    else parts.push(`${q.driver ?? 'none'}${ignoreResets ? '' : `/${q.reset}`}${q.override ? `>${q.override}` : ''}`);
  }
  if (opt.ignoreMdevs) return parts.join('|');
  for (const m of Object.keys(s.mdevs).sort()) {
    const x = s.mdevs[m]!;
    if (opt.ignoreMatrices) parts.push(m, x.kvm ?? '', x.removing, x.open);
    else parts.push(m, x.matrix.apm, x.matrix.aqm, x.matrix.adm, x.kvm ?? '', x.removing, x.open);
  }
  return parts.join('|');
}
