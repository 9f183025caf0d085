/**
 * The guest view as a grid: adapters as rows, domains as columns, one mark per APQN saying where the
 * queue is, seen from one mdev (or from one VM that has no mdev). Pure: computed from a state.
 */
import type { ChalkInstance } from 'chalk';
import { has, ids } from '../model/bits.ts';
import type { Config } from '../model/policy.ts';
import { crycbApqns } from '../model/observe.ts';
import { qix } from '../model/scope.ts';
import type { Matrix, State } from '../model/state.ts';
import { clip, oneLine, wrap } from './term.ts';

/**
 * One mark per APQN, first match wins:
 * - `G` in the guest's CRYCB, queue bound to vfio_ap
 * - `!` in the guest's CRYCB, but the queue is not bound to vfio_ap (unbound, cex4queue, or gone)
 * - `g` in the mdev's guest_matrix, but in no guest (no guest attached, or a remove cleared the CRYCB)
 * - `f` assigned to the mdev, the queue bound to vfio_ap, but not given to the guest (filtered out, or
 *   no guest and no guest_matrix)
 * - `x` assigned to the mdev, but there is no vfio_ap queue for it (unbound, cex4queue, not in host)
 * - `.` not in the host AP configuration
 * - `-` no queue device, or the queue is bound to no driver
 * - `c` bound to the default driver cex4queue
 * - `v` bound to vfio_ap, not assigned to this mdev
 */
export type Mark = 'G' | '!' | 'g' | 'f' | 'x' | '.' | '-' | 'c' | 'v';

export const MARKS: readonly Mark[] = ['G', '!', 'g', 'f', 'x', 'v', 'c', '-', '.'];

/** What each mark means, short enough for the legend. */
export const MARK_MEANING: Readonly<Record<Mark, string>> = {
  G: 'guest',
  '!': 'guest, no vfio_ap queue',
  g: 'guest_matrix only',
  f: 'assigned, filtered',
  x: 'assigned, no vfio_ap queue',
  v: 'vfio_ap',
  c: 'cex4queue',
  '-': 'unbound',
  '.': 'not in host',
};

/** The legend: how to read a grid, then the marks on two lines (one line of 80 columns is too short). */
export const LEGEND: readonly string[] = [
  'grids: a row per adapter, a column per domain (hex ids), a mark per APQN:',
  ...[MARKS.slice(0, 4), MARKS.slice(4)].map((ms) => ms.map((m) => `${m} ${MARK_MEANING[m]}`).join('  ')),
];

export interface Grid {
  /** `m1 (vm1)`, `m1 (no guest)`, `vm2 (no mdev)`. */
  readonly title: string;
  /** Row r is adapter adapters[r]; column k is domain domains[k]. */
  readonly adapters: readonly number[];
  readonly domains: readonly number[];
  readonly rows: readonly (readonly Mark[])[];
  /** The guest's control domains (hex, as control_domains prints them); empty when none. */
  readonly control_domains: readonly string[];
}

const inM = (m: Matrix | null | undefined, a: number, d: number): boolean => !!m && has(m.apm, a) && has(m.aqm, d);

/**
 * The mark of one APQN, seen from an mdev (its guest's CRYCB, its matrix and shadow) or from a VM alone
 * (CRYCB only).
 */
function mark(
  cfg: Config,
  s: State,
  a: number,
  d: number,
  crycb: Matrix | null,
  matrix: Matrix | null,
  shadow: Matrix | null,
): Mark {
  const q = s.queues[qix(cfg.scope, a, d)] ?? null;
  if (inM(crycb, a, d)) return q?.driver === 'vfio_ap' ? 'G' : '!';
  if (inM(shadow, a, d)) return 'g';
  if (inM(matrix, a, d)) return q?.driver === 'vfio_ap' ? 'f' : 'x';
  if (!inM(s.host, a, d)) return '.';
  if (q === null || q.driver === null) return '-';
  return q.driver === 'cex4queue' ? 'c' : 'v';
}

const hexDomains = (m: Matrix['adm']): string[] => ids(m).map((d) => d.toString(16).padStart(4, '0'));

