/** `apmc check --save`: counterexample files, written atomically and never over an existing file. */
import { createHash } from 'node:crypto';
import { linkSync, mkdirSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Scope } from '../model/scope.ts';
import { counterexampleDoc } from '../properties/counterexample.ts';
import type { Expectation } from '../properties/expected.ts';
import type { Found } from '../properties/explore.ts';
import type { Cell } from './check.ts';

/** Write `text` to `path` via a temporary file and a hard link: all or nothing, and never over an existing file. */
export function writeNew(path: string, text: string): boolean {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, text);
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    unlinkSync(tmp);
  }
}

/** Save one counterexample under dir/<property>/<policy>-<hash>.json; the path, and whether it was written (false: it existed). */
export function saveFound(dir: string, scope: Scope, policy: string, f: Found, expected: Expectation | null): { path: string; written: boolean } {
  const doc = counterexampleDoc(scope, policy, f, 'violates', expected?.why ?? 'new violation: describe it, then rename this file to say what it shows');
  const hash = createHash('sha256').update(JSON.stringify([doc['ops'], doc['other_ops'] ?? null])).digest('hex').slice(0, 8);
  const path = join(dir, f.property, `${policy}-${hash}.json`);
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
