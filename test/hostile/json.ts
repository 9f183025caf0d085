/** Hostile JSON: traces (`apmc run t.json`), counterexamples (`apmc explain`), reports (`apmc merge`). */
import { type Case, doc, json } from './case.ts';

const OPS = [
  { kind: 'create', mdev: 'm1' },
  { kind: 'assign_adapter', mdev: 'm1', id: 0 },
];
const CREATE = '{"kind": "create", "mdev": "m1"}';
/** A document whose first op's field `field` is the raw JSON `value`. */
const opWith = (field: string, value: string, kind = 'assign_adapter'): string =>
  `{"format": "apmc-trace/1",\n "ops": [\n  ${CREATE},\n` +
  `  {"kind": "${kind}", "mdev": "m1", "${field}": ${value}}\n]}\n`;

/** `text` with its '@' replaced by one raw byte. */
const withByte = (text: string, byte: number): Buffer => {
  const [a, b] = text.split('@');
  return Buffer.concat([Buffer.from(a!), Buffer.from([byte]), Buffer.from(b!)]);
};

/** `apmc run` ran the trace under upstream. */
const upstream = (out: string): string | null =>
  /^policy upstream,/.test(out) ? null : `not run under upstream: ${out.slice(0, 60)}`;

const deep = (n: number, open: string, close: string, inner = '0'): string => open.repeat(n) + inner + close.repeat(n);

const documents: Case[] = [
  json('an empty .json file', '', 2, { says: /^t\.json(:1)?: /, item: [14] }),
  json('a whitespace-only .json file', ' \n\t\r\n', 2, { says: /^t\.json(:\d+)?: /, item: [14] }),
  json('JSON null', 'null\n', 2, { says: /^t\.json:1: / }),
  json('a JSON number', '42\n', 2, { says: /^t\.json:1: / }),
  json('a JSON string', '"create m1"\n', 2, { says: /^t\.json:1: / }),
  json('an empty JSON object', '{}\n', 2, { says: /^t\.json:1: unknown format/ }),
  json('an empty JSON array', '[]\n', 2, { says: /^t\.json:1: / }),
  json('an array of operations without the document', `[${CREATE}]\n`, 2, { says: /^t\.json:1: / }),
  json('JSON with a // comment', `// trace\n${doc(OPS)}`, 2, { says: /^t\.json:1: / }),
  json('JSON with a trailing comma', '{"format": "apmc-trace/1", "ops": [],}\n', 2, {
    says: /^t\.json:1: malformed JSON/,
  }),
  json('two JSON documents in one file', doc(OPS) + doc(OPS), 2, { says: /^t\.json:\d+: malformed JSON/ }),
  json('garbage after the document', `${doc(OPS)}x\n`, 2, { says: /^t\.json:\d+: malformed JSON/ }),
  json('a NUL byte after the document', `${doc(OPS)}\x00`, 2, { says: /^t\.json:\d+: / }),
  json('a NUL byte inside a string', opWith('mdev', '"m1\x00"'), 2, { says: /^t\.json:\d+: / }),
  json('single-quoted strings', "{'format': 'apmc-trace/1', 'ops': []}\n", 2, { says: /^t\.json:1: malformed JSON/ }),
  json('NaN as an id', opWith('id', 'NaN'), 2, { says: /^t\.json:4: malformed JSON/ }),
  json(
    'binary junk after a brace',
    Buffer.concat([Buffer.from('{'), Buffer.from([0xff, 0x00, 0x1b, 0x9b, 0xc0, 0x80])]),
    2,
    { says: /^t\.json:1: / },
  ),
  json('deep nesting: 100 000 arrays', deep(100_000, '[', ']'), 2, { says: /^t\.json:1: / }),
  json('deep nesting: 100 000 objects', deep(100_000, '{"a":', '}'), 2, { says: /^t\.json:1: / }),
  json('deep nesting inside an operation', opWith('x', deep(100_000, '[', ']')), 2, { says: /^t\.json:\d+: / }),
  json('deep nesting, cut short', '['.repeat(100_000), 2, { says: /^t\.json:1: (malformed JSON|nested more than)/ }),
  json('CRLF line endings', doc(OPS).replace(/\n/g, '\r\n'), 0),
  json('CR-only line endings', doc(OPS).replace(/\n/g, '\r'), 0),
  json('a UTF-8 byte-order mark before the document', `\uFEFF${doc(OPS)}`, 0),
  json('UTF-16LE with its byte-order mark', Buffer.from(`\uFEFF${doc(OPS)}`, 'utf16le'), 2, { says: /^t\.json:1: / }),
  json('invalid UTF-8 inside a string', withByte(opWith('mdev', '"m1@"'), 0xff), 2, { says: /^t\.json:4: / }),
];

