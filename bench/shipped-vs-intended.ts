/**
 * npm run bench:svi -- DIR [DIR…] — where the shipped code departs from the intended design, grouped by cause.
 * Each DIR holds the traces `apmc diff --classes --policy upstream --policy linux-2025 --save-dir DIR` wrote (one
 * per class of first difference). A class is put down to a fix in examples/fixes/ when, under linux-2025 with
 * that fix, the trace's last step no longer makes that difference from upstream; a class no fix removes is a
 * departure without a known defect, grouped by its op. Prints each group: its classes, its shortest trace.
 * BENCH_OBSERVE: the level the classes were found at (all).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicy } from '../bin/load-policy.ts';
import type { ObserveLevel } from '../model/observation.ts';
import type { Op } from '../model/ops.ts';
import type { Config, Policy } from '../model/policy.ts';
import { linux2025, upstream } from '../model/policies/index.ts';
import { initialState } from '../model/state.ts';
import { firstDifferenceClass, opKindOf } from '../properties/difference-classes.ts';
import { formatOp } from '../trace/format.ts';
import { parseTextTrace } from '../trace/index.ts';

const ROOT = resolve(import.meta.dirname, '..');
const level = (process.env['BENCH_OBSERVE'] ?? 'all') as ObserveLevel;
const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: npm run bench:svi -- DIR… (apmc diff --classes --save-dir DIRs)');
const fixDir = join(ROOT, 'examples/fixes');
const fixes: [string, Policy][] = [];
for (const f of readdirSync(fixDir)
  .filter((f) => f.endsWith('.ts'))
  .sort())
  fixes.push([f.slice(0, -3), await loadPolicy(join(fixDir, f), ROOT)]);

interface Item {
  readonly file: string;
  readonly cls: string;
  readonly ops: readonly Op[];
}
const groups = new Map<string, Item[]>();
for (const dir of dirs) {
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.trace'))) {
    const t = parseTextTrace(readFileSync(join(dir, file), 'utf8'), file);
    const ops = t.steps.map((s) => s.op);
    const s0 = initialState(t.scope);
    const cfg = (policy: Policy): Config => ({ scope: t.scope, policy });
    const d = firstDifferenceClass(cfg(upstream), cfg(linux2025), s0, ops, level);
    if (d === null || d.at !== ops.length - 1) throw new Error(`${file}: not a first difference at its last step`);
    const last = ops.length - 1;
    const claimed = fixes
      .filter(([, fix]) => {
        const e = firstDifferenceClass(cfg(upstream), cfg(fix), s0, ops, level);
        return e === null || (e.at === last && e.cls !== d.cls);
      })
      .map(([name]) => name);
    const key = claimed.length > 0 ? claimed.join(' + ') : `no fix: ${opKindOf(ops[last]!)}`;
    groups.set(key, [...(groups.get(key) ?? []), { file: join(dir, file), cls: d.cls, ops }]);
  }
}
const sorted = [...groups].sort((a, b) => b[1].length - a[1].length);
console.log(`${fixes.length} fixes; ${[...groups.values()].flat().length} classes at --observe ${level}`);
for (const [key, items] of sorted) {
  const best = [...items].sort((a, b) => a.ops.length - b.ops.length)[0]!;
  console.log(`\n## ${key}: ${items.length} classes; shortest ${best.ops.length} ops (${best.file})`);
  console.log(`   ${best.ops.map(formatOp).join('; ')}`);
  for (const it of items.slice(0, 6)) console.log(`   - ${it.cls}`);
  if (items.length > 6) console.log(`   - … ${items.length - 6} more`);
}
