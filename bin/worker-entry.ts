/**
 * The script a worker thread of a parallel search runs: the bundle's entry (bin/bundle.mjs), built first if the
 * sources changed, so that a worker starts without registering tsx and transpiling each module (about 0.35 s to
 * 0.1 s for two workers starting together). A policy file loads in it as in any bundled thread: `apmc` is the
 * bundle's instance. Where there is no bundle, the worker runs the TypeScript through exhaustive-worker.js.
 */
import { bundle } from './bundle.mjs';

const SHIM = new URL('./exhaustive-worker.js', import.meta.url);

export async function workerEntry(): Promise<URL> {
  const dir = await bundle();
  return dir === null ? SHIM : new URL('exhaustive-worker.js', dir);
}
