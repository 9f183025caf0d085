/**
 * apmc's TypeScript modules bundled by esbuild into plain JavaScript, once per change of the sources, so that a
 * process or a policy sandbox thread starts without registering tsx and transpiling each module (about 0.45 s of
 * CPU to 0.1 s per process). Plain JavaScript: it runs before tsx is registered.
 *
 * The bundle lives under node_modules/.cache/apmc/cli-<checkout>/ (git-ignored; the packages left external resolve
 * from there as from the sources): one directory per content, named by its hash, and `current.json`, which names the
 * directory and every source file it was built from with its size and modification time. A bundle is used only
 * while every one of those files is unchanged, and only in the checkout it was built in. Entries:
 * - `main.js`: the command (bin/main.ts);
 * - `api.js`: the API that `import … from 'apmc'` gives a policy file (model/index.ts), the same module instance
 *   as the command's (esbuild's code splitting shares the modules between entries);
 * - `sandbox-thread.js`: a policy sandbox thread (bin/sandbox-thread.ts);
 * - `exhaustive-worker.js`: a worker thread of a parallel search (bin/exhaustive-worker.ts, bin/worker-entry.ts).
 * `import.meta.url` in a bundled module is its source file's URL, so paths made from it are the same as when
 * the sources run. Any failure (no esbuild, a read-only directory, a syntax error) leaves the sources to tsx, as
 * does APMC_NO_BUNDLE=1.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const SELF = fileURLToPath(import.meta.url);
const ROOT = fileURLToPath(new URL('../', import.meta.url));
// One cache per checkout, even where checkouts share node_modules through a link.
const CACHE = join(
  ROOT,
  'node_modules',
  '.cache',
  'apmc',
  `cli-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}`,
);
const MANIFEST = join(CACHE, 'current.json');
const ENTRIES = {
  main: 'bin/main.ts',
  api: 'model/index.ts',
  'sandbox-thread': 'bin/sandbox-thread.ts',
  'exhaustive-worker': 'bin/exhaustive-worker.ts',
};
/** Bundles older than this, other than the current one, are removed when a new one is written. */
const KEEP_MS = 3600_000;

const BUNDLED = join(ROOT, 'bin', 'bundled.ts');
const API_HERE = "export const BUNDLE_API: string | null = new URL('./api.js', import.meta.url).href;";

const stamp = (path) => {
  const s = statSync(path);
  return [s.size, s.mtimeMs];
};

let fresh;

/** The current bundle's directory (a file: URL ending in '/') if it is up to date with the sources; else null. */
export function freshBundle() {
  if (fresh !== undefined) return fresh;
  fresh = null;
  if (process.env.APMC_NO_BUNDLE) return null;
  try {
    const m = JSON.parse(readFileSync(MANIFEST, 'utf8'));
    if (m.root !== ROOT || typeof m.dir !== 'string' || !/^b-[0-9a-f]{16}$/.test(m.dir)) return null;
    for (const [path, [size, mtime]] of Object.entries(m.inputs)) {
      const [s, t] = stamp(join(ROOT, path));
      if (s !== size || t !== mtime) return null;
    }
    statSync(join(CACHE, m.dir, 'main.js'));
    fresh = pathToFileURL(join(CACHE, m.dir, '/')).href;
  } catch {
    fresh = null;
  }
  return fresh;
}

/**
 * `import.meta.url` of each source module, as the module's own file URL; this module itself is left out of the
 * bundle (imported by its file URL), so that every thread asks the same code about the same cache.
 */
const sourceUrls = {
  name: 'apmc-source-urls',
  setup(build) {
    build.onResolve({ filter: /\/bundle\.mjs$/ }, (args) => {
      const path = join(args.resolveDir, args.path);
      return path === SELF ? { path: pathToFileURL(SELF).href, external: true } : undefined;
    });
    build.onLoad({ filter: /\.ts$/ }, (args) => {
      // bin/bundled.ts: where the API entry is, beside the chunk that holds this module.
      if (args.path === BUNDLED) return { contents: API_HERE, loader: 'ts' };
      const text = readFileSync(args.path, 'utf8');
      const url = JSON.stringify(pathToFileURL(args.path).href);
      return { contents: text.replaceAll('import.meta.url', url), loader: 'ts' };
    });
  },
};

/** Build the bundle and make it current; its directory URL, or null if it cannot be built or written. */
async function build() {
  const started = Date.now();
  const { build: esbuild } = await import('esbuild');
  const r = await esbuild({
    absWorkingDir: ROOT,
    entryPoints: Object.entries(ENTRIES).map(([out, src]) => ({ in: src, out })),
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    outdir: 'out',
    write: false,
    metafile: true,
    logLevel: 'silent',
    plugins: [sourceUrls],
  });
  const hash = createHash('sha256');
  const files = r.outputFiles
    .map((f) => ({ name: f.path.slice(join(ROOT, 'out/').length), text: f.text }))
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  for (const f of files) hash.update(`${f.name}\0${f.text}\0`);
  const dir = `b-${hash.digest('hex').slice(0, 16)}`;
  const final = join(CACHE, dir);
  const tmp = join(CACHE, `.tmp-${randomBytes(8).toString('hex')}`);
  mkdirSync(tmp, { recursive: true });
  try {
    for (const f of files) writeFileSync(join(tmp, f.name), f.text, { flag: 'wx' });
    try {
      renameSync(tmp, final);
    } catch {
      // Another process wrote the same content first: its directory stays.
      statSync(join(final, 'main.js'));
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const inputs = {};
  let edited = false;
  for (const path of Object.keys(r.metafile.inputs)) {
    inputs[path] = stamp(join(ROOT, path));
    // A source saved while the bundle was built: use the bundle this once, but do not record it as current.
    if (inputs[path][1] >= started) edited = true;
  }
  const url = pathToFileURL(join(final, '/')).href;
  if (edited) return url;
  const m = join(CACHE, `.current-${randomBytes(8).toString('hex')}.json`);
  writeFileSync(m, JSON.stringify({ root: ROOT, dir, inputs }), { flag: 'wx' });
  renameSync(m, MANIFEST);
  prune(dir);
  return url;
}

/** Remove bundles other than `keep` not written in the last hour (a running process may still load from one). */
function prune(keep) {
  for (const name of readdirNames(CACHE)) {
    if (name === keep || !/^(b-[0-9a-f]{16}|\.tmp-[0-9a-f]{16})$/.test(name)) continue;
    try {
      if (Date.now() - statSync(join(CACHE, name)).mtimeMs > KEEP_MS) rmSync(join(CACHE, name), { recursive: true });
    } catch {}
  }
}

function readdirNames(dir) {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

/** The current bundle's directory URL, built first if the sources changed; null where it cannot be had. */
export async function bundle() {
  const f = freshBundle();
  // The built library (dist/) has no sources to bundle.
  if (f !== null || process.env.APMC_NO_BUNDLE || !existsSync(join(ROOT, ENTRIES.main))) return f;
  try {
    fresh = await build();
  } catch {
    fresh = null;
  }
  return fresh;
}
