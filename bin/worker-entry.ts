/**
 * The script a worker thread of a parallel search runs. With a built-in policy: the worker's modules
 * bundled into one plain JavaScript file by esbuild (about 60 ms, once per process; kept under
 * node_modules/.cache/apmc, named by its content), so a worker starts without registering tsx and
 * transpiling each module (about 0.35 s to 0.1 s for two workers starting together). A user's policy
 * file needs tsx in the worker to load it, and the model it imports must be the worker's own: such a
 * worker runs the TypeScript through exhaustive-worker.js, as does any worker if bundling fails.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { POLICIES } from '../model/policies/index.ts';
import { writeFileSafe } from './safe-write.ts';

const SHIM = new URL('./exhaustive-worker.js', import.meta.url);
let bundled: Promise<URL> | null = null;

export function workerEntry(policySpec: string): Promise<URL> {
  if (POLICIES[policySpec] === undefined) return Promise.resolve(SHIM);
  return (bundled ??= bundle().catch(() => SHIM));
}

async function bundle(): Promise<URL> {
  const { build } = await import('esbuild');
  const r = await build({
    entryPoints: [fileURLToPath(new URL('./exhaustive-worker.ts', import.meta.url))],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    write: false,
    logLevel: 'silent',
  });
  const text = r.outputFiles[0]!.text;
  // Under the package's node_modules, so that the packages left external resolve as from the sources.
  const dir = new URL('../node_modules/.cache/apmc/', import.meta.url);
  const file = new URL(`exhaustive-worker-${createHash('sha1').update(text).digest('hex').slice(0, 12)}.mjs`, dir);
  // Whole or not at all, when two processes write it at once (the first one's stays: the same content).
  if (!existsSync(file)) writeFileSafe(fileURLToPath(file), text, 'new');
  return pathToFileURL(fileURLToPath(file));
}
