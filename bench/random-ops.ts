/**
 * Seeded random operations over a scope's alphabet, biased toward operations the kernel accepts
 * (ids in scope, existing mdevs, masks that move queues to vfio_ap). Outside model/: the model
 * itself never sees randomness, only the ops this produces.
 */
import type { Op } from '../model/ops.ts';
import type { Scope } from '../model/scope.ts';
import { prng } from '../properties/prng.ts';

export function randomOps(scope: Scope, n: number, seed: number): Op[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const int = (k: number) => Math.floor(r() * k);
  const mdev = () => `m${1 + int(scope.mdevs)}`;
  const vm = () => `vm${1 + int(scope.vms)}`;
  const apid = () => int(scope.adapters);
  const apqi = () => int(scope.domains);
  const res = () => pick(['adapter', 'domain', 'control_domain'] as const);
  const idFor = (k: 'adapter' | 'domain' | 'control_domain') =>
    int(k === 'adapter' ? scope.adapters : k === 'domain' ? scope.domains : scope.control_domains);
  const gens: (() => Op)[] = [
    () => ({ kind: 'apmask', value: `${pick(['-', '+', '-'])}${apid()}` }),
    () => ({ kind: 'aqmask', value: `${pick(['-', '+', '-'])}${apqi()}` }),
    () => ({ kind: 'bind', apid: apid(), apqi: apqi(), driver: pick(['vfio_ap', 'cex4queue'] as const) }),
    () => ({ kind: 'unbind', apid: apid(), apqi: apqi() }),
    () => ({
      kind: 'host',
      action: pick(['add', 'remove'] as const),
      resource: pick(['adapter', 'domain'] as const),
      id: int(2),
    }),
    () => ({ kind: 'create', mdev: mdev() }),
    () => ({ kind: 'remove', mdev: mdev() }),
    () => {
      const k = res();
      return { kind: `assign_${k}`, mdev: mdev(), id: idFor(k) };
    },
    () => {
      const k = res();
      return { kind: `assign_${k}`, mdev: mdev(), id: idFor(k) };
    },
    () => {
      const k = res();
      return { kind: `unassign_${k}`, mdev: mdev(), id: idFor(k) };
    },
    () => ({ kind: 'start', mdev: mdev(), vm: vm() }),
    () => ({ kind: 'stop', mdev: mdev() }),
    () => ({ kind: 'vfio_reset', mdev: mdev() }),
    () => ({
      kind: 'fault',
      apid: apid(),
      apqi: apqi(),
      fault: pick(['none', 'none', 'reset_fails', 'checkstop'] as const),
    }),
  ];
  return Array.from({ length: n }, () => pick(gens)());
}
