/**
 * `apmc import [--sysfs DIR] [--lszcrypt FILE] [--mdevctl FILE] [--to text|json] [-o FILE] [scope flags]`:
 * a machine's vfio_ap state as a trace (trace/machine.ts) with its real ids (`real`), checked by running it in
 * the model (`--policy`, default upstream): what the model does not rebuild is said on stderr, exit 1.
 * What the model leaves out (more ids than it holds) is said on stderr too. Bad input: exit 2, nothing written.
 */
import { resolve } from 'node:path';
import { POLICIES } from '../model/policies/index.ts';
import { SCOPE_KEYS, type Scope, scopeLimit } from '../model/scope.ts';
import { execTrace } from '../trace/exec.ts';
import { formatTrace } from '../trace/format.ts';
import { traceToJson } from '../trace/json.ts';
import { machineDifferences } from '../trace/machine-compare.ts';
import { type Machine, machineTrace, mdevInUse } from '../trace/machine.ts';
import { oneLine } from '../render/term.ts';
import { parse, scopeFlagValues } from './args.ts';
import { COMMANDS } from './commands.ts';
import { parseLszcrypt, parseMdevctl } from './import-extra.ts';
import { readSysfs, Tree } from './import-sysfs.ts';
import type { Io } from './io.ts';
import { readInput } from './read-input.ts';
import { writeFileSafe } from './safe-write.ts';
import { scopeFlag } from './scope-flags.ts';
import { UsageError } from './usage.ts';

/** Files `apmc snapshot` puts beside the sysfs files, read when no flag names others. */
export const SNAPSHOT_LSZCRYPT = 'apmc-lszcrypt-V.txt';
export const SNAPSHOT_MDEVCTL = 'apmc-mdevctl.json';
export const SNAPSHOT_UNAME = 'apmc-uname-r.txt';

/** The model's limits, lowered by scope flags (`--adapters 4`: keep at most 4 adapters). */
function limitsFrom(flags: Partial<Record<keyof Scope, string | undefined>>): Scope {
  const out: Record<string, number> = {};
  for (const k of SCOPE_KEYS) {
    const v = flags[k];
    const max = scopeLimit(k);
    if (v !== undefined && (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > max))
      throw new UsageError(`--${scopeFlag(k)}: expected 1 to ${max} (the model's limit), got '${v}'`);
    out[k] = v === undefined ? max : Number(v);
  }
  return out as unknown as Scope;
}

/** Cross-checks with lszcrypt and mdevctl, and adapters vfio_ap cannot take (hwtype < 10, spec §12.1). */
function crossNotes(m: Machine, lsz: ReturnType<typeof parseLszcrypt> | null, mdc: ReturnType<typeof parseMdevctl>) {
  const notes: string[] = [];
  const hw = new Map(m.cards.map((c) => [c.apid, c.hwtype]));
  for (const r of lsz ?? []) {
    const h = (n: number, w: number) => n.toString(16).padStart(w, '0');
    if (r.apqi === null) {
      if (hw.get(r.apid) == null && r.hwtype !== null) hw.set(r.apid, r.hwtype);
      continue;
    }
    const q = m.queues.find((x) => x.apid === r.apid && x.apqi === r.apqi);
    if (q && r.driver !== null && (q.driver ?? '-') !== r.driver)
      notes.push(`queue ${h(r.apid, 2)}.${h(r.apqi, 4)}: lszcrypt says ${r.driver}, sysfs ${q.driver ?? 'unbound'}`);
  }
  const inUse = new Set(m.mdevs.flatMap((x) => x.matrix.apm));
  for (const q of m.queues) if (q.driver === 'vfio_ap') inUse.add(q.apid);
  for (const a of [...inUse].sort((x, y) => x - y)) {
    const t = hw.get(a);
    if (t != null && t < 10)
      notes.push(`adapter 0x${a.toString(16).padStart(2, '0')} is hwtype ${t}: vfio_ap needs 10 (CEX4) or more`);
  }
  for (const d of mdc) {
    if (d.type !== '' && d.type !== 'vfio_ap-passthrough') continue;
    const x = m.mdevs.find((y) => y.uuid === d.uuid);
    if (!x) {
      notes.push(`mdev ${d.uuid} is defined in mdevctl but not active: left out`);
      continue;
    }
    const same = (a: readonly number[], b: readonly number[]) => [...a].sort().join() === [...b].sort().join();
    if (!same(d.apm, x.matrix.apm) || !same(d.aqm, x.matrix.aqm) || !same(d.adm, x.matrix.adm))
      notes.push(`mdev ${d.uuid}: its mdevctl configuration differs from its active matrix (the active one is used)`);
  }
  for (const x of m.mdevs) if (mdevInUse(m, x) && x.guestMatrix === null) notes.push(`mdev ${x.uuid}: no guest_matrix`);
  return notes;
}

