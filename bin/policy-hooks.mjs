// Module hooks (node:module register) for policy files, whatever the package.json nearest to them says, or with none:
// - `apmc` resolves to this apmc's API, model/index.ts, from any file: a policy file outside the
//   repository imports the API of the apmc that loads it, as the same module instance apmc itself uses;
// - a policy file, marked by the query POLICY_QUERY (bin/load-policy.ts), and the files it imports outside apmc's own
//   directory (marked so too) are ES modules: TypeScript (.ts, .mts) is transpiled here by esbuild, JavaScript
//   (.js, .mjs) is taken as it is. From the sources, apmc's own modules load as usual (tsx), so a policy that
//   imports them by a relative path shares their instance as well. In the bundle (bin/bundle.mjs), only `apmc`
//   (or model/index.ts by its path) is the bundle's instance: another of apmc's modules imported by its path is a
//   copy of its own.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

export const POLICY_QUERY = 'apmc-policy';
const ROOT = new URL('../', import.meta.url).href;
// The sources' API (run through tsx), or in the built package (dist/, plain JavaScript) its entry beside this file:
// the module `import 'apmc'` gives the library's caller (api/index.ts, the model's API and check).
const SOURCE_API = new URL('../model/index.ts', import.meta.url);
let API = (existsSync(fileURLToPath(SOURCE_API)) ? SOURCE_API : new URL('../api/index.js', import.meta.url)).href;
const LOADED = /\.(m?ts|m?js)$/;
// In the bundle (bin/bundle.mjs) there is no tsx: files under apmc's directory are this hook's to load too.
let ownRoot = ROOT;

/** `data.bundleApi`: the bundle's API entry when the thread runs apmc's bundle (bin/load-policy.ts). */
export function initialize(data) {
  if (typeof data?.bundleApi !== 'string') return;
  API = data.bundleApi;
  ownRoot = null;
}

const marked = (url) => {
  try {
    return new URL(url).searchParams.has(POLICY_QUERY);
  } catch {
    return false;
  }
};

export async function resolve(specifier, context, nextResolve) {
  if (specifier === 'apmc') return { url: API, shortCircuit: true };
  const r = await nextResolve(specifier, context);
  if (context.parentURL === undefined || !marked(context.parentURL)) return r;
  // apmc's API by its path is `apmc` too.
  if (ownRoot === null && r.url === SOURCE_API.href) return { url: API, shortCircuit: true };
  const u = new URL(r.url);
  // A file the policy imports, outside apmc's directory (anywhere, in the bundle): an ES module too.
  const own = ownRoot !== null && r.url.startsWith(ownRoot);
  if (u.protocol !== 'file:' || own || !LOADED.test(u.pathname) || marked(r.url)) return r;
  u.searchParams.set(POLICY_QUERY, '');
  return { ...r, url: u.href, format: 'module' };
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !marked(url)) return nextLoad(url, context);
  const u = new URL(url);
  u.search = '';
  const path = fileURLToPath(u);
  const text = await readFile(path, 'utf8');
  if (!/\.m?ts$/.test(path)) return { format: 'module', source: text, shortCircuit: true };
  const { transform } = await import('esbuild');
  const r = await transform(text, {
    loader: 'ts',
    format: 'esm',
    target: 'node20',
    sourcefile: path,
    sourcemap: 'inline',
    logLevel: 'silent',
  });
  return { format: 'module', source: r.code, shortCircuit: true };
}