const keys: Case[] = [
  json('a duplicated "format" key', '{"format": "apmc-trace/1", "format": "apmc-trace/1", "ops": []}\n', 2, {
    says: /^t\.json:1: .*format/,
    item: [14],
  }),
  json('a duplicated "ops" key', `{"format": "apmc-trace/1",\n "ops": [${CREATE}],\n "ops": []}\n`, 2, {
    says: /^t\.json:3: .*ops/,
    item: [14],
  }),
  json(
    'a duplicated "scope" key',
    '{"format": "apmc-trace/1",\n "scope": {"adapters": 2},\n "scope": {"adapters": 3},\n "ops": []}\n',
    2,
    { says: /^t\.json:3: .*scope/, item: [14] },
  ),
  json(
    'a duplicated key inside "scope"',
    '{"format": "apmc-trace/1",\n "scope": {"adapters": 2, "adapters": 3},\n "ops": []}\n',
    2,
    { says: /^t\.json:2: .*adapters/, item: [14] },
  ),
  json(
    'a duplicated "policy" key',
    '{"format": "apmc-trace/1",\n "policy": "upstream",\n "policy": "d0",\n "ops": []}\n',
    2,
    { says: /^t\.json:3: .*policy/, item: [14] },
  ),
  json(
    'a duplicated key inside an operation',
    `{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create", "mdev": "m1", "mdev": "m2"}\n]}\n`,
    2,
    { says: /^t\.json:3: .*mdev/, item: [14] },
  ),
  json(
    'a duplicated "kind" inside an operation',
    `{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create", "kind": "remove", "mdev": "m1"}\n]}\n`,
    2,
    { says: /^t\.json:3: /, item: [14] },
  ),
  json('a duplicated key spelt with an escape', '{"format": "apmc-trace/1", "ops": [], "\\u006fps": []}\n', 2, {
    says: /^t\.json:1: .*ops/,
    item: [14],
  }),
  // Top-level keys beyond the trace's are allowed (a counterexample is a trace with more), but change nothing.
  json('"__proto__" as a top-level key', '{"format": "apmc-trace/1", "__proto__": {"policy": "d0"}, "ops": []}\n', 0, {
    check: upstream,
  }),
  json(
    '"__proto__" as an operation field',
    `{"format": "apmc-trace/1", "ops": [{"kind": "create", "mdev": "m1", "__proto__": {"x": 1}}]}\n`,
    2,
    { says: /^t\.json:1: .*__proto__/ },
  ),
  json('"__proto__" as an operation kind', doc([{ kind: '__proto__' }]), 2, {
    says: /^t\.json:\d+: .*unknown operation kind/,
  }),
  json('"toString" as an operation kind', doc([{ kind: 'toString' }]), 2, {
    says: /^t\.json:\d+: .*unknown operation kind/,
  }),
  json('"__proto__" as a scope key', '{"format": "apmc-trace/1", "scope": {"__proto__": 1}, "ops": []}\n', 2, {
    says: /^t\.json:1: scope/,
  }),
  json('an unknown top-level key', doc(OPS, { execute: 'reboot', policy_file: './x.mjs' }), 0, { check: upstream }),
];

