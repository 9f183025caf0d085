/**
 * Policy files: they load from any directory as ES modules, whatever package.json is near them (or none), import
 * the API as 'apmc' or receive it as their factory's argument, and declare their base and expected violations,
 * read once and validated (bad input is one line, exit 2).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runInProcess } from '../test/cli-harness.ts';
import { staticPolicy, upstream } from '../model/index.ts';
import type { Policy } from '../model/policy.ts';
import { expectationFor } from '../properties/expected.ts';
import { loadPolicy } from './load-policy.ts';

const REPO = process.cwd();
const TRACE = join(REPO, 'examples/adapter-pops-up.trace');

/** apmc in this process (runCli) in `cwd`, colour off. */
const apmc = (cwd: string, ...args: string[]) => runInProcess(args, cwd, { NO_COLOR: '1' }, 60_000);

/** A fresh directory outside the repository, with these files. */
function dir(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'apmc-pf-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(join(d, name, '..'), { recursive: true });
    writeFileSync(join(d, name), text);
  }
  return d;
}

const rejects = async (p: Promise<unknown>, message: RegExp): Promise<void> => {
  try {
    await p;
  } catch (e) {
    const m = (e as Error).message;
    assert.match(m, message);
    assert.not.match(m, /\n/, 'one line');
    return;
  }
  assert.unreachable(`expected an error matching ${message}`);
};

/** The example's re-filter, in the factory form (no import) and in the import form. */
const FACTORY_TS = `import type * as Apmc from 'apmc';
export default ({ extend, upstream, upstreamParts }: typeof Apmc) =>
  extend(upstream, {
    name: 'refilter',
    summary: 'upstream, re-filtering after unassign',
    unassign: (cfg, s, m, res, id) => {
      const r = upstream.unassign(cfg, s, m, res, id);
      if (typeof r === 'string' || res === 'control_domain') return r;
      return upstreamParts.refilter(cfg, r, m);
    },
  });
`;
const FACTORY_JS = FACTORY_TS.replace(/^import type.*\n/, '').replace(': typeof Apmc', '');
const IMPORT_TS = `import { extend, upstream, upstreamParts } from 'apmc';
import { NAME } from './helper.ts';
const summary: string = 'upstream, re-filtering after unassign';
export default extend(upstream, {
  name: NAME,
  summary,
  unassign: (cfg, s, m, res, id) => {
    const r = upstream.unassign(cfg, s, m, res, id);
    if (typeof r === 'string' || res === 'control_domain') return r;
    return upstreamParts.refilter(cfg, r, m);
  },
});
`;
const IMPORT_JS = IMPORT_TS.replace(/: string/, '').replace("'./helper.ts'", "'./helper.js'");

// ---
const load = suite('a policy file loads from any directory');

const PACKAGES: Record<string, Record<string, string>> = {
  'no package.json': {},
  'a CommonJS package': { 'package.json': '{ "type": "commonjs" }\n' },
  'an ES-module package': { 'package.json': '{ "type": "module" }\n' },
};

for (const [where, pkg] of Object.entries(PACKAGES)) {
  load(`.ts, .mts, .js, .mjs in ${where}: factory and import forms`, async () => {
    const d = dir({
      ...pkg,
      'f.ts': FACTORY_TS,
      'f.mts': FACTORY_TS,
      'f.js': FACTORY_JS,
      'f.mjs': FACTORY_JS,
      'helper.ts': "export const NAME: string = 'refilter';\n",
      'helper.js': "export const NAME = 'refilter';\n",
      'i.ts': IMPORT_TS,
      'i.mts': IMPORT_TS,
      'i.js': IMPORT_JS,
      'i.mjs': IMPORT_JS,
    });
    for (const f of ['f.ts', 'f.mts', 'f.js', 'f.mjs', 'i.ts', 'i.mts', 'i.js', 'i.mjs']) {
      const p = await loadPolicy(join(d, f));
      assert.is(p.name, join(d, f), f);
      // 'apmc' is this apmc's API, the same module instance: the base is the built-in object itself.
      assert.ok(p.base === upstream, `${f}: base is upstream`);
      assert.is.not(p.unassign, upstream.unassign, f);
    }
  });
}

