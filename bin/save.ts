/** `apmc check --save`: counterexample files, written atomically and never over an existing file. */
import { createHash } from 'node:crypto';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import type { Scope } from '../model/scope.ts';
import { counterexampleDoc, type Start } from '../properties/counterexample.ts';
import type { Expectation } from '../properties/expected.ts';
import { foundAfter, type Finding } from '../check/finding.ts';
import { isPolicyFile } from './load-policy.ts';
import { inside, writeFileSafe } from './safe-write.ts';

/** Write `text` to `path` atomically, never over an existing file (nor through a symlink); false if it existed. */
export function writeNew(path: string, text: string): boolean {
  return writeFileSafe(path, text, 'new');
}

const sha = (s: string): string => createHash('sha256').update(s).digest('hex');

/** Longest slug kept from a name (the file name adds at most 7 + 9 + 5 characters). */
const SLUG_MAX = 48;

/**
 * A file name part made from `name`, whatever it holds: lower case [a-z0-9._-], no leading dot or dash,
 * at most SLUG_MAX characters, never empty; when that is not `name` itself, a short hash of `name` is
 * appended, so that different names stay different files.
 */
export function slug(name: string): string {
  const s = name
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[.-]+/, '')
    .slice(0, SLUG_MAX);
  return s !== '' && s === name ? s : `${s === '' ? 'x' : s}-${sha(name).slice(0, 6)}`;
}

/**
 * A finding as a counterexample document (properties/counterexample.ts): a trace `apmc run` replays,
 * with the property, `note`, and where it was found, `found`: the random engine's {seed, path, runs}
 * (fast-check's seed and path, the cases tried); the exhaustive engine's {engine, states, depth}.
 */
export function findingDoc(
  scope: Scope,
  policy: string,
  f: Finding,
  note: string,
  start?: Start,
): Record<string, unknown> {
  const where = f.engine === 'random' ? { seed: f.seed, path: f.path } : { seed: 0, path: '' };
  const found = { ...f, ...where, afterRuns: foundAfter(f), foundMs: f.ms, afterMs: f.ms };
  const doc = counterexampleDoc(scope, policy, found, 'violates', note, start);
  // What the kernel printed at each step (`apmc run` shows the same), when the finding carries it.
  if (f.events && f.events.length > 0) doc['events'] = f.events;
  if (f.engine === 'exhaustive') doc['found'] = { engine: 'exhaustive', states: f.states, depth: f.depth };
  return doc;
}

/**
 * The policy as a counterexample file at `path` records it: a built-in name as it is; a policy file (its identity,
 * relative to the current directory or absolute) as its path relative to the counterexample's directory when both
 * are under one top directory (always with a '/', so that it reads as a path), else absolute. It is never loaded
 * from there: explain and run name it in the hint to pass it with --policy.
 */
export function recordedPolicy(policy: string, path: string): string {
  if (!isPolicyFile(policy)) return policy;
  const file = resolve(policy);
  const at = dirname(resolve(path));
  const rel = relative(at, file);
  // Relative only below a common directory other than the root: /tmp/cx and /work/p.ts share nothing.
  const top = (p: string): string => p.split(sep).find((x) => x !== '') ?? '';
  if (rel === '' || isAbsolute(rel) || top(at) !== top(file)) return file;
  const posix = sep === '/' ? rel : rel.split(sep).join('/');
  return posix.startsWith('.') ? posix : `./${posix}`;
}

/** Where `saveFound` saves a finding: dir/<property>/<policy>-<hash of its traces>.json (both slugs). */
export function foundPath(dir: string, scope: Scope, policy: string, f: Finding, start?: Start): string {
  const doc = findingDoc(scope, policy, f, '', start);
  const hash = sha(JSON.stringify([doc['ops'], doc['other_ops'] ?? null])).slice(0, 8);
  return join(dir, slug(f.property), `${slug(policy)}-${hash}.json`);
}

/**
 * Save one counterexample under dir/<property>/<policy>-<hash>.json (both slugs); the path, and whether it
 * was written (false: it existed).
 */
export function saveFound(
  dir: string,
  scope: Scope,
  policy: string,
  f: Finding,
  expected: Expectation | null,
  start?: Start,
): { path: string; written: boolean } {
  const note = expected?.why ?? 'new violation: describe it, then rename this file to say what it shows';
  const first = findingDoc(scope, policy, f, note, start);
  const path = foundPath(dir, scope, policy, f, start);
  if (!inside(dir, path)) throw new Error(`--save: ${JSON.stringify(path)} is outside ${dir}`);
  const doc = { ...first, policy: recordedPolicy(policy, path) };
  return { path, written: writeNew(path, JSON.stringify(doc, null, 2) + '\n') };
}