const values: Case[] = [
  json('an id of 1e309 (Infinity)', opWith('id', '1e309'), 2, { says: /^t\.json:4: / }),
  json('an id of -0', opWith('id', '-0'), 0),
  json('an id of 1.5', opWith('id', '1.5'), 2, { says: /^t\.json:4: / }),
  json('an id of 2^53 + 1', opWith('id', '9007199254740993'), 2, { says: /^t\.json:4: / }),
  json('an id of -1', opWith('id', '-1'), 2, { says: /^t\.json:4: / }),
  json('an id as a string', opWith('id', '"1"'), 2, { says: /^t\.json:4: / }),
  json('an id as a string in kernel syntax', opWith('id', '"0x1f"'), 2, { says: /^t\.json:4: / }),
  json('an id of null', opWith('id', 'null'), 2, { says: /^t\.json:4: / }),
  json('an id of true', opWith('id', 'true'), 2, { says: /^t\.json:4: / }),
  json('an id as an array', opWith('id', '[1]'), 2, { says: /^t\.json:4: / }),
  json('an id as an object', opWith('id', '{"valueOf": 1}'), 2, { says: /^t\.json:4: / }),
  json('an id beyond the architecture', opWith('id', '256'), 2, { says: /^t\.json:4: / }),
  json('an APQN beyond the architecture', doc([{ kind: 'reprobe', apid: 0, apqi: 65536 }]), 2, {
    says: /^t\.json:\d+: /,
  }),
  json('an mdev name with a lone surrogate \\ud800', opWith('mdev', '"m\\ud800"'), 2, { says: /^t\.json:4: / }),
  json('an mdev name with a lone low surrogate \\udc00', opWith('mdev', '"m\\udc00"'), 2, { says: /^t\.json:4: / }),
  json('an mdev name with \\u0000', opWith('mdev', '"m1\\u0000"'), 2, { says: /^t\.json:4: / }),
  json('an mdev name with a newline', opWith('mdev', '"m1\\nreboot"'), 2, { says: /^t\.json:4: / }),
  json('an mdev name with RTL override \\u202e', opWith('mdev', '"m\\u202e1"'), 2, { says: /^t\.json:4: / }),
  json('an operation kind with U+2028', doc([{ kind: 'create\u2028' }]), 2, {
    says: /^t\.json:\d+: .*unknown operation kind/,
  }),
  json('an operation kind with escape sequences', doc([{ kind: '\x1b[2J\x1b]0;owned\x07' }]), 2, {
    says: /^t\.json:\d+: .*unknown operation kind/,
  }),
  json('an operation kind of 10 000 characters', doc([{ kind: 'x'.repeat(10_000) }]), 2, {
    says: /^t\.json:\d+: .*unknown operation kind/,
  }),
  json('a comment with a lone surrogate (run ignores it)', doc([{ ...OPS[0], comment: 'a\ud800b' }]), 0),
  json('a comment with a newline', doc([{ ...OPS[0], comment: 'a\nreboot' }]), 2, { says: /^t\.json:\d+: / }),
  json('a comment that is not a string', doc([{ ...OPS[0], comment: { $gt: '' } }]), 2, { says: /^t\.json:\d+: / }),
  json('"ops" as an object', '{"format": "apmc-trace/1", "ops": {"0": {"kind": "scan"}, "length": 1}}\n', 2, {
    says: /^t\.json:1: /,
  }),
  json('"ops" missing', '{"format": "apmc-trace/1"}\n', 2, { says: /^t\.json:1: / }),
  json('an operation that is null', doc([null]), 2, { says: /^t\.json:\d+: / }),
  json('an operation that is an array', doc([['create', 'm1']]), 2, { says: /^t\.json:\d+: / }),
  json('an unknown field in an operation', doc([{ ...OPS[0], force: true }]), 2, { says: /^t\.json:\d+: .*force/ }),
  json('"format" with a NUL byte', '{"format": "apmc-trace/1\\u0000", "ops": []}\n', 2, {
    says: /^t\.json:1: unknown format/,
  }),
  json('"format" missing', `{"ops": [${CREATE}]}\n`, 2, { says: /^t\.json:1: / }),
  json('"scope" as an array', '{"format": "apmc-trace/1", "scope": [2, 2], "ops": []}\n', 2, { says: /^t\.json:1: / }),
  json('a scope of 33 adapters', '{"format": "apmc-trace/1", "scope": {"adapters": 33}, "ops": []}\n', 2, {
    says: /^t\.json:1: /,
  }),
  json('a scope of 0 vms', '{"format": "apmc-trace/1", "scope": {"vms": 0}, "ops": []}\n', 2, { says: /^t\.json:1: / }),
  json('"policy" as a number', doc(OPS, { policy: 42 }), 2, { says: /^t\.json:\d+: / }),
  json('"policy" misspelt', doc(OPS, { policy: 'upstrem' }), 2, { says: /^t\.json:\d+: unknown policy/ }),
  json('"initial" outside the scope', doc(OPS, { initial: { adapters: [999] } }), 2, { says: /^t\.json:\d+: / }),
  json('"initial" as a string', doc(OPS, { initial: 'adapters=0' }), 2, { says: /^t\.json:\d+: / }),
  {
    ...json('"policy" naming a policy file (absolute)', '', 2, { says: /^t\.json:\d+: .*--policy/, item: [5] }),
    files: (dir: string) => ({
      't.json': doc(OPS, { policy: `${dir}/evil.mjs` }),
      'evil.mjs': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    }),
  },
  {
    ...json('"policy" naming a policy file (relative .mts)', '', 2, { says: /^t\.json:\d+: .*--policy/, item: [5] }),
    files: {
      't.json': doc(OPS, { policy: 'evil.mts' }),
      'evil.mts': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    },
  },
];

