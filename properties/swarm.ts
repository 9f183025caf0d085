/**
 * Swarm op generation for the random engine (properties/guided.ts): ops grouped in families, each case drawing its
 * body from a random subset of the families (swarm testing: a case that never unbinds can pile up assignments, one
 * that never starts a guest explores the host side deeply), and each op chosen from the state the case has reached,
 * so that ops that need something in flight are drawn where it is: scan steps while a scan is under way, the bind
 * half of a re-probe where a queue awaits it, reset polls on a queue whose reset work is queued.
 */
import { ids } from '../model/bits.ts';
import { reprobePending } from '../model/bus.ts';
import {
  ASSIGNMENTS,
  CARD_CONFIGS,
  DRIVERS,
  FAULTS,
  HOST_ACTIONS,
  idCount,
  MASK_KINDS,
  MASK_SIGNS,
  type Mechanism,
  mdevNames,
  OVERRIDES,
  RESOURCES,
  vmNames,
} from '../model/op-values.ts';
import type { Op, Resource } from '../model/ops.ts';
import type { State } from '../model/state.ts';
import {
  below,
  faultThenReset,
  kvmGone,
  mdevOf,
  move,
  pick,
  restart,
  type Rng,
  type Where,
} from './swarm-sequences.ts';

export { below, pick, type Rng, type Where } from './swarm-sequences.ts';

/** A family of ops: drawn with its weight when enabled; null when nothing of it fits the state. */
export interface Family {
  readonly name: string;
  readonly weight: number;
  /** The kernel mechanism its ops belong to (left out unless explored), or null for classic ops. */
  readonly mechanism: Mechanism | null;
  readonly draw: (r: Rng, w: Where) => Op | readonly Op[] | null;
  /** Its weight's factor in a state (default 1): work in flight makes the ops that advance it likelier. */
  readonly boost?: (w: Where) => number;
}

/** An id in scope, and now and then one just outside (ENODEV paths). */
const idIn = (r: Rng, n: number): number => (r() < 0.1 ? n : below(r, n));
const apid = (r: Rng, w: Where): number => below(r, idCount(w.scope, 'adapter'));
const apqi = (r: Rng, w: Where): number => below(r, idCount(w.scope, 'domain'));

/** The APQNs (apid, apqi) of the scope whose queue `p` accepts. */
function queuesWhere(w: Where, p: (q: NonNullable<State['queues'][number]>) => boolean): [number, number][] {
  const out: [number, number][] = [];
  const D = w.scope.domains;
  w.s.queues.forEach((q, i) => {
    if (q !== null && p(q)) out.push([Math.floor(i / D), i % D]);
  });
  return out;
}

/** The APQNs in some guest's CRYCB: faults there hit a queue in use. */
function guestApqns(w: Where): [number, number][] {
  const out: [number, number][] = [];
  for (const vm of Object.values(w.s.vms)) {
    for (const a of ids(vm.crycb.apm)) for (const d of ids(vm.crycb.aqm)) out.push([a, d]);
  }
  return out.filter(([a, d]) => a < w.scope.adapters && d < w.scope.domains);
}

/** An APQN from `hits` most of the time, any APQN of the scope otherwise. */
function apqnOf(r: Rng, w: Where, hits: readonly [number, number][]): [number, number] {
  return hits.length > 0 && r() < 0.9 ? pick(r, hits) : [apid(r, w), apqi(r, w)];
}

/**
 * An assignment or unassignment; two in five of an id that is already so (I13's no-op writes, which a design that
 * re-filters on every write can get wrong).
 */
