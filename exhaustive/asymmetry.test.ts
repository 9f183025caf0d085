/**
 * Why: symmetry reduction is sound only for a policy that treats ids alike. A policy file need not: the search must
 * notice (on a sample of states, and when a trace does not reproduce what a stored state showed) and search again
 * without the reduction, never crash or report a verdict the reduction made up. The check itself must never fire
 * on the built-in designs, or every policy file derived from them would lose the reduction.
 */
import { resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { POLICIES } from '../model/policies/index.ts';
import { MECHANISMS } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import type { Policy } from '../model/policy.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { oneProperty } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { apmcInProcess } from '../test/cli-harness.ts';
import { alphabet } from './alphabet.ts';
import { AsymmetricPolicy, isAsymmetric, SymmetryAudit } from './asymmetry.ts';
import { makeCodec } from './codec.ts';
import { exploreExhaustive } from './engine.ts';
import { applyOp, idPerms, permuteOp, renameState } from './group.ts';
import { makeSymmetry } from './symmetry.ts';

const t = suite('policies that do not treat ids alike');
const scope = DEFAULT_SCOPE;
const ops = alphabet(scope, new Set(MECHANISMS));
const codec = makeCodec(scope);
const sym = makeSymmetry(scope, codec);
const upstream = POLICIES['upstream']!;
/** Refuses to assign adapter 1: what a hurried policy file can do. */
const onlyAdapterZero: Policy = {
  ...upstream,
  name: 'only-adapter-0',
  assign: (cfg, s, m, res, id) => (res === 'adapter' && id === 1 ? 'EBUSY' : upstream.assign(cfg, s, m, res, id)),
};

/** The states of seeded random walks (14 ops each) under policy p, with no scan under way. */
function walkStates(p: Policy, walks: number): State[] {
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
  const out: State[] = [];
  for (let w = 0; w < walks; w++) {
    let s = initialState(scope);
    for (let k = 0; k < 14; k++) {
      if (s.bus.scan === null) out.push(s);
      s = step({ scope, policy: p }, s, ops[Math.floor(rnd() * ops.length)]!).state;
    }
  }
  return out;
}

t('every op of the alphabet has its ids permuted (history witnesses rename whole traces)', () => {
  const swap = idPerms(scope).find((g) => g.pa[0] === 1 && g.pd[0] === 1)!;
  const moved = (op: Op) => JSON.stringify(permuteOp(op, swap)) !== JSON.stringify(op);
  const ided = ops.filter((op) => /"(apid|apqi|id|apm|aqm|adm|value)"/.test(JSON.stringify(op)));
  const unmoved = ided.filter((op) => !moved(op) && JSON.stringify(op).match(/\d/) !== null);
  // An op whose ids are all swapped onto themselves cannot move: ap_config with both ids or none of a kind, and
  // the one control domain.
  const fixedPoints = unmoved.filter((op) => op.kind !== 'ap_config' && !/control/.test(JSON.stringify(op)));
  assert.equal(fixedPoints, [], JSON.stringify(fixedPoints.slice(0, 3)));
  const cfg = { kind: 'ap_config', mdev: 'm1', apm: [0], aqm: [1], adm: [0] } as Op;
  assert.equal(permuteOp(cfg, swap), { ...cfg, apm: [1], aqm: [0], adm: [0] } as Op);
  const mask = { kind: 'apmask', value: '-0,+1' } as Op;
  assert.equal(applyOp(mask, { g: swap, mn: new Map(), vn: new Map() }), { ...mask, value: '-1,+0' } as Op);
});

t('the check never fires on a built-in design', () => {
  for (const p of Object.values(POLICIES)) {
    const audit = new SymmetryAudit({ scope, policy: p }, sym, codec.words, ops, { every: 1 });
    const states = walkStates(p, 25);
    // Each state with every non-identity permutation in turn.
    for (const [i, s] of states.entries()) for (let k = 1; k < sym.perms.length; k++) audit.check(i, s);
    assert.ok(states.length > 200, `${p.name}: ${states.length} states`);
  }
});

t('the check fires on a policy that refuses one adapter, naming the op', () => {
  const audit = new SymmetryAudit({ scope, policy: onlyAdapterZero }, sym, codec.words, ops, { every: 1 });
  let err: unknown = null;
  try {
    for (const [i, s] of walkStates(onlyAdapterZero, 40).entries()) {
      for (let k = 1; k < sym.perms.length; k++) audit.check(i, s);
    }
  } catch (e) {
    err = e;
  }
  assert.instance(err, AsymmetricPolicy);
  assert.ok(isAsymmetric(err));
  assert.match((err as Error).message, /policy only-adapter-0 does not treat ids alike: '.*assign_adapter/);
});

t('a search with the check ends with AsymmetricPolicy; without symmetry it finds the violation', () => {
  const I15 = oneProperty('failed-op-changes-nothing') as Property;
  const cfg = { scope, policy: onlyAdapterZero };
  assert.throws(() => exploreExhaustive(cfg, [I15], { depth: 4, symmetry: true, audit: true }), isAsymmetric);
  assert.not.throws(() => exploreExhaustive(cfg, [I15], { depth: 4, symmetry: false, audit: true }));
});

t('an mdev whose kvm names a VM that is gone is not merged with one attached to a live VM', async () => {
  // patch-request-drops-hook.ts drops vm1 at the request and keeps m1's pointer to it: the replay of such a path
  // failed, and the search took the policy for one that does not treat ids alike.
  const patch = await loadPolicy(resolve(import.meta.dirname, '../examples/patch-request-drops-hook.ts'));
  const sc = { ...scope, adapters: 1, mdevs: 3, vms: 3 };
  const o = (x: object) => x as Op;
  const path = [
    o({ kind: 'create', mdev: 'm1' }),
    o({ kind: 'start', mdev: 'm1', vm: 'vm1' }),
    o({ kind: 'create', mdev: 'm2' }),
    o({ kind: 'start', mdev: 'm2', vm: 'vm2' }),
    o({ kind: 'remove', mdev: 'm1' }),
  ];
  const x = path.reduce((s: State, op) => step({ scope: sc, policy: patch }, s, op).state, initialState(sc));
  assert.is(x.mdevs['m1']?.kvm, 'vm1');
  assert.is(x.vms['vm1'], undefined, 'the patch dropped vm1, m1 still points at it');
  const c = makeCodec(sc);
  const sy = makeSymmetry(sc, c);
  const key = (s: State) => {
    const out = new Uint32Array(c.words);
    sy.canonical(s, out);
    return [...out].join();
  };
  // Both mdevs attached to one live VM: another state. The VMs' names swapped: the same one.
  assert.is.not(key(renameState(x, new Map(), new Map([['vm2', 'vm1']]))), key(x));
  const swapped = new Map([
    ['vm1', 'vm2'],
    ['vm2', 'vm1'],
  ]);
  assert.is(key(renameState(x, new Map(), swapped)), key(x));
});

t('apmc check: a policy file that swaps ids in a log line is searched again without the reduction', async () => {
  const file = resolve(import.meta.dirname, '../examples/patch-in-use-log-swapped.ts');
  await loadPolicy(file);
  for (const extra of [[], ['--base', 'upstream'], ['--workers', '2', '--max-states', '100000']]) {
    const args = ['check', '--engine', 'exhaustive', '--policy', file, '--property', 'E2', '--depth', '4'];
    const r = await apmcInProcess([...args, ...extra]);
    assert.is(r.code, 1, `${extra.join(' ')}: ${r.err}`);
    const where = extra.includes('--workers') ? ' in one thread' : '';
    assert.match(r.err, new RegExp(`apmc: symmetry reduction off, searching again${where}: .*treat ids alike`));
    assert.match(r.out, /log-lines-name-the-right-resources \(E2\)\s+(violated|new)/);
  }
});

t.run();