const big: Case[] = [
  {
    ...json('a 100k-operation JSON trace', '', 0, { item: [7] }),
    files: () => ({
      't.json': doc(
        Array.from({ length: 100_000 }, (_, i) =>
          i === 0 ? OPS[0] : { kind: i % 2 ? 'assign_adapter' : 'unassign_adapter', mdev: 'm1', id: 0 },
        ),
      ),
    }),
    ms: 15_000,
    slow: true,
  },
  {
    ...json('a 10 MB line: one comment string', '', 2, { says: /^t\.json:\d+: /, item: [8] }),
    files: () => ({ 't.json': doc([{ ...OPS[0], comment: 'x'.repeat(10 << 20) }]) }),
  },
  {
    ...json('a 10 MB line: a whole trace on one line', '', 2, { says: /^t\.json:1: /, item: [8] }),
    files: () => ({
      't.json': JSON.stringify({
        format: 'apmc-trace/1',
        ops: Array.from({ length: 300_000 }, () => ({ kind: 'scan' })),
      }),
    }),
  },
  {
    ...json('a 10 MB key', '', 2, { says: /^t\.json:\d+: /, item: [8] }),
    files: () => ({ 't.json': `{"format": "apmc-trace/1", "ops": [],\n "${'k'.repeat(10 << 20)}": 1}\n` }),
  },
];

// Counterexamples (`apmc explain`): a trace with "property", "expect", "note", "other_ops", "tail".
const CX = {
  format: 'apmc-trace/1',
  scope: { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  policy: 'd0',
  ops: [
    { kind: 'apmask', value: '-0,-1' },
    { kind: 'create', mdev: 'm1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
    { kind: 'assign_adapter', mdev: 'm1', id: 1 },
    { kind: 'assign_domain', mdev: 'm1', id: 0 },
    { kind: 'unbind', apid: 1, apqi: 0 },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  ],
  property: 'order-independence',
  expect: 'violates',
  note: 'the delta filter',
  other_ops: [
    { kind: 'apmask', value: '-0,-1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
    { kind: 'create', mdev: 'm1' },
    { kind: 'assign_adapter', mdev: 'm1', id: 1 },
    { kind: 'assign_domain', mdev: 'm1', id: 0 },
    { kind: 'unbind', apid: 1, apqi: 0 },
    { kind: 'assign_adapter', mdev: 'm1', id: 0 },
  ],
};
const cxText = (over: Record<string, unknown>, drop: readonly string[] = []): string => {
  const d: Record<string, unknown> = { ...CX, ...over };
  for (const k of drop) delete d[k];
  return JSON.stringify(d, null, 1) + '\n';
};
const cx = (name: string, text: string, exit: number, extra: Partial<Case> = {}): Case => ({
  name: `counterexample: ${name}`,
  files: { 'cx.json': text },
  argv: ['explain', 'cx.json'],
  exit,
  ...extra,
});

const counterexamples: Case[] = [
  cx('the valid one explains (control)', cxText({}), 0),
  cx('an unknown property', cxText({ property: 'order-independance' }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: unknown property/,
  }),
  cx('"property" as a number', cxText({ property: 7 }), 2, { says: /^cx\.json( \(other_ops\))?(:\d+)?: / }),
  cx('"property" with escape sequences', cxText({ property: '\x1b[31mred\x1b[0m' }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: /,
  }),
  cx('"expect" neither violates nor holds', cxText({ expect: 'maybe' }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: "expect"/,
  }),
  cx('order independence without "other_ops"', cxText({}, ['other_ops']), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: .*other_ops/,
    item: [14],
  }),
  cx('"other_ops" as an object', cxText({ other_ops: { kind: 'scan' } }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: /,
  }),
  cx('"other_ops" with an unknown operation', cxText({ other_ops: [{ kind: 'reboot' }] }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: .*reboot/,
  }),
  cx(
    '"other_ops" with 100 000-deep nesting',
    cxText({ other_ops: 'DEEP' }).replace('"DEEP"', deep(100_000, '[', ']')),
    2,
    { says: /^cx\.json( \(other_ops\))?(:\d+)?: / },
  ),
  cx('"tail" of -1', cxText({ property: 'recovery', tail: -1 }, ['other_ops']), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: /,
  }),
  cx('"tail" of 1e309', cxText({ tail: 'INF' }).replace('"INF"', '1e309'), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: /,
  }),
  cx('"tail" as a string', cxText({ tail: '3' }), 2, { says: /^cx\.json( \(other_ops\))?(:\d+)?: / }),
  cx(
    'a duplicated "property" key',
    cxText({}).replace(
      '"property": "order-independence"',
      '"property": "order-independence", "property": "assign-idempotent"',
    ),
    2,
    { says: /^cx\.json( \(other_ops\))?(:\d+)?: .*property/, item: [14] },
  ),
  cx('a duplicated "other_ops" key', cxText({}).replace('"note":', '"other_ops": [],\n "note":'), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: .*other_ops/,
    item: [14],
  }),
  cx('"note" with RTL override and escapes (shown escaped)', cxText({ note: 'fine\u202E\x1b[2Jevil\u2028next' }), 0),
  cx('"note" with a lone surrogate', cxText({ note: 'a\ud800b' }), 0),
  cx('"note" of 100 000 characters', cxText({ note: 'n'.repeat(100_000) }), 0),
  {
    ...cx('"note" with a newline, as a replay script', cxText({ note: 'x\ntouch PWNED\n' }), 0),
    argv: ['explain', '--format', 'sh', 'cx.json'],
  },
  cx('"note" as an object', cxText({ note: { toString: 'x' } }), 2, {
    says: /^cx\.json( \(other_ops\))?(:\d+)?: .*note/,
  }),
  {
    ...cx('"policy" naming a policy file', '', 2, { says: /^cx\.json( \(other_ops\))?(:\d+)?: .*--policy/, item: [5] }),
    files: (dir: string) => ({
      'cx.json': cxText({ policy: `${dir}/evil.mjs` }),
      'evil.mjs': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    }),
  },
  { ...cx('an empty counterexample file', '', 2, { says: /^cx\.json(:1)?: /, item: [14] }) },
];