load('apmc run --policy ./p.ts from a directory without package.json (the sandbox loads it)', async () => {
  const d = dir({ 'p.ts': FACTORY_TS });
  const r = await apmc(d, 'run', '--policy', './p.ts', TRACE);
  assert.is(r.code, 0, r.err);
  // upstream leaves adapter 1 out; the re-filter lets it come back (examples/refilter-on-unassign.ts).
  assert.match(r.out, /vm1 crycb: 00\.0000 01\.0000/);
  const i = await apmc(
    dir({ 'p.ts': IMPORT_TS, 'helper.ts': "export const NAME = 'x';\n" }),
    'run',
    '--policy',
    './p.ts',
    TRACE,
  );
  assert.is(i.code, 0, i.err);
});

load('a syntax error names the file as given, line and column', async () => {
  const d = dir({ 'bad.ts': 'export default {\n  name: "x" +\n};\n' });
  const r = await apmc(d, 'run', '--policy', 'bad.ts', TRACE);
  assert.is(r.code, 2);
  assert.is(r.err, 'apmc: bad.ts: cannot load policy file: bad.ts:3:0: ERROR: Unexpected "}"\n');
});

load.run();

// ---
const decl = suite('a policy file declares its base and expected violations');

const VARIANT = (expected: string, base?: string): string => `import { extend, staticPolicy, upstream } from 'apmc';
export default {
  ...extend(staticPolicy, { name: 'variant', summary: 's' }),${base === undefined ? '' : `\n  base: ${base},`}
  expected: ${expected},
};
`;

const loaded = async (text: string): Promise<Policy> => loadPolicy(join(dir({ 'v.ts': text }), 'v.ts'));

decl('expected by name or spec id, read into names; the rest inherited through base', async () => {
  const p = await loaded(
    VARIANT(`{ I9: { kind: 'design', why: 'By id.' }, I3: null,
      'guest-queues-assigned': { kind: 'modelling', why: 'By name, which wins.', foundBy: 'exhaustive' } }`),
  );
  assert.equal(p.expected?.['reset-before-reuse'], { kind: 'design', why: 'By id.' });
  assert.not.ok(Object.hasOwn(p.expected!, 'I9'));
  // I3 names four properties; the one declared by name keeps its own entry.
  assert.is(p.expected?.['guest-queues-in-host-config'], null);
  assert.is(p.expected?.['guest-queues-bound-to-vfio-ap'], null);
  assert.is(p.expected?.['guest-queues-assigned']?.why, 'By name, which wins.');
  assert.ok(p.base === staticPolicy);
  assert.is(expectationFor(p, 'reset-before-reuse')?.why, 'By id.');
  assert.is(expectationFor(p, 'guest-queues-bound-to-vfio-ap'), null);
  // Not declared: static's sentence, through the base.
  assert.is(expectationFor(p, 'in-use-refuses-mask-write'), expectationFor(staticPolicy, 'in-use-refuses-mask-write'));
  assert.ok(expectationFor(p, 'in-use-refuses-mask-write') !== null);
});

decl('expectationFor finds a declaration keyed by spec id on a policy built in code', async () => {
  const p = { ...upstream, name: 'x', base: upstream, expected: { I7: null } } as Policy;
  assert.is(expectationFor(p, 'order-independence'), null);
  assert.ok(expectationFor(p, 'reset-before-reuse') !== null);
});

decl('a base is itself a policy; a file-built base chain is read too', async () => {
  const p = await loaded(`import { extend, upstream } from 'apmc';
const mid = extend(upstream, { name: 'mid', expected: { I7: { kind: 'design', why: 'Mid.' } } });
export default extend(mid, { name: 'top' });`);
  assert.is(p.base?.name, 'mid');
  assert.ok(p.base?.base === upstream);
  assert.is(expectationFor(p, 'order-independence')?.why, 'Mid.');
});

