/**
 * Reference breadth-first search over apmc's reducer: from `initialState(scope)`, apply every op of
 * `alphabet(scope)` with `step({ scope, policy }, s, op)` in every reachable state, and count the
 * distinct states. Deliberately simple and obviously right, not fast: the key of a state is
 * JSON.stringify of the whole State, which keeps the insertion order of `mdevs` and `vms` (the kernel
 * walks the mdev list in creation order, so two states that differ only in that order are distinct).
 *
 *   node --import tsx bench/spin/reference-bfs.ts [--policy static] [--adapters 1] [--domains 1]
 *        [--control-domains 1] [--mdevs 1] [--vms 1] [--max-states N] [--quiet]
 */
import { pathToFileURL } from 'node:url';
import { alphabet } from '../../exhaustive/alphabet.ts';
import { POLICIES } from '../../model/policies/index.ts';
import type { Policy } from '../../model/policy.ts';
import { SCOPE_KEYS, type Scope } from '../../model/scope.ts';
import { initialState, type State } from '../../model/state.ts';
import { step } from '../../model/step.ts';

export interface BfsResult {
  /** Distinct reachable states, the initial state included. */
  readonly states: number;
  /** New states per BFS depth: depth[0] = 1 (the initial state). */
  readonly depths: readonly number[];
  /** (state, op) pairs tried: states × |alphabet| when the search completes. */
  readonly applied: number;
  /** Of those, the ones whose result was 'ok' (an errno leaves the state unchanged). */
  readonly okSteps: number;
  /** Of those, the ones that led to a different state (a non-self-loop edge). */
  readonly moves: number;
  readonly alphabet: number;
  readonly seconds: number;
  /** True if the search stopped at `maxStates` before exhausting the space. */
  readonly truncated: boolean;
}

export const stateKey = (s: State): string => JSON.stringify(s);

export function referenceBfs(
  scope: Scope,
  policy: Policy,
  opts: { maxStates?: number; onDepth?: (d: number, n: number, total: number) => void } = {},
): BfsResult {
  const cfg = { scope, policy };
  const ops = alphabet(scope);
  const max = opts.maxStates ?? Infinity;
  const t0 = process.hrtime.bigint();
  const s0 = initialState(scope);
  const seen = new Set<string>([stateKey(s0)]);
  const depths = [1];
  let frontier: State[] = [s0];
  let applied = 0;
  let okSteps = 0;
  let moves = 0;
  let truncated = false;
  opts.onDepth?.(0, 1, 1);
  while (frontier.length > 0 && !truncated) {
    const next: State[] = [];
    for (const s of frontier) {
      const k0 = stateKey(s);
      for (const op of ops) {
        const r = step(cfg, s, op);
        applied++;
        if (r.result === 'ok') okSteps++;
        if (r.state === s) continue;
        const k = stateKey(r.state);
        if (k === k0) continue;
        moves++;
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(r.state);
        if (seen.size >= max) truncated = true;
      }
    }
    if (next.length > 0) {
      depths.push(next.length);
      opts.onDepth?.(depths.length - 1, next.length, seen.size);
    }
    frontier = next;
  }
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { states: seen.size, depths, applied, okSteps, moves, alphabet: ops.length, seconds, truncated };
}

/** `--adapters 2 --domains 1 ...` (defaults: all 1) → a Scope. */
export function parseScopeArgs(
  argv: readonly string[],
  base: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 },
): Scope {
  const scope: Record<string, number> = { ...base };
  for (const k of SCOPE_KEYS) {
    const i = argv.indexOf(`--${k.replace('_', '-')}`);
    if (i >= 0) scope[k] = Number(argv[i + 1]);
  }
  return scope as unknown as Scope;
}

export const scopeName = (s: Scope): string => `${s.adapters}x${s.domains}x${s.control_domains} m${s.mdevs} v${s.vms}`;

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const pi = argv.indexOf('--policy');
  const policyName = pi >= 0 ? argv[pi + 1]! : 'static';
  const policy = POLICIES[policyName];
  if (!policy) throw new Error(`unknown policy ${policyName}`);
  const mi = argv.indexOf('--max-states');
  const quiet = argv.includes('--quiet');
  const scope = parseScopeArgs(argv);
  const r = referenceBfs(scope, policy, {
    ...(mi >= 0 ? { maxStates: Number(argv[mi + 1]) } : {}),
    ...(quiet
      ? {}
      : { onDepth: (d: number, n: number, total: number) => console.error(`depth ${d}: ${n} new, ${total} total`) }),
  });
  console.log(JSON.stringify({ policy: policyName, scope, ...r, rate: Math.round(r.states / r.seconds) }));
}