// Reports of `apmc check --json` for `apmc merge`.
const REPORT = {
  format: 'apmc-check/1',
  seed: 2,
  runs: 10,
  scope: { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 },
  exit: 0,
  engine: 'random',
  shard: { k: 1, n: 2 },
  stopped_by: null,
  explorations: [{ policy: 'upstream', cases: 10, operations: 74, ms: 10, interrupted: false, stopped_by: null }],
  policy_errors: [],
  results: [
    {
      policy: 'upstream',
      property: 'assign-idempotent',
      spec: 'I13',
      verdict: 'holds',
      expected: false,
      status: 'holds',
    },
  ],
};
const rep = (over: Record<string, unknown> = {}): string => JSON.stringify({ ...REPORT, ...over }, null, 2) + '\n';
const shard2 = (over: Record<string, unknown> = {}): string => rep({ seed: 3, shard: { k: 2, n: 2 }, ...over });
const merge = (name: string, a: string, b: string | null, exit: number, extra: Partial<Case> = {}): Case => ({
  name: `merge: ${name}`,
  files: b === null ? { 'a.json': a } : { 'a.json': a, 'b.json': b },
  argv: b === null ? ['merge', 'a.json'] : ['merge', 'a.json', 'b.json'],
  exit,
  ...extra,
});

