import { add, EMPTY, range, type Mask } from '../model/bits.ts';
import { scopeProblem, type Scope } from '../model/scope.ts';
import type { Matrix } from '../model/state.ts';
import type { Op } from '../model/ops.ts';
import { realProblem } from './real.ts';
import { InputError, type InitialHost, type Trace } from './types.ts';

const within = (id: number, n: number, what: string): string | null =>
  id >= n ? `${what} ${id} is outside the scope (${what}s 0..${n - 1}; raise it with 'scope' or a flag)` : null;
// Kernel-facing ids may lie outside the scope (the kernel answers ENODEV); the architecture stops at 255.
const model = (id: number, what: string): string | null =>
  id > 255 ? `${what} ${id} is beyond the architecture's 0..255` : null;

/** Ids an op names, by what the scope bounds them with: hardware ops must stay inside the scope. */
function idProblem(op: Op, scope: Scope): string | null {
  switch (op.kind) {
    case 'host': {
      const n =
        op.resource === 'adapter' ? scope.adapters : op.resource === 'domain' ? scope.domains : scope.control_domains;
      return within(op.id, n, op.resource.replace('_', ' '));
    }
    case 'card_config':
      return within(op.apid, scope.adapters, 'adapter');
    case 'fault':
    case 'reset_poll':
      return within(op.apid, scope.adapters, 'adapter') ?? within(op.apqi, scope.domains, 'domain');
    case 'reprobe':
    case 'driver_override':
    case 'bind':
    case 'unbind':
      return model(op.apid, 'adapter') ?? model(op.apqi, 'domain');
    case 'assign_adapter':
    case 'assign_domain':
    case 'assign_control_domain':
    case 'unassign_adapter':
    case 'unassign_domain':
    case 'unassign_control_domain':
      return model(op.id, 'id');
    case 'ap_config':
      return [...op.apm, ...op.aqm, ...op.adm].map((id) => model(id, 'id')).find((x) => x !== null) ?? null;
    default:
      return null;
  }
}

/**
 * Check a parsed trace against its (final) scope: the scope itself, the initial host configuration,
 * ids, and that every mdev an op names was created by an earlier line. Throws InputError.
 */
export function checkTrace(t: Trace, file: string): Trace {
  const sp = scopeProblem(t.scope);
  if (sp) throw new InputError(file, null, `scope: ${sp}`);
  if (t.initial) initialMatrix(t.scope, t.initial, file);
  const rp = t.real ? realProblem(t.real, t.scope) : null;
  if (rp) throw new InputError(file, null, rp);
  // An op on an mdev created only later is a kernel-level ENOENT; one that no line ever creates is a typo.
  const created = new Set(t.steps.flatMap((s) => (s.op.kind === 'create' ? [s.op.mdev] : [])));
  for (const [i, s] of t.steps.entries()) {
    const where = s.line ?? null;
    const problem = idProblem(s.op, t.scope);
    if (problem) throw new InputError(file, where, where === null ? `ops[${i}]: ${problem}` : problem);
    if ('mdev' in s.op && !created.has(s.op.mdev)) {
      const msg = `mdev '${s.op.mdev}' is never created (no 'create ${s.op.mdev}' line)`;
      throw new InputError(file, where, where === null ? `ops[${i}]: ${msg}` : msg);
    }
  }
  return t;
}

/** The initial host configuration as masks; an omitted list is the whole scope. */
export function initialMatrix(scope: Scope, init: InitialHost, file = 'trace'): Matrix {
  const one = (list: readonly number[] | undefined, n: number, what: string) => {
    if (list === undefined) return range(n);
    const bad = list.find((id) => id < 0 || id >= n);
    if (bad !== undefined)
      throw new InputError(file, null, `initial ${what} ${bad} is outside the scope (0..${n - 1})`);
    return list.reduce<Mask>((m, id) => add(m, id), EMPTY);
  };
  return {
    apm: one(init.adapters, scope.adapters, 'adapter'),
    aqm: one(init.domains, scope.domains, 'domain'),
    adm: one(init.control_domains, scope.control_domains, 'control domain'),
  };
}
