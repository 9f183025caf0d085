/**
 * The disturbances of recovery (I8): a resource goes away, then comes back, with no administrator
 * action on any mdev. Each kind is built for a state and a target number: the adapter `target mod
 * adapters` and the domain `(target div adapters) mod domains`; a failed reset also picks an attached
 * mdev. The random engine's case draws a kind and a target; the exhaustive search tries every target
 * of every kind.
 */
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Case } from './types.ts';

/** [goes away, comes back]. */
export type Disturbed = readonly [readonly Op[], readonly Op[]];

export interface Disturbance {
  readonly name: string;
  /** How many targets the kind has (numbers 0 … targets-1). */
  readonly targets: (scope: Scope) => number;
  /** The ops for a target, built for state s; null when the kind does not apply there. */
  readonly ops: (cfg: Config, s: State, target: number) => Disturbed | null;
}

const apqns = (scope: Scope): number => scope.adapters * scope.domains;
const adapterOf = (cfg: Config, target: number): number => target % cfg.scope.adapters;
const domainOf = (cfg: Config, target: number): number => Math.floor(target / cfg.scope.adapters) % cfg.scope.domains;

/** One kind on an adapter or a domain (or both): one target per APQN. */
const onApqn = (name: string, ops: (a: number, d: number) => Disturbed): Disturbance => ({
  name,
  targets: apqns,
  ops: (cfg, _s, target) => ops(adapterOf(cfg, target), domainOf(cfg, target)),
});

/** Every kind, in the order of the case's `disturb` numbers. */
export const DISTURBANCES: readonly Disturbance[] = [
  onApqn('unbind', (a, d) => [
    [{ kind: 'unbind', apid: a, apqi: d }],
    [{ kind: 'bind', apid: a, apqi: d, driver: 'vfio_ap' }],
  ]),
  onApqn('adapter-removed', (a) => [
    [{ kind: 'host', action: 'remove', resource: 'adapter', id: a }],
    [{ kind: 'host', action: 'add', resource: 'adapter', id: a }],
  ]),
  onApqn('domain-removed', (_a, d) => [
    [{ kind: 'host', action: 'remove', resource: 'domain', id: d }],
    [{ kind: 'host', action: 'add', resource: 'domain', id: d }],
  ]),
  onApqn('apmask', (a) => [[{ kind: 'apmask', value: `+${a}` }], [{ kind: 'apmask', value: `-${a}` }]]),
  onApqn('aqmask', (_a, d) => [[{ kind: 'aqmask', value: `+${d}` }], [{ kind: 'aqmask', value: `-${d}` }]]),
  onApqn('card-deconfigured', (a) => [
    [{ kind: 'card_config', apid: a, config: 0 }],
    [{ kind: 'card_config', apid: a, config: 1 }],
  ]),
  {
    // A queue's reset fails across a VFIO reset of an attached mdev, then succeeds at the next one.
    name: 'failed-reset',
    targets: (scope) => apqns(scope) * Math.max(1, scope.mdevs),
    ops: (cfg, s, target) => {
      const a = adapterOf(cfg, target);
      const d = domainOf(cfg, target);
      const attached = Object.keys(s.mdevs).filter((m) => s.mdevs[m]!.kvm !== null);
      const m = attached[target % Math.max(1, attached.length)];
      if (m === undefined) return null;
      return [
        [
          { kind: 'fault', apid: a, apqi: d, fault: 'reset_fails' },
          { kind: 'vfio_reset', mdev: m },
        ],
        [
          { kind: 'fault', apid: a, apqi: d, fault: 'none' },
          { kind: 'vfio_reset', mdev: m },
        ],
      ];
    },
  },
];

/** The case's disturbance, built for s (its first history, settled): null when it does not apply. */
export const caseDisturbance = (cfg: Config, s: State, c: Case): Disturbed | null =>
  DISTURBANCES[c.disturb % DISTURBANCES.length]!.ops(cfg, s, c.target);