const reports: Case[] = [
  merge('two matching shards (control)', rep(), shard2(), 0),
  merge('an empty report file', '', shard2(), 2, { says: /^a\.json(:1)?: / }),
  merge('a report that is an array', '[]\n', shard2(), 2, { says: /^a\.json(:1)?: / }),
  merge('a report that is null', 'null\n', null, 2, { says: /^a\.json(:1)?: / }),
  merge('"results" as an object', rep({ results: {} }), shard2(), 2, { says: /^a\.json(:\d+)?: / }),
  merge('a result that is null', rep({ results: [null] }), shard2(), 2, { says: /^a\.json(:\d+)?: / }),
  merge(
    'a result without a policy',
    rep({ results: [{ property: 'assign-idempotent', verdict: 'holds' }] }),
    shard2(),
    2,
    { says: /^a\.json(:\d+)?: / },
  ),
  merge('an unknown verdict', rep({ results: [{ ...REPORT.results[0], verdict: 'fine' }] }), shard2(), 2, {
    says: /^a\.json(:\d+)?: (results\[\d+\]: )?unknown verdict/,
  }),
  merge(
    'a violated result without a counterexample',
    rep({ results: [{ ...REPORT.results[0], verdict: 'violated' }] }),
    shard2(),
    2,
    { says: /^a\.json(:\d+)?: / },
  ),
  merge(
    'a counterexample whose "ops" is null',
    rep({ results: [{ ...REPORT.results[0], verdict: 'violated', counterexample: { ops: null } }] }),
    shard2(),
    2,
    { says: /^a\.json(:\d+)?: / },
  ),
  merge('"scope" as a string', rep({ scope: 'all' }), shard2(), 2, { says: /^a\.json(:\d+)?: / }),
  // A real process: without a bound on n, apmc lists 10^9 shards and runs out of memory.
  merge('a shard count of 10^9', rep({ shard: { k: 1, n: 1e9 } }), null, 2, { says: /^a\.json(:\d+)?: /, spawn: true }),
  merge('a shard count of -1', rep({ shard: { k: 1, n: -1 } }), null, 2, { says: /^a\.json(:\d+)?: / }),
  merge('a shard count of 1.5', rep({ shard: { k: 1, n: 1.5 } }), null, 2, { says: /^a\.json(:\d+)?: / }),
  merge('shard k beyond n', rep(), shard2({ shard: { k: 3, n: 2 } }), 2, { says: /^b\.json(:\d+)?: / }),
  merge('"shard" as a string', rep({ shard: '1/2' }), shard2(), 2, { says: /^a\.json(:\d+)?: / }),
  merge('the same shard twice', rep(), rep(), 2, { says: /^b\.json(:\d+)?: shard 1\/2 given twice/ }),
  merge('shards with different seeds', rep(), shard2({ seed: 99 }), 2, { says: /^b\.json(:\d+)?: .*seed/, item: [16] }),
  merge('shards with different runs', rep(), shard2({ runs: 5000 }), 2, {
    says: /^b\.json(:\d+)?: .*runs/,
    item: [16],
  }),
  merge('shards with different scopes', rep(), shard2({ scope: { ...REPORT.scope, adapters: 3 } }), 2, {
    says: /^b\.json(:\d+)?: scope differs/,
  }),
  merge(
    'shards with different policies',
    rep(),
    shard2({
      results: [{ ...REPORT.results[0], policy: 'd0' }],
      explorations: [{ ...REPORT.explorations[0], policy: 'd0' }],
    }),
    2,
    { says: /^b\.json(:\d+)?: .*polic/, item: [16] },
  ),
  merge('an unknown engine', rep({ engine: 'dfs' }), shard2({ engine: 'dfs', seed: 2 }), 2, {
    says: /^a\.json(:\d+)?: "engine"/,
  }),
  merge('shards with different engines', rep(), shard2({ engine: 'exhaustive' }), 2, {
    says: /^b\.json(:\d+)?: engine differs/,
  }),
  merge('a duplicated "results" key', rep().replace('"results":', '"results": [],\n  "results":'), shard2(), 2, {
    says: /^a\.json(:\d+)?: .*results/,
    item: [14],
  }),
  merge('a duplicated "shard" key', rep().replace('"shard":', '"shard": {"k": 2, "n": 2},\n  "shard":'), shard2(), 2, {
    says: /^a\.json(:\d+)?: .*shard/,
    item: [14],
  }),
  merge('100 000-deep nesting', deep(100_000, '[', ']'), shard2(), 2, { says: /^a\.json(:1)?: / }),
  merge(
    'a policy name with escape sequences',
    rep({ shard: undefined, results: [{ ...REPORT.results[0], policy: '\x1b[2J\u202Eevil' }] }),
    null,
    0,
    {},
  ),
  merge(
    'a "__proto__" policy',
    rep({ shard: undefined, results: [{ ...REPORT.results[0], policy: '__proto__' }] }),
    null,
    0,
  ),
  {
    ...merge('a report with a 10 MB line', '', null, 2, { says: /^a\.json(:\d+)?: /, item: [8] }),
    files: () => ({ 'a.json': rep({ shard: undefined, pad: 'x'.repeat(10 << 20) }) }),
  },
  merge('a report that does not exist', rep(), null, 2, {
    says: /^nope\.json: /,
    argv: ['merge', 'a.json', 'nope.json'],
  } as Partial<Case>),
];

export const JSON_CASES: readonly Case[] = [...documents, ...keys, ...values, ...big, ...counterexamples, ...reports];
