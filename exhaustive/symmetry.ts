/**
 * Symmetry reduction: adapters, domains, control domains, mdevs and VMs are interchangeable, so the
 * engine stores one representative per class. Names are normalised by creation order (the first mdev
 * created is m1, …; VMs likewise), which is exact because creation order is part of the state; ids
 * are canonicalised by trying every permutation of adapters, domains and control domains and keeping
 * the least packed key. While a bus scan is under way, only the permutations that keep the id order of
 * the devices the scan still has to add or remove are tried (exhaustive/key-canon.ts `remaining`):
 * scan_step handles them in id order. Traces are still reported with the ids that actually ran:
 * `replay` walks the stored path again from the real initial state, choosing at each step an op whose
 * successor has the stored representative (exhaustive/replay.ts).
 *
 * This is sound only if the policy treats ids alike (step(g·s, g·op) = g·step(s, op)). Nothing checks
 * that on every transition: a search of a policy file checks it on a sample of states, and a stored path
 * that cannot be replayed from the real initial state, or that does not show what its state showed, ends
 * the search with AsymmetricPolicy (exhaustive/asymmetry.ts); bin searches again without the reduction.
 *
 * The group's action on states and ops is in exhaustive/group.ts, on packed keys in key-canon.ts.
 */
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Codec } from './codec.ts';
import { type GroupElement, groupElements, type IdPerm, idPerms, normaliseNames } from './group.ts';
import { KeyCanon } from './key-canon.ts';
import { Reduction } from './reduction.ts';
import { replayPath } from './replay.ts';
import { ScanImages } from './scan-images.ts';
import type { Stored } from './store.ts';

export {
  applyOp,
  applyState,
  type GroupElement,
  type IdPerm,
  normaliseNames,
  permuteIds,
  permuteOp,
  renameState,
} from './group.ts';
export { compile } from './key-canon.ts';

export interface Symmetry {
  /** The id permutations tried per state, the identity first. */
  readonly perms: readonly IdPerm[];
  /** Write the canonical key of s into out[0..W). */
  canonical(s: State, out: Uint32Array): void;
  /**
   * Make key[0..W) canonical in place: on the key alone when its mdev and VM names are already
   * in creation order (the usual case), through a decode otherwise.
   */
  canonicalKey(key: Uint32Array): void;
  /** The ops, with the ids that actually ran, from s0 to stored state n. */
  replay(cfg: Config, s0: State, store: Stored, ops: readonly Op[], n: number): Op[];
  /**
   * Average class size over a sample of the stored states (up to 2,000, spread over the store, taken
   * within `ms` milliseconds: one class costs milliseconds at a large scope): the reduction factor.
   */
  reduction(store: Stored, ms?: number): number;
  /**
   * The canonical keys of every id image of s, a state entering a scan (every image is reachable,
   * and while the scan runs only the permutations that keep its order join images in one class),
   * one after another in out: perms.length keys of W words, duplicates included. On the packed key:
   * one encoding, its bit permutations, each made canonical.
   */
  canonicalImages(s: State, out: Uint32Array): number;
  /** canonicalImages computed image by image (its reference in the tests). */
  canonicalImagesEach(s: State, out: Uint32Array): number;
  /** Every element of the group (id permutation, mdev renaming, VM renaming). */
  readonly elements: readonly GroupElement[];
}

export function makeSymmetry(scope: Scope, codec: Codec): Symmetry {
  const perms = idPerms(scope);
  const mdevs = mdevNames(scope);
  const vms = vmNames(scope);
  const canon = new KeyCanon(scope, codec, perms);
  const images = new ScanImages(scope, codec, canon);
  const reduction = new Reduction(scope, codec, canon);

  function canonical(s: State, out: Uint32Array): void {
    codec.encode(normaliseNames(scope, s, mdevs, vms), out, 0);
    canon.leastImage(out);
  }

  function canonicalKey(k: Uint32Array): void {
    if (!canon.namesInOrder(k)) {
      canonical(codec.decode(k, 0), k);
      return;
    }
    canon.leastImage(k);
  }

  return {
    perms,
    canonical,
    canonicalKey,
    replay: (cfg, s0, store, ops, n) => replayPath(cfg, codec, canonical, s0, store, ops, n),
    reduction: (store, ms) => reduction.factor(store, ms),
    canonicalImages: (s, out) => images.canonical(s, out),
    canonicalImagesEach: (s, out) => images.each(s, out),
    elements: groupElements(scope, perms),
  };
}
