/**
 * mulberry32: a tiny seeded generator of numbers in [0, 1), for choices outside fast-check that must be the same
 * for a seed (the hybrid engine's frontier picks, the bench's random ops). Never used by model/.
 */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
