/**
 * A stored path with the ids that actually ran (exhaustive/symmetry.ts `replay`): the search stores
 * one representative per class, so the path is walked again from the real initial state, choosing at
 * each step an op whose successor has the stored representative.
 */
import { AsymmetricPolicy } from './asymmetry.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { step } from '../model/step.ts';
import type { Codec } from './codec.ts';
import type { Stored } from './store.ts';

type Cand = { s: State; op: Op | null; from: Cand | null };

/** The ops from s0 to stored state n; `canonical` writes a state's canonical key. */
export function replayPath(
  cfg: Config,
  codec: Codec,
  canonical: (s: State, out: Uint32Array) => void,
  s0: State,
  store: Stored,
  ops: readonly Op[],
  n: number,
): Op[] {
  const W = codec.words;
  const chain: number[] = [];
  for (let i = n; i > 0; i = store.parent[i]!) chain.push(i);
  chain.reverse();
  // Real states whose class is the stored one, step by step (all the symmetric images the path
  // allows, so that a scan entered from any of them can be matched exactly).
  let cands: Cand[] = [{ s: s0, op: null, from: null }];
  const key = new Uint32Array(W);
  const raw = new Uint32Array(W);
  for (const target of chain) {
    const want = store.arena.subarray(target * W, target * W + W);
    const next: Cand[] = [];
    const seen = new Set<string>();
    for (const c of cands) {
      for (const op of ops) {
        const r = step(cfg, c.s, op);
        if (r.state === c.s) continue;
        canonical(r.state, key);
        if (!key.every((w, i) => w === want[i])) continue;
        codec.encode(r.state, raw, 0);
        const names = JSON.stringify(Object.keys(r.state.mdevs)) + JSON.stringify(Object.keys(r.state.vms));
        const k = raw.join(',') + names;
        if (seen.has(k)) continue;
        seen.add(k);
        next.push({ s: r.state, op, from: c });
      }
      if (next.length >= 256) break;
    }
    if (next.length === 0) {
      throw new AsymmetricPolicy(cfg.policy.name, 'a stored path cannot be replayed from the initial state');
    }
    cands = next;
  }
  const out: Op[] = [];
  for (let c: Cand | null = cands[0]!; c !== null && c.op !== null; c = c.from) out.push(c.op);
  return out.reverse();
}
