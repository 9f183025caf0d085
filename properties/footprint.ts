/**
 * The footprint of a step: the APQNs and mdevs an op acts on, derived from the op and the states before
 * and after it alone, the same for every policy (no design's behaviour is the oracle). It is what a log
 * line of the step may name (log-lines-name-the-right-resources).
 *
 * The APQNs of a step are those of its op (below) and every APQN the step visibly changed: its queue
 * device (driver, link, reset status, …), its ghost dirty mark, its fault, its presence in the bus's
 * configuration, in a CRYCB, in a guest_matrix (shadow) or in an mdev's queue table. By op:
 * - apmask / aqmask: of the bits the write (parsed, accepted or not) clears, × the other mask, every APQN;
 *   of the bits it sets, × the other mask, those some mdev has assigned (in_use names them when it
 *   refuses the write);
 * - assign / unassign of an adapter (domain) on m: the APQNs of its row (column) in m's matrix, before
 *   or after; of a control domain: none; ap_config: m's matrix before and the one written;
 * - a queue op (bind, unbind, reprobe, driver_override, fault, reset_poll): its APQN and, for each mdev
 *   that has it assigned, before or after, its row and column in that matrix (what a hot unplug of that
 *   one queue takes with it);
 * - host and card_config: the APQNs of the adapter or domain;
 * - an op on mdev m (create, remove, start, stop, vfio_reset, request, kvm_gone): m's matrix, queue
 *   table and guest CRYCB, before or after;
 * - the scans: only what they changed.
 * The mdevs of a step: the op's, every mdev whose object the step changed, and the owners (by matrix,
 * before or after) of the APQNs a line names.
 */
import { has, ids, type Mask, minus, of, range } from '../model/bits.ts';
import type { Apqn } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import { parseMaskWrite } from '../model/mask-syntax.ts';
import type { Config } from '../model/policy.ts';
import { qix } from '../model/scope.ts';
import type { MdevName, State } from '../model/state.ts';

/** APQNs as a set of qix numbers within the scope. */
export type ApqnSet = Set<number>;

const apqnsOf = (cfg: Config, apm: Mask, aqm: Mask, out: ApqnSet): void => {
  for (const a of ids(apm)) {
    if (a >= cfg.scope.adapters) continue;
    for (const d of ids(aqm)) if (d < cfg.scope.domains) out.add(qix(cfg.scope, a, d));
  }
};

/** The mdevs whose matrix holds APQN (a, d), in either state. */
export function owners(before: State, after: State, a: number, d: number): Set<MdevName> {
  const out = new Set<MdevName>();
  for (const s of [before, after]) {
    for (const [name, m] of Object.entries(s.mdevs)) if (has(m.matrix.apm, a) && has(m.matrix.aqm, d)) out.add(name);
  }
  return out;
}

/** The APQNs whose visible state differs between the two states. */
function changed(cfg: Config, b: State, x: State, out: ApqnSet): void {
  const { adapters, domains } = cfg.scope;
  const inCrycb = (s: State, a: number, d: number) =>
    Object.values(s.vms).some((v) => has(v.crycb.apm, a) && has(v.crycb.aqm, d));
  const inShadow = (s: State, a: number, d: number) =>
    Object.values(s.mdevs).some((m) => m.shadow !== null && has(m.shadow.apm, a) && has(m.shadow.aqm, d));
  const inTable = (s: State, a: number, d: number) =>
    Object.values(s.mdevs).some((m) => {
      const t = m.qtable[a];
      return t !== undefined && has(t, d);
    });
  const tableOf = (s: State) =>
    Object.entries(s.mdevs)
      .map(([n, m]) => `${n}:${m.qtable.join()}`)
      .join(';');
  const sameCrycbs = b.vms === x.vms;
  const sameMdevs = b.mdevs === x.mdevs;
  const sameTables = sameMdevs || tableOf(b) === tableOf(x);
  for (let a = 0; a < adapters; a++) {
    for (let d = 0; d < domains; d++) {
      const i = qix(cfg.scope, a, d);
      const qb = b.queues[i] ?? null;
      const qx = x.queues[i] ?? null;
      const sameQueue =
        qb === qx ||
        (qb !== null &&
          qx !== null &&
          qb.driver === qx.driver &&
          qb.link === qx.link &&
          qb.reset === qx.reset &&
          qb.polling === qx.polling &&
          qb.dup === qx.dup &&
          qb.override === qx.override &&
          qb.rebind === qx.rebind);
      if (
        !sameQueue ||
        b.dirty[i] !== x.dirty[i] ||
        b.fault[i] !== x.fault[i] ||
        (has(b.bus.qci.apm, a) && has(b.bus.qci.aqm, d)) !== (has(x.bus.qci.apm, a) && has(x.bus.qci.aqm, d)) ||
        (!sameCrycbs && inCrycb(b, a, d) !== inCrycb(x, a, d)) ||
        (!sameMdevs && inShadow(b, a, d) !== inShadow(x, a, d)) ||
        (!sameTables && inTable(b, a, d) !== inTable(x, a, d))
      )
        out.add(i);
    }
  }
}

