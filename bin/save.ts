/** `apmc check --save`: counterexample files, written atomically and never over an existing file. */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import type { Scope } from '../model/scope.ts';
import { counterexampleDoc } from '../properties/counterexample.ts';
import type { Expectation } from '../properties/expected.ts';
import type { Found } from '../properties/explore.ts';
import type { Cell } from './check.ts';
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
 * Save one counterexample under dir/<property>/<policy>-<hash>.json (both slugs); the path, and whether it
 * was written (false: it existed).
 */
export function saveFound(dir: string, scope: Scope, policy: string, f: Found, expected: Expectation | null): { path: string; written: boolean } {
  const doc = counterexampleDoc(scope, policy, f, 'violates', expected?.why ?? 'new violation: describe it, then rename this file to say what it shows');
  const hash = sha(JSON.stringify([doc['ops'], doc['other_ops'] ?? null])).slice(0, 8);
  const path = join(dir, slug(f.property), `${slug(policy)}-${hash}.json`);
  if (!inside(dir, path)) throw new Error(`--save: ${JSON.stringify(path)} is outside ${dir}`);
  return { path, written: writeNew(path, JSON.stringify(doc, null, 2) + '\n') };
}

/** Save every counterexample of the run under dir/<property>/<policy>-<hash>.json; the paths written or skipped. */
export function saveCounterexamples(dir: string, scope: Scope, cells: readonly Cell[]): { written: string[]; existing: string[] } {
  const written: string[] = [];
  const existing: string[] = [];
  for (const c of cells) {
    if (!c.found) continue;
    const r = saveFound(dir, scope, c.policy, c.found, c.expected);
    (r.written ? written : existing).push(r.path);
  }
  return { written, existing };
}
