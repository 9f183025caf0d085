/**
 * The packed key against the state's schema (model/state-shape.ts): every part of a state is in the
 * key where the layout puts it, coded as exhaustive/codec-layout.ts says. The parts are walked from
 * the schema, so a field added to State (and, as tsc demands, to the schema) is checked here too:
 * the encoder must write it where the layout derived from the schema has it.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { type Mask, range } from '../model/bits.ts';
import { mdevNames, vmNames } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { type Shape, STATE_SHAPE } from '../model/state-shape.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { alphabet } from './alphabet.ts';
import { fieldOf, makeCodec, type Range } from './codec.ts';

type Placed = Range | { readonly [k: string]: Placed } | readonly Placed[];

/** The fields of a key checked, as [where, range, expected value]. */
type Check = [string, Range, number];

/** What the key must hold for value v (of shape sh) at `placed`; a leaf's codes start at `up` (0: none). */
function expected(scope: Scope, sh: Shape, v: unknown, placed: Placed, at: string, up = 0): Check[] {
  const r = placed as Range;
  const names = (k: 'mdev' | 'vm') => (k === 'mdev' ? mdevNames(scope) : vmNames(scope));
  const count = { adapter: scope.adapters, domain: scope.domains, control_domain: scope.control_domains };
  switch (sh.t) {
    case 'mask': {
      const full = range(count[sh.of]);
      const m = v as Mask;
      return [[at, r, sh.wide ? (m & full) + ((m & ~full) !== 0 ? 2 ** count[sh.of] : 0) : m]];
    }
    case 'flag':
      return [[at, r, v ? 1 : 0]];
    case 'enum':
      return [[at, r, up + sh.values.indexOf(v as never)]];
    case 'name':
      return [[at, r, up + names(sh.of).indexOf(v as string) + 1]];
    case 'nullable':
      // A nullable record in an array (a queue): absent is code 0 of its first leaf.
      if (sh.of.t === 'record') return v === null ? zeros(placed, at) : expected(scope, sh.of, v, placed, at, 1);
      if (v === null) return [[at, r, up]];
      // A name's codes have 0 for null already.
      return expected(scope, sh.of, v, placed, at, sh.of.t === 'name' ? up : up + 1);
    case 'record':
      return recordChecks(scope, sh.fields, v as Record<string, unknown>, placed as Record<string, Placed>, at, up);
    case 'array':
      return (v as unknown[]).flatMap((x, i) => expected(scope, sh.of, x, (placed as Placed[])[i]!, `${at}[${i}]`));
    case 'table':
      throw new Error('a table is placed by its record');
  }
}

function recordChecks(
  scope: Scope,
  fields: { readonly [k: string]: Shape },
  v: Record<string, unknown>,
  placed: Record<string, Placed>,
  at: string,
  up: number,
): Check[] {
  const out: Check[] = [];
  let first = up;
  for (const [k, f] of Object.entries(fields)) {
    const here = at === '' ? k : `${at}.${k}`;
    // The bus's parts lie at the top level of the layout.
    const p = k === 'bus' && at === '' ? placed : placed[k]!;
    if (f.t === 'nullable' && f.of.t === 'record') {
      out.push([`${here}Flag`, placed[`${k}Flag`] as Range, v[k] === null ? 0 : 1]);
    }
    if (f.t === 'table') out.push(...tableChecks(scope, f, v[k] as Record<string, unknown>, placed, k, here));
    else out.push(...expected(scope, f, v[k], p, here, first));
    first = 0;
  }
  return out;
}

function tableChecks(
  scope: Scope,
  t: Shape & { t: 'table' },
  v: Record<string, unknown>,
  placed: Record<string, Placed>,
  k: string,
  at: string,
): Check[] {
  const all = t.of === 'mdev' ? mdevNames(scope) : vmNames(scope);
  const order = placed[`${t.of}Order`] as Range;
  const w = order.n / all.length;
  const slots = Object.keys(v).reduce((acc, name, i) => acc + (all.indexOf(name) + 1) * 2 ** (i * w), 0);
  const items = placed[k] as Placed[];
  return [
    [`${t.of}Order`, order, slots],
    ...all.flatMap((name, i) => {
      const here = `${at}.${name}`;
      return v[name] === undefined ? zeros(items[i]!, here) : expected(scope, t.item, v[name], items[i]!, here);
    }),
  ];
}

/** Every range of `placed` holds 0. */
function zeros(placed: Placed, at: string): Check[] {
  if ('at' in placed && typeof placed.at === 'number') return [[at, placed as Range, 0]];
  return Object.entries(placed).flatMap(([k, p]) => zeros(p as Placed, `${at}.${k}`));
}

/** A scan under way that adds the last adapter, assigned to m1: the mdev has pending adds. */
const pending = (scope: Scope): Op[] => [
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: scope.adapters - 1 },
  { kind: 'host', action: 'remove', resource: 'adapter', id: scope.adapters - 1 },
  { kind: 'host', action: 'add', resource: 'adapter', id: scope.adapters - 1, async: true },
  { kind: 'scan_start' },
];

/** States of pseudo-random walks over the alphabet, every policy, after `pending`'s states. */
function states(scope: Scope): State[] {
  const ops = alphabet(scope);
  const out: State[] = [];
  let x = 7;
  for (const policy of Object.values(POLICIES)) {
    let s = initialState(scope);
    for (const op of pending(scope)) out.push((s = step({ scope, policy }, s, op).state));
    for (let i = 0; i < 600; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      s = step({ scope, policy }, s, ops[(x >>> 8) % ops.length]!).state;
      out.push(s);
    }
  }
  return out;
}

const codec = suite('the packed key against the state schema');

for (const scope of [
  { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  { adapters: 3, domains: 3, control_domains: 2, mdevs: 3, vms: 1 },
  { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 },
]) {
  codec(`every part of a state is where the layout has it, coded as the schema says (${JSON.stringify(scope)})`, () => {
    const c = makeCodec(scope);
    const key = new Uint32Array(c.words);
    let n = 0;
    const set = new Set<string>();
    for (const s of states(scope)) {
      c.encode(s, key, 0);
      for (const [at, r, want] of expected(scope, STATE_SHAPE, s, c.layout as unknown as Placed, '')) {
        assert.is(fieldOf(key, 0, r), want, at);
        if (want !== 0) set.add(at);
        n++;
      }
    }
    assert.ok(n > 10000, `${n} fields checked`);
    for (const f of ['bus.scanFlag', 'mdevs.m1.shadowFlag', 'mdevs.m1.pendingFlag']) assert.ok(set.has(f), `no ${f}`);
  });
}

codec('the layout covers the key: no bit twice, none left over', () => {
  const scopes = [
    { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
    { adapters: 4, domains: 3, control_domains: 2, mdevs: 3, vms: 3 },
  ];
  for (const scope of scopes) {
    const c = makeCodec(scope);
    const used = new Uint8Array(c.bits);
    const mark = (p: Placed): void => {
      if ('at' in p && typeof p.at === 'number') {
        for (let b = p.at; b < p.at + (p as Range).n; b++) used[b]!++;
      } else Object.values(p).forEach((q) => mark(q as Placed));
    };
    mark(c.layout as unknown as Placed);
    assert.ok(used.every((u) => u === 1), JSON.stringify(scope));
  }
});

codec.run();
