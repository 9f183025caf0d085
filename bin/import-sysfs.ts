/**
 * `apmc import`'s reader: a machine's AP bus and vfio_ap state from a sysfs tree (`/sys`, or a directory that
 * `apmc snapshot` filled), in the formats of spec §12. The tree is input: every file is bounded and checked,
 * and a symlink is resolved by hand, inside the tree only (a link out of it, or an absolute one, is refused).
 * A problem is an InputError naming the file (and line): exit 2, nothing written.
 */
import { closeSync, constants, fstatSync, lstatSync, openSync, readdirSync, readlinkSync, readSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
import type { Machine, MachineCard, MachineMdev, MachineQueue, RealMatrix } from '../trace/machine.ts';
import { InputError, UUID } from '../trace/types.ts';

/** The most read of one sysfs file: a full 256 × 256 matrix is 512 KiB. */
const MAX_FILE = 1024 * 1024;
const MAX_HOPS = 40;

const code = (e: unknown): string => (e as NodeJS.ErrnoException).code ?? String(e);

/** A tree, and the paths in it as they are shown (root + relative path). */
export class Tree {
  readonly root: string;
  constructor(root: string) {
    this.root = root;
  }
  show(rel: string): string {
    return rel === '' ? this.root : join(this.root, rel);
  }
  /**
   * `rel` with every symlink on the way resolved inside the tree: the relative path it names, or null when
   * nothing is there. A link leaving the tree, or absolute, is bad input.
   */
  resolve(rel: string): string | null {
    let done: string[] = [];
    let todo = rel.split('/').filter((p) => p !== '' && p !== '.');
    for (let hops = 0; todo.length > 0; ) {
      const part = todo.shift()!;
      if (part === '..') {
        if (done.length === 0) throw new InputError(this.show(rel), null, 'a path leaving the tree');
        done.pop();
        continue;
      }
      const here = [...done, part].join('/');
      let st;
      try {
        st = lstatSync(join(this.root, here));
      } catch (e) {
        if (code(e) === 'ENOENT' || code(e) === 'ENOTDIR') return null;
        throw new InputError(this.show(here), null, `cannot read (${code(e)})`);
      }
      if (!st.isSymbolicLink()) {
        done.push(part);
        continue;
      }
      if (++hops > MAX_HOPS) throw new InputError(this.show(rel), null, 'too many symbolic links');
      const target = readlinkSync(join(this.root, here));
      if (target.startsWith('/')) throw new InputError(this.show(here), null, `an absolute link ('${target}')`);
      const next = normalize([...done, target].join('/'));
      if (next === '..' || next.startsWith(`..${sep}`))
        throw new InputError(this.show(here), null, `a link out of the tree ('${target}')`);
      todo = [...next.split(sep).filter((p) => p !== '' && p !== '.'), ...todo];
      done = [];
    }
    return done.join('/');
  }
  /** The entries of a directory (resolved inside the tree); [] when there is none. */
  list(rel: string): string[] {
    const r = this.resolve(rel);
    if (r === null) return [];
    try {
      return readdirSync(join(this.root, r)).sort();
    } catch (e) {
      if (code(e) === 'ENOTDIR') return [];
      throw new InputError(this.show(rel), null, `cannot read directory (${code(e)})`);
    }
  }
  isDir(rel: string): boolean {
    const r = this.resolve(rel);
    return r !== null && lstatSync(join(this.root, r)).isDirectory();
  }
  /** The last part of a link's target (a queue's `driver`), or null when there is no link. */
  linkName(rel: string): string | null {
    try {
      const t = readlinkSync(join(this.root, rel));
      return (
        t
          .split('/')
          .filter((p) => p !== '')
          .at(-1) ?? null
      );
    } catch (e) {
      if (code(e) === 'ENOENT' || code(e) === 'EINVAL') return null;
      throw new InputError(this.show(rel), null, `cannot read link (${code(e)})`);
    }
  }
  /** A text file's content (bounded, UTF-8 without NUL), or null when absent. */
  read(rel: string): string | null {
    const r = this.resolve(rel);
    if (r === null) return null;
    const path = join(this.root, r);
    let fd: number;
    try {
      fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK | constants.O_NOCTTY);
    } catch (e) {
      throw new InputError(this.show(rel), null, `cannot read (${code(e)})`);
    }
    try {
      if (!fstatSync(fd).isFile()) throw new InputError(this.show(rel), null, 'not a regular file');
      const buf = Buffer.alloc(MAX_FILE + 1);
      let n = 0;
      for (let k; n <= MAX_FILE && (k = readSync(fd, buf, n, MAX_FILE + 1 - n, null)) > 0; ) n += k;
      if (n > MAX_FILE) throw new InputError(this.show(rel), null, `larger than ${MAX_FILE} bytes`);
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, n));
      } catch {
        throw new InputError(this.show(rel), null, 'not UTF-8 text');
      }
      if (text.includes('\0')) throw new InputError(this.show(rel), null, 'NUL byte (a sysfs file is text)');
      return text;
    } finally {
      closeSync(fd);
    }
  }
}

/** The lines of a file, without blank ones, each with its 1-based line number. */
const lines = (text: string): [string, number][] =>
  text.split('\n').flatMap((l, i) => (l.trim() === '' ? [] : [[l.trim(), i + 1] as [string, number]]));

/** An MSB-0 mask (`0x` + hex digits, spec §2) as the ids set in it. */
export function parseMask(text: string, file: string): number[] {
  const t = text.trim();
  const m = /^0x([0-9a-fA-F]{1,64})$/.exec(t);
  if (!m) throw new InputError(file, 1, `expected 0x and up to 64 hex digits (an MSB-0 mask), got '${t.slice(0, 40)}'`);
  const out: number[] = [];
  [...m[1]!].forEach((c, i) => {
    const v = parseInt(c, 16);
    for (let b = 0; b < 4; b++) if ((v >> (3 - b)) & 1) out.push(i * 4 + b);
  });
  return out;
}