const BAD: [string, string, RegExp][] = [
  [
    'an unknown property',
    `{ 'reset-befor-reuse': null }`,
    /expected\["reset-befor-reuse"\]: unknown property \(did you mean 'reset-before-reuse'\?\)/,
  ],
  ['an unknown spec id', `{ I99: null }`, /expected\["I99"\]: unknown property/],
  [
    'a missing why',
    `{ I9: { kind: 'design' } }`,
    /expected\["I9"\]\.why must be a sentence \(it is missing or empty\)/,
  ],
  ['an empty why', `{ I9: { kind: 'design', why: '  ' } }`, /\.why must be a sentence/],
  [
    'a control character in why',
    `{ I9: { kind: 'design', why: 'a\\nb' } }`,
    /\.why contains a control character \(U\+000a\)/,
  ],
  [
    'a bidi override in why',
    `{ I9: { kind: 'design', why: 'a\\u202eb' } }`,
    /\.why contains a control character \(U\+202e\)/,
  ],
  ['a bad kind', `{ I9: { kind: 'bug', why: 'x' } }`, /\.kind must be 'design' or 'modelling'/],
  [
    'an unknown field',
    `{ I9: { kind: 'design', why: 'x', wyh: 'y' } }`,
    /has "wyh"; expected kind, why and foundBy only/,
  ],
  ['not an object', `'all'`, /'expected' must be an object/],
  ['an array', `[]`, /'expected' must be an object/],
  ['a number entry', `{ I9: 3 }`, /expected\["I9"\] must be \{ kind, why \} or null/],
  ['a getter that throws', `{ get I9() { throw new Error('boom'); } }`, /cannot be read \(a property access threw\)/],
  ['a why getter that throws', `{ I9: { kind: 'design', get why() { throw new Error('boom'); } } }`, /cannot be read/],
  ['a control character in a key', `{ 'a\\u0007b': null }`, /expected\["a\\u0007b"\]: unknown property/],
];

for (const [what, expected, says] of BAD) {
  decl(`bad input: ${what}`, async () => {
    await rejects(loaded(VARIANT(expected)), says);
  });
}

const BAD_BASE: [string, string, RegExp][] = [
  ['a number', '42', /its base is not a policy object/],
  ['a string', "'upstream'", /its base is not a policy object/],
  [
    'a policy without a callback',
    '{ ...upstream, name: "b", probe: undefined }',
    /its base's 'probe' is not a function/,
  ],
  [
    'a base with a control character in its name',
    '{ ...upstream, name: "b\\u0000" }',
    /its base's 'name' contains a control character \(U\+0000\)/,
  ],
  [
    'a base with bad expectations',
    '{ ...upstream, name: "b", expected: { nope: null } }',
    /its base's expected\["nope"\]: unknown property/,
  ],
  ['a Proxy that throws', 'new Proxy({}, { get() { throw new Error("x"); } })', /cannot be read/],
  [
    'a cycle',
    '(() => { const a = { ...upstream, name: "a" }; a.base = a; return a; })()',
    /bases go deeper than 64 \(a cycle\?\)/,
  ],
];

for (const [what, base, says] of BAD_BASE) {
  decl(`bad input: a base that is ${what}`, async () => {
    await rejects(loaded(VARIANT('{}', base)), says);
  });
}

decl('bad input on the command line: one line naming the file, exit 2, nothing run', async () => {
  const d = dir({ 'v.ts': VARIANT(`{ I9: { kind: 'design', why: 'two\\nlines' } }`) });
  const r = await apmc(d, 'check', '--ci', '--policy', './v.ts', '--runs', '10');
  assert.is(r.code, 2);
  assert.is(r.out, '');
  assert.is(r.err, `apmc: ./v.ts: the policy's expected["I9"].why contains a control character (U+000a)\n`);
});

decl.run();
