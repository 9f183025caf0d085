/** `apmc check --report <dir>`: write the HTML report atomically, never through a symlink (bin/safe-write.ts). */
import { join } from 'node:path';
import { writeFileSafe } from './safe-write.ts';

/** The file `--report <dir>` writes in its directory (checked before the run: bin/safe-write.ts checkOutputDir). */
export const REPORT_FILE = 'index.html';

/** Write `html` to `<dir>/index.html`; readers see the old file or the new one, never half of one. The path written. */
export function writeReport(dir: string, html: string): string {
  const path = join(dir, REPORT_FILE);
  writeFileSafe(path, html, 'replace');
  return path;
}
