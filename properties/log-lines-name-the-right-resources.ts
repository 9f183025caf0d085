import { apqnName } from '../model/scope.ts';
import type { StepProperty } from './types.ts';
import { footprintApqns, footprintMdevs, inSet, owners } from './footprint.ts';

/**
 * Kernel events (item 5 of the mechanisms issue): every log line of a step names only resources the
 * step acted on, its footprint as properties/footprint.ts derives it from the op and the two states,
 * the same for every policy: each APQN it names is in the footprint, and the mdev it names is the op's,
 * one the step changed, or one that has a named APQN assigned (before or after).
 */
export const logLinesNameTheRightResources: StepProperty = {
  kind: 'step',
  name: 'log-lines-name-the-right-resources',
  statement:
    "Every log line of a step names only the APQNs the step acted on (the op's own and those it changed) and, " +
    "as mdev, the op's, one it changed, or one that has a named APQN assigned.",
  spec: 'E2',
  // An idle step: no event: no log line.
  holdsWhenIdle: true,
  exercised: (_c, _b, _o, a) => a.events.some((e) => e.kind === 'log' && (e.apqns.length > 0 || e.mdev !== null)),
  check: (cfg, before, op, after) => {
    // Only a step with a log line that names something reads the states (the transition cache tracks reads).
    if (!after.events.some((e) => e.kind === 'log' && (e.apqns.length > 0 || e.mdev !== null))) return null;
    const x = after.state;
    const apqns = footprintApqns(cfg, before, op, x);
    const mdevs = footprintMdevs(before, op, x);
    for (const e of after.events) {
      if (e.kind !== 'log') continue;
      const wrong = e.apqns.find((q) => !inSet(cfg, apqns, q));
      if (wrong)
        return `a log line names ${apqnName(wrong[0], wrong[1])}, which ${op.kind} did not act on: "${e.text}"`;
      if (e.mdev === null || mdevs.has(e.mdev)) continue;
      if (e.apqns.some(([a, d]) => owners(before, x, a, d).has(e.mdev!))) continue;
      return `a log line names mdev ${e.mdev}, which ${op.kind} did not act on: "${e.text}"`;
    }
    return null;
  },
};
