/**
 * Operation coverage: how often each operation kind ran, and how often it succeeded or failed with
 * each errno. Engines call `recordOp` for every step of the histories they generate (not for the
 * replays of shrinking), so the figures say what the exploration actually exercised.
 */
import type { OpKind } from '../model/ops.ts';
import type { Result } from '../model/step.ts';

export interface OpStats {
  recordOp(kind: OpKind, result: Result): void;
  /** kind → result ('ok' or an errno) → count; kinds in first-seen order. */
  readonly counts: ReadonlyMap<OpKind, ReadonlyMap<Result, number>>;
}

export function opStats(): OpStats {
  const counts = new Map<OpKind, Map<Result, number>>();
  return {
    counts,
    recordOp(kind, result) {
      let m = counts.get(kind);
      if (!m) counts.set(kind, (m = new Map()));
      m.set(result, (m.get(result) ?? 0) + 1);
    },
  };
}

export interface OpCoverage {
  readonly op: OpKind;
  readonly total: number;
  readonly ok: number;
  /** errno → count, errnos by decreasing count. */
  readonly failed: Readonly<Record<string, number>>;
}

/** The coverage table, operation kinds sorted by name. */
export function coverage(s: OpStats): OpCoverage[] {
  return [...s.counts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([op, m]) => {
      const errs = [...m.entries()].filter(([r]) => r !== 'ok').sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
      return {
        op,
        total: [...m.values()].reduce((x, y) => x + y, 0),
        ok: m.get('ok') ?? 0,
        failed: Object.fromEntries(errs),
      };
    });
}
