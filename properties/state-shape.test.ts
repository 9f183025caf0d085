/**
 * The state's schema (model/state-shape.ts) against what is derived from it or checked by it: the
 * policy guard's validation finds a state broken at any part, by its path; the configuration key
 * changes with a part exactly when the schema says the part is configuration. Every part of the
 * schema is tried, so a field added to State (and, as tsc demands, to the schema) is covered.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { alphabet } from '../exhaustive/alphabet.ts';
import { POLICIES } from '../model/policies/index.ts';
import { MECHANISMS } from '../model/op-values.ts';
import type { Op } from '../model/ops.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import { type Shape, STATE_SHAPE } from '../model/state-shape.ts';
import { initialState, type State } from '../model/state.ts';
import { step } from '../model/step.ts';
import { configurationKey } from './configuration.ts';
import { stateProblem } from './state-problem.ts';

type Path = readonly (string | number)[];
/** A part of a state: where it is, its shape, and its value there. */
interface Part {
  readonly path: Path;
  readonly shape: Shape;
  readonly value: unknown;
}

/** Every part of state value `v` (of shape `sh`), containers included, outermost first. */
function parts(sh: Shape, v: unknown, path: Path = []): Part[] {
  const out: Part[] = [{ path, shape: sh, value: v }];
  if (sh.t === 'nullable' && v !== null) out.push(...parts(sh.of, v, path));
  const o = v as Record<string, unknown>;
  if (sh.t === 'record') {
    for (const [k, f] of Object.entries(sh.fields)) out.push(...parts(f, o[k], [...path, k]));
  }
  if (sh.t === 'array') {
    (v as unknown[]).forEach((x, i) => {
      out.push(...parts(sh.of, x, [...path, i]));
    });
  }
  if (sh.t === 'table') for (const k of Object.keys(o)) out.push(...parts(sh.item, o[k], [...path, k]));
  return out;
}

/** The path as messages write it: `mdevs.m1.matrix.apm`, `queues[2].driver`. */
const pathText = (p: Path): string =>
  p.map((k, i) => (typeof k === 'number' ? `[${k}]` : i === 0 ? k : `.${k}`)).join('');
/** The path with indexes and names left out: one entry per part of the schema. */
const schemaPath = (p: Path): string =>
  p.map((k, i) => (typeof k === 'number' || (i === 1 && (p[0] === 'mdevs' || p[0] === 'vms')) ? '*' : k)).join('.');

/** s with the part at `path` replaced by `v` (a copy: s is left alone). */
function setIn(s: State, path: Path, v: unknown): State {
  const out = JSON.parse(JSON.stringify(s)) as Record<string | number, unknown>;
  let o = out;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
  if (v === undefined) delete o[path.at(-1)!];
  else o[path.at(-1)!] = v;
  return out as unknown as State;
}

/** A value of shape `sh` (the first of each kind). */
function sample(sh: Shape): unknown {
  switch (sh.t) {
    case 'mask':
      return 0;
    case 'flag':
      return false;
    case 'enum':
      return sh.values[0];
    case 'name':
      return sh.of === 'vm' ? 'vm1' : 'm1';
    case 'nullable':
      return sample(sh.of);
    case 'record':
      return Object.fromEntries(Object.entries(sh.fields).map(([k, f]) => [k, sample(f)]));
    case 'array':
      return [];
    case 'table':
      return {};
  }
}

/**
 * A scan under way that adds an adapter assigned to m1: the mdev has pending adds. First a driver_override
 * (written while the masks are still all ones, as 6.19 requires; ENOENT where the design has none).
 */
const PENDING: Op[] = [
  { kind: 'driver_override', apid: 0, apqi: 1, driver: 'vfio_ap' },
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 1 },
  { kind: 'host', action: 'remove', resource: 'adapter', id: 1 },
  { kind: 'host', action: 'add', resource: 'adapter', id: 1, async: true },
  { kind: 'scan_start' },
];

