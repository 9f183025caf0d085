/**
 * The one reader of user files (traces, counterexamples, merge's reports): bounded, whatever the path
 * names. Only a regular file is read (a device such as /dev/zero or a FIFO may never end), at most
 * MAX_INPUT_BYTES of it, in chunks; the bytes must be UTF-8 without NUL. A leading byte order mark is
 * dropped and CRLF line ends become LF, no line may be longer than MAX_LINE, so a file saved on Windows
 * reads as the same text. Every refusal is an InputError naming the file (and the line where there is
 * one): bad input, exit 2.
 *
 * A trace argument `-` is standard input (bin/args.ts parse): read whole, once per process, within the
 * same bounds, and named STDIN in messages. A policy sandbox thread gets those bytes from the main thread
 * (worker_threads environment data), since the main thread has consumed the stream.
 */
import { closeSync, constants, fstatSync, openSync, readSync, type Stats } from 'node:fs';
import { getEnvironmentData, isMainThread, setEnvironmentData } from 'node:worker_threads';
import { MAX_LINE } from '../trace/parse-text.ts';
import { InputError } from '../trace/types.ts';

/** The most apmc reads of one file: 64 MiB. */
export const MAX_INPUT_BYTES = 64 * 1024 * 1024;

const CHUNK = 1024 * 1024;

const ERRNO: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOTDIR: 'a part of the path is not a directory',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'name too long',
  EISDIR: 'a directory',
};

function kind(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** The offset of the first byte that does not belong to well-formed UTF-8, or -1. */
export function invalidUtf8At(b: Uint8Array): number {
  for (let i = 0; i < b.length; ) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    const need = c >= 0xc2 && c <= 0xdf ? 1 : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
    if (need < 0) return i;
    let cp = c & (0x3f >> need);
    for (let j = 1; j <= need; j++) {
      const d = b[i + j];
      if (d === undefined || (d & 0xc0) !== 0x80) return i;
      cp = (cp << 6) | (d & 0x3f);
    }
    // Overlong forms, surrogates and code points beyond U+10FFFF.
    if (need === 2 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) return i;
    if (need === 3 && (cp < 0x10000 || cp > 0x10ffff)) return i;
    i += need + 1;
  }
  return -1;
}

/** 1-based line of a byte offset. */
function lineOfByte(b: Uint8Array, offset: number): number {
  let n = 1;
  for (let i = 0; i < offset; i++) if (b[i] === 10) n++;
  return n;
}

/** How messages name standard input; a path of this name reads it when the command line had `-`. */
export const STDIN = '<stdin>';
const STDIN_KEY = 'apmc:stdin';

let stdinWanted = false;
let stdinBytes: Buffer | null = null;

/** Whether the command line being run has `-` (bin/args.ts): only then does the path STDIN read stdin. */
export function useStdin(on: boolean): void {
  stdinWanted = on;
}

/** Standard input's bytes, read once (at most MAX_INPUT_BYTES); in a sandbox thread, the main thread's. */
export function readStdin(): Buffer {
  if (stdinBytes !== null) return stdinBytes;
  if (!isMainThread) {
    const got = getEnvironmentData(STDIN_KEY);
    if (!(got instanceof Uint8Array)) throw new InputError(STDIN, null, 'standard input was not passed to the sandbox');
    stdinBytes = Buffer.from(got);
    return stdinBytes;
  }
  const chunks: Buffer[] = [];
  let total = 0;
  const mb = MAX_INPUT_BYTES / 1024 / 1024;
  for (;;) {
    const buf = Buffer.allocUnsafe(CHUNK);
    let n: number;
    try {
      n = readSync(0, buf, 0, CHUNK, null);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      // A non-blocking pipe with nothing in it yet: wait a little and read again.
      if (code === 'EAGAIN') {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
        continue;
      }
      if (code === 'EOF') break;
      throw new InputError(STDIN, null, `cannot read standard input (${ERRNO[code] ?? code})`);
    }
    if (n === 0) break;
    total += n;
    if (total > MAX_INPUT_BYTES) throw new InputError(STDIN, null, `larger than ${mb} MB, the most apmc reads`);
    chunks.push(n === CHUNK ? buf : Buffer.from(buf.subarray(0, n)));
  }
  stdinBytes = Buffer.concat(chunks, total);
  setEnvironmentData(STDIN_KEY, stdinBytes);
  return stdinBytes;
}

/**
 * The text of the file at `path`, which holds a `what` ('trace', 'report' …, for messages). Throws
 * InputError: missing or unreadable, not a regular file, larger than MAX_INPUT_BYTES, not UTF-8, NUL.
 */
export function readInput(path: string, what: string): string {
  return decodeInput(path === STDIN && stdinWanted ? readStdin() : readBytes(path, what), path, what);
}

function readBytes(path: string, what: string): Buffer {
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO does not wait for a writer (it is refused below, unread).
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? String(e);
    throw new InputError(path, null, `cannot read ${what} (${ERRNO[code] ?? code})`);
  }
  let bytes: Buffer;
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) {
      throw new InputError(path, null, `cannot read ${what} (${kind(st)}; apmc reads regular files only)`);
    }
    const mb = MAX_INPUT_BYTES / 1024 / 1024;
    const tooBig = () => new InputError(path, null, `larger than ${mb} MB, the most apmc reads of a ${what}`);
    if (st.size > MAX_INPUT_BYTES) throw tooBig();
    // In chunks, whatever size the file claims (files in /proc claim 0; a file may grow while read).
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const buf = Buffer.allocUnsafe(CHUNK);
      let n: number;
      try {
        n = readSync(fd, buf, 0, CHUNK, null);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? String(e);
        throw new InputError(path, null, `cannot read ${what} (${ERRNO[code] ?? code})`);
      }
      if (n === 0) break;
      total += n;
      if (total > MAX_INPUT_BYTES) throw tooBig();
      chunks.push(n === CHUNK ? buf : buf.subarray(0, n));
    }
    bytes = Buffer.concat(chunks, total);
  } finally {
    closeSync(fd);
  }
  return bytes;
}

/** The bytes as text: UTF-8 without NUL, no BOM, LF line ends, no line longer than MAX_LINE. */
function decodeInput(bytes: Buffer, path: string, what: string): string {
  let text: string;
  try {
    // Drops a leading byte order mark (ignoreBOM: false).
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = Math.max(0, invalidUtf8At(bytes));
    const hex = bytes[at]!.toString(16).padStart(2, '0');
    throw new InputError(path, lineOfByte(bytes, at), `not UTF-8 text (byte ${at}: 0x${hex})`);
  }
  const nul = text.indexOf('\0');
  if (nul >= 0) throw new InputError(path, text.slice(0, nul).split('\n').length, `NUL byte (a ${what} is text)`);
  text = text.replace(/\r\n/g, '\n');
  // The line limit holds for JSON too: apmc writes its JSON indented, and a 10 MB line is no hand-made input.
  for (let start = 0, line = 1; start <= text.length; line++) {
    const end = text.indexOf('\n', start);
    const stop = end < 0 ? text.length : end;
    if (stop - start > MAX_LINE) {
      throw new InputError(path, line, `line longer than ${MAX_LINE} characters, the most an input line may have`);
    }
    if (end < 0) break;
    start = end + 1;
  }
  return text;
}
