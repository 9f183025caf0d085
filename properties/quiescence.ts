import { reprobePending } from '../model/bus.ts';
import type { Config } from '../model/policy.ts';
import { sameMatrix, type State } from '../model/state.ts';
import { step } from '../model/step.ts';

/**
 * Spec §11 "quiescent": no scan under way or due (the bus has seen the host configuration, so no
 * pending adds either) and no re-probe outstanding.
 */
export function quiescent(cfg: Config, s: State): boolean {
  if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) return false;
  for (let a = 0; a < cfg.scope.adapters; a++)
    for (let d = 0; d < cfg.scope.domains; d++) if (reprobePending(cfg, s, a, d)) return false;
  return true;
}

/** Let the kernel finish its asynchronous work: the scan under way or due, then every pending re-probe. */
export function settle(cfg: Config, s: State): State {
  if (s.bus.scan !== null || !sameMatrix(s.bus.qci, s.host)) s = step(cfg, s, { kind: 'scan' }).state;
  for (let a = 0; a < cfg.scope.adapters; a++) {
    for (let d = 0; d < cfg.scope.domains; d++) {
      if (reprobePending(cfg, s, a, d)) s = step(cfg, s, { kind: 'reprobe', apid: a, apqi: d }).state;
    }
  }
  return s;
}
