/**
 * Generate a Promela model of apmc's `static` policy for one scope: the same State (every field that
 * can differ between reachable states), and one nondeterministic choice per op of
 * `alphabet(scope)`, each op's whole effect in one `d_step` (atomic, like `step()`), followed by the
 * reducer's `markDirty`. A rejected op leaves the state unchanged (a self-loop, as in apmc).
 *
 *   node --import tsx bench/spin/gen-pml.ts [--adapters 1 --domains 1 --control-domains 1 --mdevs 1 --vms 1]
 *        [--bitfields] [--hidden] [--dump] > static.pml
 *
 * What is left out of the Promela state, because it is constant (or a function of what is kept) in
 * every reachable state of `static` over this alphabet:
 *   - `info`: only on_config_changed writes it, and static has none;
 *   - mdev `shadow`, `pending`, `qtable` and queue `link`: static never links and has no shadow;
 *   - `apmaskHigh`/`aqmaskHigh` and mask bits ≥ the scope: relative writes of in-scope ids never touch them;
 *   - `scan.qci` (= bus.qci while a scan is under way) and `scan.changed` (= qci ≠ old).
 * Everything else is kept, `mdevs` and `vms` as ordered lists (insertion order, as the JS Records).
 *
 * The parts: pml-state.ts (declarations), pml-bus.ts and pml-lists.ts (the building blocks),
 * pml-ops.ts and pml-vfio-ops.ts (each op's d_step), pml-label.ts (op labels).
 */
import { pathToFileURL } from 'node:url';
import { alphabet } from '../../exhaustive/alphabet.ts';
import type { Op } from '../../model/ops.ts';
import type { Scope } from '../../model/scope.ts';
import { pmlBusBlocks } from './pml-bus.ts';
import { opLabel } from './pml-label.ts';
import { pmlListBlocks } from './pml-lists.ts';
import { opCode } from './pml-ops.ts';
import { type GenOptions, type PmlScope, pmlScope } from './pml-scope.ts';
import { pmlFields, pmlHeader, pmlScratch, pmlState } from './pml-state.ts';
import { parseScopeArgs } from './reference-bfs.ts';

export { opLabel } from './pml-label.ts';
export type { GenOptions } from './pml-scope.ts';
export { pmlFields } from './pml-state.ts';

/** printf of the whole state: `STATE <op>|v v v ...`, the values of pmlFields in order (arrays flattened). */
function dumpStmt(p: PmlScope, op: Op): string {
  const fields = pmlFields(p.scope);
  const args = fields.flatMap(([f, n]) => (n === 0 ? [f] : Array.from({ length: n }, (_, i) => `${f}[${i}]`)));
  return `printf("STATE ${opLabel(op)}|${args.map(() => '%d').join(' ')}\\n", ${args.join(', ')})`;
}

/** The one process: a loop over one d_step per op of the alphabet. */
function pmlProcess(p: PmlScope, opts: GenOptions): string[] {
  const L = [`active proctype apmc() {`, `  do`];
  for (const op of alphabet(p.scope)) {
    L.push(`  :: d_step { /* ${opLabel(op)} */`, `    ${opCode(p, op)};`, `    markDirty();`);
    if (opts.dump) L.push(`    ${dumpStmt(p, op)};`);
    L.push(`    clearScratch()`, `  }`);
  }
  L.push(`  od`, `}`);
  return L;
}

export function genPml(scope: Scope, opts: GenOptions = {}): string {
  const p = pmlScope(scope);
  const L = [
    ...pmlHeader(p),
    ...pmlState(p, opts),
    ...pmlScratch(opts),
    ...pmlBusBlocks(p),
    ...pmlListBlocks(p),
    '',
    ...pmlProcess(p, opts),
  ];
  return L.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const opts: GenOptions = {
    bitfields: argv.includes('--bitfields'),
    scratch: argv.includes('--hidden') ? 'hidden' : 'reset',
    dump: argv.includes('--dump'),
  };
  process.stdout.write(genPml(parseScopeArgs(argv), opts));
}
