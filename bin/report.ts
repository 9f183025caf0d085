/** `apmc check --report <dir>`: write the HTML report atomically (a temporary file in the same directory, then rename). */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** Write `html` to `<dir>/index.html`; readers see the old file or the new one, never half of one. The path written. */
export function writeReport(dir: string, html: string): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'index.html');
  const tmp = join(dir, `.index.html.tmp-${process.pid}`);
  writeFileSync(tmp, html);
  renameSync(tmp, path);
  return path;
}
