/**
 * The state space of a product search (exhaustive/product.ts): pairs of states, one under policy A and
 * one under policy B, stepped by the same op. A stored pair's key is A's packed state, then B's, then
 * `T` words a goal keeps along the path (exhaustive/product-attribution.ts: which property each policy
 * already violated on the way). Under symmetry the two states' part is canonical for the pair
 * (exhaustive/product-symmetry.ts); the goal's words are not moved by the group.
 */
import { AsymmetricPolicy } from './asymmetry.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { type Step, step } from '../model/step.ts';
import { alphabet } from './alphabet.ts';
import { type Codec, makeCodec } from './codec.ts';
import type { ExhaustiveOptions } from './options.ts';
import { symmetryFits } from './group.ts';
import { PairSymmetry } from './product-symmetry.ts';
import type { SearchStore } from './space.ts';
import type { Stored } from './store.ts';

export interface PairSpace {
  readonly cfgA: Config;
  readonly cfgB: Config;
  readonly scope: Scope;
  readonly ops: readonly Op[];
  /** One codec per half (each keeps its own reference state). */
  readonly codecA: Codec;
  readonly codecB: Codec;
  /** Words of one packed state, of the pair's part of a key, of the goal's part, of a key. */
  readonly W1: number;
  readonly P: number;
  readonly T: number;
  readonly W: number;
  /** Low bits of a key's W words in use (the store's marker bit: exhaustive/store.ts). */
  readonly bits: number;
  readonly sym: PairSymmetry | null;
  readonly s0: State;
  /** The key of the pair's class (without the goal's words) into out[0..P). */
  canon(a: State, b: State, out: Uint32Array): void;
}

export function makePairSpace(cfgA: Config, cfgB: Config, T: number, opt: ExhaustiveOptions): PairSpace {
  const scope = cfgA.scope;
  if (JSON.stringify(cfgB.scope) !== JSON.stringify(scope)) throw new Error('product search: two scopes');
  const codecA = makeCodec(scope);
  const codecB = makeCodec(scope);
  const W1 = codecA.words;
  const sym = opt.symmetry && symmetryFits(scope) ? new PairSymmetry(scope, codecA, codecB) : null;
  const P = 2 * W1;
  return {
    cfgA,
    cfgB,
    scope,
    ops: alphabet(scope, new Set(opt.mechanisms ?? [])),
    codecA,
    codecB,
    W1,
    P,
    T,
    W: P + T,
    bits: T > 0 ? 32 * (P + T) : 32 * W1 + codecA.bits,
    sym,
    s0: opt.initial ?? initialState(scope),
    canon: sym
      ? (a, b, out) => sym.canonical(a, b, out)
      : (a, b, out) => {
          codecA.encode(a, out, 0);
          codecB.encode(b, out, W1);
        },
  };
}

/** Store the initial pair, with the goal's words `t`: state 0. */
export function storeInitialPair(sp: PairSpace, store: SearchStore, t: Uint32Array): void {
  const key = new Uint32Array(sp.W);
  sp.canon(sp.s0, sp.s0, key);
  key.set(t, sp.P);
  store.add(key, 0, -1, 0);
}

/**
 * What a goal adds to its words on a transition (the pair (a, b) stepped by op to (ra, rb)): `t` holds
 * the parent's words on entry and the successor's on return, every bit it would set, none cleared.
 */
export type Carry = (a: State, b: State, op: Op, ra: Step, rb: Step, t: Uint32Array) => void;

/**
 * The ops from s0 to stored pair n, with the ids that actually ran. Without symmetry, the stored path.
 * Under symmetry, the path is walked again from the real initial pair, choosing at each step an op
 * whose successor has the stored class and the stored goal words on the bits `live` keeps (the goal's
 * words that still matter: exhaustive/product-attribution.ts).
 */
export function replayPair(
  sp: PairSpace,
  store: Stored,
  n: number,
  carry: Carry | null,
  live: Uint32Array | null,
): Op[] {
  if (sp.sym === null) return store.path(n).map((k) => sp.ops[k]!);
  const { W, P, T, cfgA, cfgB } = sp;
  const chain: number[] = [];
  for (let i = n; i > 0; i = store.parent[i]!) chain.push(i);
  chain.reverse();
  type Cand = { a: State; b: State; t: Uint32Array; op: Op | null; from: Cand | null };
  let cands: Cand[] = [{ a: sp.s0, b: sp.s0, t: store.arena.slice(P, W), op: null, from: null }];
  const key = new Uint32Array(P);
  const raw = new Uint32Array(P);
  const t = new Uint32Array(T);
  for (const target of chain) {
    const at = target * W;
    const want = store.arena.subarray(at, at + W);
    const next: Cand[] = [];
    const seen = new Set<string>();
    for (const c of cands) {
      for (const op of sp.ops) {
        const ra = step(cfgA, c.a, op);
        const rb = step(cfgB, c.b, op);
        sp.canon(ra.state, rb.state, key);
        let same = true;
        for (let w = 0; w < P && same; w++) same = key[w] === want[w];
        if (!same) continue;
        t.set(c.t);
        carry?.(c.a, c.b, op, ra, rb, t);
        for (let w = 0; w < T && same; w++) same = ((t[w]! ^ want[P + w]!) & live![w]!) === 0;
        if (!same) continue;
        sp.codecA.encode(ra.state, raw, 0);
        sp.codecB.encode(rb.state, raw, sp.W1);
        const names = JSON.stringify([ra.state.mdevs, rb.state.mdevs, ra.state.vms, rb.state.vms].map(Object.keys));
        const k = `${raw.join(',')}${names}/${t.join(',')}`;
        if (seen.has(k)) continue;
        seen.add(k);
        next.push({ a: ra.state, b: rb.state, t: t.slice(), op, from: c });
      }
      if (next.length >= 256) break;
    }
    if (next.length === 0) {
      const policies = `${sp.cfgA.policy.name} or ${sp.cfgB.policy.name}`;
      throw new AsymmetricPolicy(policies, "a stored pair's path cannot be replayed from the initial state");
    }
    cands = next;
  }
  const out: Op[] = [];
  for (let c: Cand | null = cands[0]!; c !== null && c.op !== null; c = c.from) out.push(c.op);
  return out.reverse();
}