const assignment = (r: Rng, w: Where, res: Resource): Op | null => {
  const mdev = mdevOf(r, w);
  if (mdev === null) return null;
  const [assign, unassign] = ASSIGNMENTS[res];
  const kind = r() < 0.5 ? assign : unassign;
  const m = w.s.mdevs[mdev]?.matrix;
  const n = idCount(w.scope, res);
  if (m !== undefined && r() < 0.4) {
    const held = ids(res === 'adapter' ? m.apm : res === 'domain' ? m.aqm : m.adm).filter((i) => i < n);
    const same = kind === assign ? held : Array.from({ length: n }, (_, i) => i).filter((i) => !held.includes(i));
    if (same.length > 0) return { kind, mdev, id: pick(r, same) };
  }
  return { kind, mdev, id: idIn(r, n) };
};

const onMdev =
  (kind: 'remove' | 'stop' | 'vfio_reset' | 'request' | 'kvm_gone', want?: (w: Where, m: string) => boolean) =>
  (r: Rng, w: Where): Op | null => {
    const mdev = mdevOf(r, w, want ? (m) => want(w, m) : undefined);
    return mdev === null ? null : { kind, mdev };
  };

/** A guest holds the mdev, or QEMU still has it open (the KVM notifier reported the guest gone). */
const withGuest = (w: Where, m: string): boolean => w.s.mdevs[m]?.kvm != null || w.s.mdevs[m]?.open === true;

/** Create an mdev, a name not in use preferred. */
function create(r: Rng, w: Where): Op {
  const names = mdevNames(w.scope);
  const free = names.filter((m) => !(m in w.s.mdevs));
  return { kind: 'create', mdev: free.length > 0 && r() < 0.85 ? pick(r, free) : pick(r, names) };
}

/** Start a guest on an mdev without one, with a VM not in use preferred. */
function start(r: Rng, w: Where): Op | null {
  const mdev = mdevOf(r, w, (m) => m in w.s.mdevs && !withGuest(w, m));
  if (mdev === null) return null;
  const vms = vmNames(w.scope);
  const used = new Set(Object.values(w.s.mdevs).map((m) => m.kvm));
  const free = vms.filter((v) => !used.has(v));
  return { kind: 'start', mdev, vm: free.length > 0 && r() < 0.85 ? pick(r, free) : pick(r, vms) };
}

function mask(r: Rng, w: Where): Op {
  const kind = pick(r, MASK_KINDS);
  const value = `${pick(r, MASK_SIGNS)}${below(r, Math.max(w.scope.adapters, w.scope.domains))}`;
  return r() < 0.5 ? { kind, value, async: true } : { kind, value };
}

function host(r: Rng, w: Where): Op {
  const resource = pick(r, RESOURCES);
  const op = {
    kind: 'host' as const,
    action: pick(r, HOST_ACTIONS),
    resource,
    id: below(r, idCount(w.scope, resource)),
  };
  return r() < 0.5 ? { ...op, async: true } : op;
}

/** The scan under way has a queue device left to add or remove (model/bus.ts firstDeviceChange). */
function deviceLeft(w: Where): boolean {
  const scan = w.s.bus.scan;
  if (scan === null) return false;
  const { adapters, domains } = w.scope;
  for (let a = 0; a < adapters; a++) {
    for (let d = 0; d < domains; d++) {
      const wanted = ((scan.qci.apm >>> a) & 1) === 1 && ((scan.qci.aqm >>> d) & 1) === 1;
      if ((w.s.queues[a * domains + d] !== null) !== wanted) return true;
    }
  }
  return false;
}

/**
 * A bus scan or its start (mostly its start after an asynchronous host change); while one is under way mostly its
 * next step, a device step while it has a device left
 * (scan_step is refused otherwise) and its end when it has none.
 */
function scan(r: Rng, w: Where): Op {
  const { host, bus } = w.s;
  const pending = host.apm !== bus.qci.apm || host.aqm !== bus.qci.aqm || host.adm !== bus.qci.adm;
  if (bus.scan === null) return { kind: r() < (pending ? 0.8 : 0.3) ? 'scan_start' : 'scan' };
  const next = deviceLeft(w) ? 'scan_step' : 'scan_complete';
  return { kind: r() < 0.85 ? next : 'scan' };
}

