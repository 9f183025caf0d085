/**
 * The symmetry reduction factor (exhaustive/symmetry.ts `reduction`): the average class size over
 * a sample of the stored states.
 */
import type { Scope } from '../model/scope.ts';
import type { State } from '../model/state.ts';
import type { Codec } from './codec.ts';
import { renameState, renamings } from './group.ts';
import { applyProgram, type KeyCanon } from './key-canon.ts';
import type { Stored } from './store.ts';

export class Reduction {
  private readonly codec: Codec;
  private readonly canon: KeyCanon;
  private readonly renamings: readonly [ReadonlyMap<string, string>, ReadonlyMap<string, string>][];
  private readonly key: Uint32Array;
  private readonly named: Uint32Array;
  private readonly img: Uint32Array;

  constructor(scope: Scope, codec: Codec, canon: KeyCanon) {
    this.codec = codec;
    this.canon = canon;
    this.renamings = renamings(scope);
    this.key = new Uint32Array(codec.words);
    this.named = new Uint32Array(codec.words);
    this.img = new Uint32Array(codec.words);
  }

  /**
   * Average class size over a sample of the stored states (up to 2,000, spread over the store, taken
   * within `ms` milliseconds: one class costs milliseconds at a large scope).
   */
  factor(store: Stored, ms = 200): number {
    const W = this.codec.words;
    const sample = Math.min(store.count, 2000);
    if (sample === 0) return 1;
    const stride = Math.max(1, Math.floor(store.count / sample));
    // Coarse to fine (every 64th sample point, then the 32nd … then every one), so that a sample cut
    // short by the time limit is still spread over the whole store.
    const end = Date.now() + ms;
    let total = 0;
    let k = 0;
    for (let step = 64; step >= 1 && (k === 0 || Date.now() < end); step >>= 1) {
      for (let x = 0; x < sample; x += step) {
        if (step < 64 && x % (2 * step) === 0) continue; // taken at the coarser step
        if (k > 0 && Date.now() >= end) break;
        total += this.classSize(this.codec.decode(store.arena, x * stride * W));
        k++;
      }
    }
    return total / k;
  }

  /**
   * Distinct states in the class of s: every group element (while a scan is under way, those whose id
   * permutation keeps the order of the devices it has left).
   */
  classSize(s: State): number {
    const { codec, canon, named, img } = this;
    const W = codec.words;
    const programs = canon.programs;
    const seen = new Set<string>();
    codec.encode(s, this.key, 0);
    const scanning = s.bus.scan !== null;
    if (scanning) canon.remaining(this.key);
    // An id permutation's image of the key is its bit program's (`compile`): one encoding per
    // renaming of mdevs and VMs, then the programs on the packed key.
    for (const [mn, vn] of this.renamings) {
      codec.encode(renameState(s, mn, vn), named, 0);
      seen.add(named.join(','));
      for (let j = 0; j < programs.length; j++) {
        if (scanning && !canon.keepsOrder(j)) continue;
        applyProgram(programs[j]!, named, img, 0, W);
        seen.add(img.join(','));
      }
    }
    return seen.size;
  }
}