/** `<uuid>/matrix` or `guest_matrix`: the lines (checked), and the matrix they show. */
export function parseMatrix(text: string, file: string): { lines: string[]; apm: number[]; aqm: number[] } {
  const apm = new Set<number>();
  const aqm = new Set<number>();
  const out: string[] = [];
  for (const [l, n] of lines(text)) {
    const m = /^([0-9a-fA-F]{2})?\.([0-9a-fA-F]{4})?$/.exec(l);
    if (!m || (m[1] === undefined && m[2] === undefined))
      throw new InputError(file, n, `expected aa.dddd, aa. or .dddd (hex), got '${l.slice(0, 40)}'`);
    if (m[1] !== undefined) apm.add(parseInt(m[1], 16));
    if (m[2] !== undefined) {
      const d = parseInt(m[2], 16);
      if (d > 255) throw new InputError(file, n, `domain ${m[2]} is beyond the architecture's 0..255`);
      aqm.add(d);
    }
    out.push(l.toLowerCase());
  }
  const sort = (s: Set<number>) => [...s].sort((a, b) => a - b);
  return { lines: out, apm: sort(apm), aqm: sort(aqm) };
}

function parseDomains(text: string, file: string): number[] {
  return lines(text).map(([l, n]) => {
    if (!/^[0-9a-fA-F]{4}$/.test(l) || parseInt(l, 16) > 255)
      throw new InputError(file, n, `expected a control domain as 4 hex digits, got '${l.slice(0, 40)}'`);
    return parseInt(l, 16);
  });
}

function parseDecimal(text: string, file: string): number {
  const t = text.trim();
  if (!/^\d{1,6}$/.test(t)) throw new InputError(file, 1, `expected a decimal number, got '${t.slice(0, 40)}'`);
  return Number(t);
}

const AP = 'bus/ap';
const MX = 'devices/vfio_ap/matrix';

/** The machine the tree at `root` shows. */
export function readSysfs(root: string): Machine {
  const t = new Tree(root);
  if (!t.isDir(AP)) throw new InputError(root, null, `no ${AP} directory: not a sysfs tree or an apmc snapshot`);
  const need = (rel: string): string => {
    const x = t.read(rel);
    if (x === null) throw new InputError(t.show(rel), null, 'missing (every AP bus has it)');
    return x;
  };
  const mask = (rel: string) => parseMask(need(rel), t.show(rel));
  const qci = (rel: string): number[] | null => {
    const x = t.read(rel);
    return x === null || x.trim() === 'not supported' ? null : parseMask(x, t.show(rel));
  };
  const apm = qci(`${AP}/ap_adapter_mask`);
  const aqm = qci(`${AP}/ap_usage_domain_mask`);
  const adm = qci(`${AP}/ap_control_domain_mask`);
  const cards: MachineCard[] = [];
  const queues: MachineQueue[] = [];
  for (const name of t.list(`${AP}/devices`)) {
    const dev = `${AP}/devices/${name}`;
    const card = /^card([0-9a-f]{2})$/.exec(name);
    if (card) {
      const hw = t.read(`${dev}/hwtype`);
      const cfg = t.read(`${dev}/config`);
      if (cfg !== null && !/^[01]$/.test(cfg.trim()))
        throw new InputError(t.show(`${dev}/config`), 1, `expected 0 or 1, got '${cfg.trim().slice(0, 40)}'`);
      cards.push({
        apid: parseInt(card[1]!, 16),
        hwtype: hw === null ? null : parseDecimal(hw, t.show(`${dev}/hwtype`)),
        config: cfg === null ? null : cfg.trim() === '1' ? 1 : 0,
      });
      continue;
    }
    const q = /^([0-9a-f]{2})\.([0-9a-f]{4})$/.exec(name);
    if (!q || parseInt(q[2]!, 16) > 255) continue;
    const where = t.resolve(dev);
    const status = t.read(`${dev}/status`);
    queues.push({
      apid: parseInt(q[1]!, 16),
      apqi: parseInt(q[2]!, 16),
      driver: where === null ? null : t.linkName(`${where}/driver`),
      status: status === null ? null : status.trim(),
    });
  }
  const vfioAp = t.isDir(MX);
  const mdevs: MachineMdev[] = [];
  for (const name of vfioAp ? t.list(MX) : []) {
    if (!UUID.test(name) || !t.isDir(`${MX}/${name}`)) continue;
    const rel = `${MX}/${name}`;
    const matrix = parseMatrix(need(`${rel}/matrix`), t.show(`${rel}/matrix`));
    const gm = t.read(`${rel}/guest_matrix`);
    const cd = t.read(`${rel}/control_domains`);
    const m: RealMatrix = {
      apm: matrix.apm,
      aqm: matrix.aqm,
      adm: cd === null ? [] : parseDomains(cd, t.show(`${rel}/control_domains`)),
    };
    const guestMatrix = gm === null ? null : parseMatrix(gm, t.show(`${rel}/guest_matrix`)).lines;
    mdevs.push({ uuid: name.toLowerCase(), matrix: m, guestMatrix });
  }
  return {
    apmask: mask(`${AP}/apmask`),
    aqmask: mask(`${AP}/aqmask`),
    qci: apm === null || aqm === null ? null : { apm, aqm, adm: adm ?? [] },
    cards,
    queues,
    mdevs,
    vfioAp,
  };
}