/** The queues with a re-probe pending (model/bus.ts reprobePending): a re-probe elsewhere is refused (EAGAIN). */
const pendingReprobes = (w: Where): [number, number][] => {
  const out: [number, number][] = [];
  for (let a = 0; a < w.scope.adapters; a++) {
    for (let d = 0; d < w.scope.domains; d++) if (reprobePending(w.cfg, w.s, a, d)) out.push([a, d]);
  }
  return out;
};

/**
 * Where an op that needs something in flight is drawn: one of `hits` (where it is), or, when there is none, any
 * APQN one time in ten (its refusal is a result too) and else nothing (another family is drawn).
 */
function enabledAt(r: Rng, w: Where, hits: readonly [number, number][]): [number, number] | null {
  if (hits.length > 0) return pick(r, hits);
  return r() < 0.1 ? [apid(r, w), apqi(r, w)] : null;
}

/** An unbind, half the time of a queue a guest holds (the in-use paths). */
function unbind(r: Rng, w: Where): Op {
  const [a, d] = r() < 0.5 ? apqnOf(r, w, guestApqns(w)) : [apid(r, w), apqi(r, w)];
  return { kind: 'unbind', apid: a, apqi: d };
}

/** The classic families (always explored). */
const CLASSIC: readonly Family[] = (
  [
    { name: 'assign', weight: 10, draw: (r, w) => assignment(r, w, r() < 0.5 ? 'adapter' : 'domain') },
    { name: 'control_domain', weight: 1, draw: (r, w) => assignment(r, w, 'control_domain') },
    { name: 'move', weight: 2, draw: move },
    { name: 'fault_reset', weight: 1, draw: faultThenReset },
    { name: 'restart', weight: 1, draw: restart },
    { name: 'create', weight: 2, draw: create },
    { name: 'remove', weight: 1, draw: onMdev('remove') },
    { name: 'start', weight: 3, draw: start },
    { name: 'stop', weight: 2, draw: onMdev('stop', withGuest) },
    { name: 'vfio_reset', weight: 1, draw: onMdev('vfio_reset', withGuest) },
    { name: 'mask', weight: 3, draw: mask },
    { name: 'unbind', weight: 3, draw: unbind },
    {
      name: 'bind',
      weight: 2,
      draw: (r, w) => {
        const [a, d] = apqnOf(
          r,
          w,
          queuesWhere(w, (q) => q.driver === null),
        );
        return { kind: 'bind', apid: a, apqi: d, driver: r() < 0.6 ? 'vfio_ap' : pick(r, DRIVERS) };
      },
    },
    {
      name: 'reprobe',
      weight: 1,
      draw: (r, w) => {
        const at = enabledAt(r, w, pendingReprobes(w));
        return at === null ? null : { kind: 'reprobe', apid: at[0], apqi: at[1] };
      },
    },
    { name: 'host', weight: 2, draw: host },
    { name: 'scan', weight: 2, draw: scan, boost: (w) => (w.s.bus.scan !== null ? 6 : 1) },
    {
      name: 'card_config',
      weight: 1,
      draw: (r, w) => ({ kind: 'card_config', apid: apid(r, w), config: pick(r, CARD_CONFIGS) }),
    },
    {
      name: 'fault',
      weight: 2,
      draw: (r, w) => {
        const fault = pick(
          r,
          FAULTS.filter((f) => f !== 'busy'),
        );
        return { kind: 'fault', apid: apid(r, w), apqi: apqi(r, w), fault };
      },
    },
  ] satisfies Omit<Family, 'mechanism'>[]
).map((f) => ({ ...f, mechanism: null }));

/** Any subset of ids 0..n-1. */
const subset = (r: Rng, n: number): number[] => Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.5);

