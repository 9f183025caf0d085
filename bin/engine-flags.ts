/** The `apmc check` flags of the exhaustive engine and of sharding, and the exhaustive check run. */
import type { Policy } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { Progress } from '../exhaustive/engine.ts';
import type { Property } from '../properties/types.ts';
import type { CheckRun } from './check.ts';
import type { Found } from '../properties/explore.ts';
import { exhaustiveCells, runPolicy, type ExhaustiveRun, type ExhaustiveSettings } from './check-exhaustive.ts';
import { UsageError } from './usage.ts';

export const ENGINE_FLAGS = {
  engine: { type: 'string' },
  depth: { type: 'string' },
  'max-states': { type: 'string' },
  'max-memory': { type: 'string' },
  symmetry: { type: 'string' },
  workers: { type: 'string' },
  shard: { type: 'string' },
} as const;

type Flags = Partial<Record<keyof typeof ENGINE_FLAGS, string | undefined>>;

export function engineSettings(v: Flags): { engine: 'random' | 'exhaustive'; settings: ExhaustiveSettings } {
  const engine = v.engine ?? 'random';
  if (engine !== 'random' && engine !== 'exhaustive') throw new UsageError(`--engine: expected 'random' or 'exhaustive', got '${engine}'`);
  const int = (name: string, x: string | undefined, min: number, max = Number.MAX_SAFE_INTEGER): number | undefined => {
    if (x === undefined) return undefined;
    if (!/^\d+$/.test(x) || Number(x) < min || Number(x) > max) throw new UsageError(`--${name}: expected a whole number from ${min} to ${max}, got '${x}'`);
    return Number(x);
  };
  const onlyExhaustive = (['depth', 'max-states', 'max-memory', 'symmetry', 'workers'] as const).find((f) => v[f] !== undefined);
  if (engine === 'random' && onlyExhaustive) throw new UsageError(`--${onlyExhaustive} needs --engine exhaustive`);
  const sym = v.symmetry ?? 'on';
  if (sym !== 'on' && sym !== 'off') throw new UsageError(`--symmetry: expected 'on' or 'off', got '${sym}'`);
  let shard: { k: number; n: number } | undefined;
  if (v.shard !== undefined) {
    const m = /^(\d+)\/(\d+)$/.exec(v.shard);
    if (!m || Number(m[2]) < 1 || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) throw new UsageError(`--shard: expected k/n with 1 ≤ k ≤ n (e.g. 2/4), got '${v.shard}'`);
    shard = { k: Number(m[1]) - 1, n: Number(m[2]) };
  }
  const depth = int('depth', v.depth, 0, 1000);
  const maxStates = int('max-states', v['max-states'], 1);
  const mb = int('max-memory', v['max-memory'], 64);
  return {
    engine,
    settings: {
      symmetry: sym === 'on',
      workers: int('workers', v.workers, 1, 64) ?? 1,
      ...(depth !== undefined ? { depth } : {}),
      ...(maxStates !== undefined ? { maxStates } : {}),
      ...(mb !== undefined ? { maxMemory: mb * 1024 * 1024 } : {}),
      ...(shard ? { shard } : {}),
    },
  };
}

const fmt = (n: number): string => Math.round(n).toLocaleString('en-US');

/** One search per policy; on a TTY a progress line on stderr refreshes a few times a second. */
export async function runExhaustiveCheck(
  policies: readonly Policy[],
  specs: readonly string[],
  props: readonly Property[],
  scope: Scope,
  settings: ExhaustiveSettings,
  tty: boolean,
  onFound?: (policy: string, f: Found) => void,
): Promise<CheckRun> {
  const progress = tty
    ? (policy: string, p: Progress): void => {
        const rate = p.ms > 0 ? (p.states / p.ms) * 1000 : 0;
        process.stderr.write(`\r\x1b[K${policy}: ${fmt(p.states)} states, depth ${p.depth}, ${fmt(rate)} states/s`);
      }
    : undefined;
  const runs: ExhaustiveRun[] = [];
  const cells: CheckRun['cells'] = [];
  for (let i = 0; i < policies.length; i++) {
    const policy = policies[i]!;
    const r = await runPolicy(policy, specs[i] ?? policy.name, props, scope, { ...settings, ...(progress ? { progress } : {}) });
    if (tty) process.stderr.write('\r\x1b[K');
    runs.push(r);
    const mine = exhaustiveCells(policy.name, props, r, settings.shard !== undefined || settings.workers > 1);
    for (const c of mine) if (c.found) onFound?.(policy.name, c.found);
    cells.push(...mine);
    if (settings.signal?.aborted) break;
  }
  const sig = settings.signal as { aborted: boolean; reason?: string | null } | undefined;
  return {
    scope,
    seed: 0,
    runs: 0,
    cells,
    explorations: [],
    stoppedBy: sig?.aborted ? (sig.reason ?? 'signal') : null,
    engine: 'exhaustive',
    exhaustive: runs,
    ...(settings.shard ? { shard: settings.shard } : {}),
  };
}

/** The closing line of one policy's search: how much was checked, how fast, with what reduction. */
export function exhaustiveSummary(x: ExhaustiveRun): string {
  const r = x.r;
  const rate = r.ms > 0 ? (r.states / r.ms) * 1000 : 0;
  const end = r.complete
    ? 'every reachable state'
    : r.bound === 'depth'
      ? `every ordering of up to ${r.depth} ops`
      : r.bound === null
        ? `stopped at depth ${r.depth}: every property violated`
        : `${r.bound} bound reached at depth ${r.depth}`;
  const parts = x.parts > 1 ? `, ${x.parts} workers` : '';
  return `${x.policy}: ${end}; ${fmt(r.states)} states, ${fmt(r.transitions)} transitions, ${fmt(rate)} states/s, depth ${r.depth}, ${(r.bytes / 1048576).toFixed(1)} MB, symmetry reduction ×${r.reduction.toFixed(2)}${parts}, ${(r.ms / 1000).toFixed(1)} s`;
}