/** The APQNs an op on APQN (a, d) acts on: it, and its row and column in each matrix that holds it. */
function queueUnit(cfg: Config, b: State, x: State, a: number, d: number, out: ApqnSet): void {
  if (a < cfg.scope.adapters && d < cfg.scope.domains) out.add(qix(cfg.scope, a, d));
  for (const s of [b, x]) {
    for (const m of Object.values(s.mdevs)) {
      if (!has(m.matrix.apm, a) || !has(m.matrix.aqm, d)) continue;
      apqnsOf(cfg, of(a), m.matrix.aqm, out);
      apqnsOf(cfg, m.matrix.apm, of(d), out);
    }
  }
}

/** The APQNs of the footprint of op from `b` to `x`. */
export function footprintApqns(cfg: Config, b: State, op: Op, x: State): ApqnSet {
  const out: ApqnSet = new Set();
  changed(cfg, b, x, out);
  const { adapters, domains } = cfg.scope;
  switch (op.kind) {
    case 'apmask':
    case 'aqmask': {
      const ap = op.kind === 'apmask';
      const cur = ap ? { mask: b.bus.apmask, high: b.bus.apmaskHigh } : { mask: b.bus.aqmask, high: b.bus.aqmaskHigh };
      const next = parseMaskWrite(op.value, cur);
      if (next === 'EINVAL') break;
      const other = ap ? b.bus.aqmask : b.bus.apmask;
      const grid = (m: Mask, to: ApqnSet) => (ap ? apqnsOf(cfg, m, other, to) : apqnsOf(cfg, other, m, to));
      grid(minus(cur.mask, next.mask), out);
      const reserved: ApqnSet = new Set();
      grid(minus(next.mask, cur.mask), reserved);
      for (const i of reserved) {
        if (owners(b, b, Math.floor(i / domains), i % domains).size > 0) out.add(i);
      }
      break;
    }
    case 'assign_adapter':
    case 'unassign_adapter':
    case 'assign_domain':
    case 'unassign_domain': {
      const ad = op.kind.endsWith('adapter');
      for (const s of [b, x]) {
        const m = s.mdevs[op.mdev];
        if (m === undefined || op.id >= (ad ? adapters : domains)) continue;
        if (ad) apqnsOf(cfg, of(op.id), m.matrix.aqm, out);
        else apqnsOf(cfg, m.matrix.apm, of(op.id), out);
      }
      break;
    }
    case 'ap_config': {
      const m = b.mdevs[op.mdev];
      if (m) apqnsOf(cfg, m.matrix.apm, m.matrix.aqm, out);
      const mask = (l: readonly number[]) => of(...l.filter((i) => i <= 31));
      apqnsOf(cfg, mask(op.apm), mask(op.aqm), out);
      break;
    }
    case 'bind':
    case 'unbind':
    case 'reprobe':
    case 'driver_override':
    case 'fault':
    case 'reset_poll':
      queueUnit(cfg, b, x, op.apid, op.apqi, out);
      break;
    case 'host':
      if (op.resource === 'adapter' && op.id < adapters) apqnsOf(cfg, of(op.id), range(domains), out);
      if (op.resource === 'domain' && op.id < domains) apqnsOf(cfg, range(adapters), of(op.id), out);
      break;
    case 'card_config':
      if (op.apid < adapters) apqnsOf(cfg, of(op.apid), range(domains), out);
      break;
    case 'create':
    case 'remove':
    case 'start':
    case 'stop':
    case 'vfio_reset':
    case 'request':
    case 'kvm_gone':
      for (const s of [b, x]) {
        const m = s.mdevs[op.mdev];
        if (m === undefined) continue;
        apqnsOf(cfg, m.matrix.apm, m.matrix.aqm, out);
        for (let a = 0; a < Math.min(adapters, m.qtable.length); a++) apqnsOf(cfg, of(a), m.qtable[a]!, out);
        const vm = m.kvm === null ? undefined : s.vms[m.kvm];
        if (vm) apqnsOf(cfg, vm.crycb.apm, vm.crycb.aqm, out);
      }
      break;
    default:
      // assign/unassign_control_domain name no APQN; the scans, only what they changed.
      break;
  }
  return out;
}

/** The mdevs of the footprint (without the owners of the APQNs a line names). */
export function footprintMdevs(b: State, op: Op, x: State): Set<MdevName> {
  const out = new Set<MdevName>();
  if ('mdev' in op) out.add(op.mdev);
  if (b.mdevs !== x.mdevs) {
    for (const n of new Set([...Object.keys(b.mdevs), ...Object.keys(x.mdevs)])) {
      if (b.mdevs[n] !== x.mdevs[n]) out.add(n);
    }
  }
  return out;
}

/** Is the APQN within the scope and in the set? */
export const inSet = (cfg: Config, set: ApqnSet, [a, d]: Apqn): boolean =>
  a < cfg.scope.adapters && d < cfg.scope.domains && set.has(qix(cfg.scope, a, d));