/** The families of the kernel mechanisms. */
const MECHANISM_FAMILIES: readonly Family[] = [
  {
    name: 'busy',
    weight: 1,
    mechanism: 'async_reset',
    draw: (r, w) => {
      const [a, d] = apqnOf(r, w, guestApqns(w));
      return { kind: 'fault', apid: a, apqi: d, fault: 'busy' };
    },
  },
  {
    name: 'reset_poll',
    weight: 2,
    mechanism: 'async_reset',
    boost: (w) => (w.s.queues.some((q) => q?.polling) ? 4 : 1),
    draw: (r, w) => {
      const hits = queuesWhere(w, (q) => q.polling);
      const at = enabledAt(r, w, hits);
      return at === null ? null : { kind: 'reset_poll', apid: at[0], apqi: at[1] };
    },
  },
  {
    name: 'driver_override',
    weight: 2,
    mechanism: 'driver_override',
    draw: (r, w) => ({ kind: 'driver_override', apid: apid(r, w), apqi: apqi(r, w), driver: pick(r, OVERRIDES) }),
  },
  {
    name: 'reprobe_half',
    weight: 2,
    mechanism: 'reprobe_halves',
    boost: (w) => (w.s.queues.some((q) => q?.rebind) ? 4 : 1),
    draw: (r, w) => {
      const waiting = queuesWhere(w, (q) => q.rebind);
      if (waiting.length > 0 && r() < 0.8) {
        const [a, d] = pick(r, waiting);
        return { kind: 'reprobe', apid: a, apqi: d, half: 'bind' };
      }
      const at = enabledAt(r, w, pendingReprobes(w));
      return at === null ? null : { kind: 'reprobe', apid: at[0], apqi: at[1], half: 'unbind' };
    },
  },
  {
    name: 'remove_async',
    weight: 1,
    mechanism: 'request',
    draw: (r, w) => {
      const mdev = mdevOf(r, w);
      return mdev === null ? null : { kind: 'remove', mdev, async: true };
    },
  },
  { name: 'request', weight: 1, mechanism: 'request', draw: onMdev('request') },
  { name: 'kvm_gone', weight: 1, mechanism: 'kvm_notifier', draw: kvmGone },
  {
    name: 'ap_config',
    weight: 2,
    mechanism: 'ap_config',
    draw: (r, w) => {
      const mdev = mdevOf(r, w);
      if (mdev === null) return null;
      const { adapters, domains, control_domains } = w.scope;
      return {
        kind: 'ap_config',
        mdev,
        apm: subset(r, adapters),
        aqm: subset(r, domains),
        adm: subset(r, control_domains),
      };
    },
  },
];

/** The families a run draws from: the classic ones and those of the mechanisms explored. */
export function families(mechanisms: ReadonlySet<Mechanism>): readonly Family[] {
  return [...CLASSIC, ...MECHANISM_FAMILIES.filter((f) => mechanisms.has(f.mechanism!))];
}

/** A swarm: each family enabled with probability 1/2, assignments always (the matrix is what every design edits). */
export function swarm(r: Rng, all: readonly Family[]): readonly Family[] {
  return all.filter((f) => r() < 0.5 || f.name === 'assign');
}

/**
 * The next ops of a case from `w`: a family of the swarm by weight, then its op; a family with nothing that fits
 * gives way to another, and when none fits (no mdev created yet) an mdev is created.
 */
export function drawOps(r: Rng, on: readonly Family[], w: Where): readonly Op[] {
  const weights = on.map((f) => f.weight * (f.boost ? f.boost(w) : 1));
  const total = weights.reduce((n, x) => n + x, 0);
  for (let tries = 0; tries < 4; tries++) {
    let x = r() * total;
    const i = weights.findIndex((g) => (x -= g) < 0);
    const f = on[i < 0 ? on.length - 1 : i]!;
    const got = f.draw(r, w);
    if (got !== null) return Array.isArray(got) ? got : [got as Op];
  }
  return [create(r, w)];
}