export function cmdImport(args: string[], io: Io): number {
  const { values, positionals } = parse(args, COMMANDS.import);
  if (positionals.length > 0) throw new UsageError(`apmc import takes no arguments (got '${positionals[0]}')`);
  const to = values.to ?? (values.output?.endsWith('.json') ? 'json' : 'text');
  if (to !== 'json' && to !== 'text') throw new UsageError(`--to: expected 'json' or 'text', got '${to}'`);
  // A built-in policy only: the trace is checked in this process, where no policy file is loaded.
  const policy = POLICIES[values.policy ?? 'upstream'];
  if (policy === undefined)
    throw new UsageError(`--policy: '${values.policy}' is not a built-in policy (apmc policies lists them)`);
  const limits = limitsFrom(scopeFlagValues(values));
  const root = resolve(values.sysfs ?? '/sys');
  const machine = readSysfs(root);
  const tree = new Tree(root);
  // Beside a snapshot's sysfs files: lszcrypt and mdevctl output, the kernel release (flags name others).
  const extra = (flag: string | undefined, name: string, what: string) =>
    flag !== undefined ? readInput(flag, what) : tree.read(name);
  const lszFile = values.lszcrypt ?? tree.show(SNAPSHOT_LSZCRYPT);
  const lszText = extra(values.lszcrypt, SNAPSHOT_LSZCRYPT, 'lszcrypt -V output');
  const lsz = lszText === null || lszText.trim() === '' ? null : parseLszcrypt(lszText, lszFile);
  const mdcFile = values.mdevctl ?? tree.show(SNAPSHOT_MDEVCTL);
  const mdcText = extra(values.mdevctl, SNAPSHOT_MDEVCTL, 'mdevctl JSON');
  const mdc = mdcText === null || mdcText.trim() === '' ? [] : parseMdevctl(mdcText, mdcFile);
  const uname = tree.read(SNAPSHOT_UNAME)?.trim().split('\n')[0] ?? '';
  const header = /^[\w.+~-]{1,64}$/.test(uname) ? [`Kernel release: ${uname} (choose the --policy for it).`] : [];
  const { trace, notes } = machineTrace({ ...machine, header }, limits, values.sysfs ?? '/sys');
  const run = execTrace(trace, policy);
  const differences = machineDifferences(run.cfg, run.final, machine, trace.real!);
  const rejected = run.steps.flatMap((s, i) => (s.result === 'ok' ? [] : [`step ${i + 1} gives ${s.result}`]));
  const text = to === 'json' ? `${JSON.stringify(traceToJson(trace), null, 2)}\n` : formatTrace(trace);
  if (values.output !== undefined) writeFileSafe(values.output, text, 'replace');
  else io.out(text.trimEnd());
  for (const n of [...notes, ...crossNotes(machine, lsz, mdc)]) io.err(`apmc import: ${oneLine(n)}`);
  for (const r of rejected) io.err(`apmc import: in the model (${policy.name}), ${r}`);
  for (const d of differences) io.err(`apmc import: not rebuilt (${policy.name}): ${oneLine(d)}`);
  if (values.output !== undefined) io.err(`apmc import: wrote ${oneLine(values.output)}`);
  return differences.length > 0 ? 1 : 0;
}