/** One grid per mdev (sorted by name), then one per VM whose CRYCB is not empty and that no mdev holds. */
export function guestGrids(cfg: Config, s: State): Grid[] {
  const adapters = Array.from({ length: cfg.scope.adapters }, (_, i) => i);
  const domains = Array.from({ length: cfg.scope.domains }, (_, i) => i);
  const grid = (title: string, crycb: Matrix | null, matrix: Matrix | null, shadow: Matrix | null): Grid => ({
    title,
    adapters,
    domains,
    rows: adapters.map((a) => domains.map((d) => mark(cfg, s, a, d, crycb, matrix, shadow))),
    control_domains: crycb ? hexDomains(crycb.adm) : [],
  });
  const out: Grid[] = [];
  const held = new Set<string>();
  for (const name of Object.keys(s.mdevs).sort()) {
    const m = s.mdevs[name]!;
    const vm = m.kvm !== null ? s.vms[m.kvm] : undefined;
    if (m.kvm !== null) held.add(m.kvm);
    const who = m.kvm !== null ? m.kvm : 'no guest';
    out.push(grid(`${name} (${who}${m.removing ? ', removing' : ''})`, vm?.crycb ?? null, m.matrix, m.shadow));
  }
  for (const name of Object.keys(s.vms).sort()) {
    const v = s.vms[name]!;
    if (held.has(name) || (ids(v.crycb.apm).length === 0 && ids(v.crycb.adm).length === 0)) continue;
    out.push(grid(`${name} (no mdev)`, v.crycb, null, null));
  }
  return out;
}

/**
 * What the guests see: what every mdev's guest_matrix gives (APQNs, control domains) and to which
 * guest, and every VM's CRYCB. Equal keys, same guest view (an adapter without domains gives nothing).
 */
export function guestViewKey(s: State): string {
  const gives = (m: Matrix | null) =>
    m === null ? null : [...crycbApqns(m), ...hexDomains(m.adm).map((d) => `cd${d}`)].join(' ');
  const mdevs = Object.keys(s.mdevs)
    .sort()
    .map((n) => [n, gives(s.mdevs[n]!.shadow), s.mdevs[n]!.kvm, s.mdevs[n]!.removing]);
  const vms = Object.keys(s.vms)
    .sort()
    .map((n) => [n, gives(s.vms[n]!.crycb)]);
  return JSON.stringify([mdevs, vms]);
}

const MARK_STYLE: Readonly<Record<Mark, (c: ChalkInstance, s: string) => string>> = {
  G: (c, s) => c.green.bold(s),
  '!': (c, s) => c.red.bold(s),
  g: (c, s) => c.green(s),
  f: (c, s) => c.yellow(s),
  x: (c, s) => c.magenta(s),
  v: (c, s) => c.cyan(s),
  c: (c, s) => c.blue(s),
  '-': (c, s) => c.dim(s),
  '.': (c, s) => c.dim(s),
};

/**
 * A grid as text: a title line, a header of domain ids (hex; two header lines, high and low digit,
 * beyond 16 domains), then one line per adapter (`00`, hex). Two columns per domain. At most `w`
 * columns wide (the rows of 32 domains take 67): a longer title is clipped, control domains wrap.
 */
export function gridLines(c: ChalkInstance, g: Grid, w = 74): string[] {
  const wide = g.domains.some((d) => d > 15);
  const digit = (d: number, hi: boolean) => (hi ? (d >> 4).toString(16) : (d & 15).toString(16));
  const head = (hi: boolean) => '    ' + g.domains.map((d) => digit(d, hi)).join(' ');
  const lines = [c.bold(clip(oneLine(g.title), w)), ...(wide ? [head(true)] : []), head(false)];
  g.rows.forEach((row, r) => {
    const a = g.adapters[r]!.toString(16).padStart(2, '0');
    lines.push(` ${a} ` + row.map((m) => MARK_STYLE[m](c, m)).join(' '));
  });
  if (g.control_domains.length > 0) lines.push(...wrap(`cd ${g.control_domains.join(' ')}`, w, '   '));
  return lines;
}
