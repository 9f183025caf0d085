/**
 * Every file apmc writes goes through `writeFileSafe`: a temporary file created exclusively (O_CREAT|O_EXCL,
 * which never follows a symlink, under a random name) in the target's directory, written and fsynced, then
 * renamed over the target ('replace') or hard-linked to it ('new': never over an existing file). Readers see
 * the old file or the new one, never half of one; on any failure the temporary is removed.
 *
 * `checkOutputDir` checks an output location (--save DIR, --report DIR) before a run starts, so that a bad
 * one is bad input (exit 2, nothing written) rather than a failure after the whole run.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { UsageError } from './usage.ts';

export type WriteMode = 'replace' | 'new';

const code = (e: unknown): string | undefined => (e as NodeJS.ErrnoException).code;

/** Create a temporary file for `path` in its directory: exclusively, under a fresh random name. Its path and fd. */
function createTemp(path: string): { tmp: string; fd: number } {
  for (let i = 0; ; i++) {
    const tmp = join(dirname(path), `.${basename(path)}.tmp-${randomBytes(8).toString('hex')}`);
    try {
      // 'wx' is O_CREAT|O_EXCL: fails on any existing name, a symlink (even a dangling one) included.
      return { tmp, fd: openSync(tmp, 'wx', 0o644) };
    } catch (e) {
      if (code(e) !== 'EEXIST' || i >= 4) throw e;
    }
  }
}

/**
 * Write `data` to `path` atomically. 'replace': over an existing file, refusing a symlink at `path`
 * (rename would replace the link, but a planted link is a sign of trouble); 'new': false, and nothing
 * written, when `path` exists in any form. The directory, missing parts included, is created; it is the
 * user's choice of directory and may itself be reached through symlinks: only the names apmc makes in
 * it (the temporary and the target) are never followed.
 */
export function writeFileSafe(path: string, data: string | Uint8Array, mode: WriteMode): boolean {
  mkdirSync(dirname(path), { recursive: true });
  if (mode === 'replace') {
    let isLink = false;
    try {
      isLink = lstatSync(path).isSymbolicLink();
    } catch (e) {
      if (code(e) !== 'ENOENT') throw e;
    }
    if (isLink) throw new Error(`${path} is a symbolic link: not written`);
  }
  const { tmp, fd } = createTemp(path);
  try {
    try {
      writeFileSync(fd, data);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    if (mode === 'replace') {
      renameSync(tmp, path);
      return true;
    }
    try {
      linkSync(tmp, path);
    } catch (e) {
      if (code(e) === 'EEXIST') return false;
      throw e;
    }
    return true;
  } finally {
    // After a rename the temporary's name is gone already; otherwise (a link made, or a failure) remove it.
    try {
      unlinkSync(tmp);
    } catch {
      /* renamed, or never there */
    }
  }
}

/** Filesystems where a write hangs, fails or means something else: never an output location. */
const SPECIAL = ['/proc', '/sys', '/dev'];
const under = (p: string, root: string): boolean => p === root || p.startsWith(root + '/');

/**
 * Check that `dir` can hold apmc's output (`flag` names the option in the message): not empty, not under
 * /proc, /sys or /dev (symlinks resolved), a directory or creatable as one, and writable. `files`: names
 * apmc will replace in it, which must not be symlinks or directories. Throws UsageError (bad input) if not;
 * writes nothing.
 */
export function checkOutputDir(flag: string, dir: string, files: readonly string[] = []): void {
  function bad(why: string): never {
    throw new UsageError(`${flag}: ${why}`);
  }
  if (dir === '') bad('expected a directory name, got an empty one');
  if (dir.includes('\0')) bad('the directory name contains a NUL character');
  const abs = resolve(dir);
  // The nearest part of the path that exists: the directory itself, or where it would be created.
  let existing = abs;
  for (;;) {
    try {
      lstatSync(existing);
      break;
    } catch (e) {
      if (code(e) !== 'ENOENT' && code(e) !== 'ENOTDIR') bad(`cannot use '${dir}' (${code(e) ?? String(e)})`);
      const up = dirname(existing);
      if (up === existing) bad(`cannot use '${dir}'`);
      existing = up;
    }
  }
  let real: string;
  try {
    real = realpathSync(existing);
  } catch (e) {
    bad(`cannot use '${dir}' (${code(e) ?? String(e)})`);
  }
  const special = SPECIAL.find((r) => under(abs, r) || under(real, r));
  if (special !== undefined) bad(`'${dir}' is under ${special}: not a place for files`);
  if (!statSync(real).isDirectory()) {
    bad(existing === abs ? `'${dir}' is not a directory` : `'${dir}': ${existing} is not a directory`);
  }
  try {
    accessSync(real, constants.W_OK | constants.X_OK);
  } catch {
    bad(existing === abs ? `'${dir}' is not writable` : `'${dir}' cannot be created: ${existing} is not writable`);
  }
  if (existing !== abs) return;
  for (const f of files) {
    const p = join(abs, f);
    try {
      const st = lstatSync(p);
      if (st.isSymbolicLink()) bad(`${p} is a symbolic link: not written through`);
      if (!st.isFile()) bad(`${p} exists and is not a regular file`);
    } catch (e) {
      if (e instanceof UsageError) throw e;
      if (code(e) !== 'ENOENT') bad(`cannot use ${p} (${code(e) ?? String(e)})`);
    }
  }
}

/** `child` resolved lies strictly inside `dir` resolved. */
export function inside(dir: string, child: string): boolean {
  const d = resolve(dir);
  return resolve(child).startsWith(d.endsWith(sep) ? d : d + sep);
}