/** Sample states: for every policy, PENDING's states, then pseudo-random ops of the exhaustive alphabet. */
function states(): State[] {
  const ops = alphabet(DEFAULT_SCOPE, new Set(MECHANISMS));
  const out: State[] = [];
  let x = 1;
  for (const policy of Object.values(POLICIES)) {
    let s = initialState(DEFAULT_SCOPE);
    for (const op of PENDING) out.push((s = step({ scope: DEFAULT_SCOPE, policy }, s, op).state));
    for (let i = 0; i < 400; i++) {
      x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
      s = step({ scope: DEFAULT_SCOPE, policy }, s, ops[(x >>> 8) % ops.length]!).state;
      if (i % 4 === 0) out.push(s);
    }
  }
  return out;
}
const STATES = states();
const ALL = STATES.flatMap((s) =>
  parts(STATE_SHAPE, s)
    .slice(1)
    .map((p) => ({ s, ...p })),
);

/** The path (as schemaPath writes it) of every part of the schema below `sh`. */
function schemaPaths(sh: Shape, at: string[] = []): string[] {
  const here = at.length === 0 ? [] : [at.join('.')];
  const inner = sh.t === 'nullable' ? sh.of : sh;
  if (inner.t === 'record') {
    return [...here, ...Object.entries(inner.fields).flatMap(([k, f]) => schemaPaths(f, [...at, k]))];
  }
  if (inner.t === 'array') return [...here, ...schemaPaths(inner.of, [...at, '*'])];
  if (inner.t === 'table') return [...here, ...schemaPaths(inner.item, [...at, '*'])];
  return here;
}

const shape = suite('the state schema');

shape('the sample states hold every part of the schema (not null, where a part may be null)', () => {
  const seen = new Set(ALL.map((p) => schemaPath(p.path)));
  for (const p of schemaPaths(STATE_SHAPE)) assert.ok(seen.has(p), `no sample state has ${p}`);
  const some = new Set(ALL.filter((p) => p.shape.t === 'nullable' && p.value !== null).map((p) => schemaPath(p.path)));
  for (const p of ALL.filter((q) => q.shape.t === 'nullable')) {
    assert.ok(some.has(schemaPath(p.path)), `${schemaPath(p.path)} is always null`);
  }
});

shape('the guard finds a state broken at any part, and names the part', () => {
  for (const s of STATES.slice(0, 40)) assert.is(stateProblem(s, DEFAULT_SCOPE), null);
  const wrong = (sh: Shape): unknown =>
    sh.t === 'nullable' ? wrong(sh.of) : sh.t === 'enum' || sh.t === 'name' ? 7 : sh.t === 'array' ? [] : 'x';
  let n = 0;
  for (const p of ALL) {
    if (n++ % 7 !== 0 && p.shape.t !== 'table') continue; // a sample of the parts of every state, every table
    const got = stateProblem(setIn(p.s, p.path, wrong(p.shape)), DEFAULT_SCOPE) ?? 'no problem';
    assert.ok(got.startsWith(`${pathText(p.path)} `), `${pathText(p.path)}: ${got}`);
  }
});

shape('the configuration key changes with a part exactly when the schema says it is configuration', () => {
  /** Another value of the part (null for a nullable one that is not, a table without its first entry). */
  const other = (p: Part): unknown => {
    const sh = p.shape;
    if (sh.t === 'nullable') return p.value === null ? sample(sh.of) : null;
    if (sh.t === 'mask') return ((p.value as number) ^ 1) >>> 0;
    if (sh.t === 'flag') return !p.value;
    if (sh.t === 'enum') return sh.values[(sh.values.indexOf(p.value as string) + 1) % sh.values.length];
    if (sh.t === 'name') return `${p.value as string}x`;
    if (sh.t === 'table') return Object.fromEntries(Object.entries(p.value as object).slice(1));
    return undefined;
  };
  let tried = 0;
  for (const p of ALL) {
    const v = other(p);
    if (v === undefined || (p.shape.t === 'table' && Object.keys(p.value as object).length === 0)) continue;
    const changed = configurationKey(setIn(p.s, p.path, v)) !== configurationKey(p.s);
    const what = p.shape.config ? 'configuration' : 'not configuration';
    assert.is(changed, p.shape.config === true, `${pathText(p.path)}: ${what}`);
    tried++;
  }
  assert.ok(tried > 1000, `${tried} parts tried`);
});

shape.run();
