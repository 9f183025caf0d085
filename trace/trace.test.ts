import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import type { Op } from '../model/ops.ts';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import {
  formatOp,
  formatTrace,
  initialMatrix,
  InputError,
  MAX_OPS,
  parseJsonTrace,
  parseNumber,
  parseOpLine,
  parseTextTrace,
  parseTrace,
  traceToJson,
} from './index.ts';

const strip = <T>(t: T): T => JSON.parse(JSON.stringify(t, (k, v) => (k === 'line' ? undefined : v)));

// ---
const roundTrip = suite('round trips');

const files = ['traces', 'examples'].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.trace'))
    .map((f) => `${d}/${f}`),
);

for (const f of files) {
  roundTrip(`${f}: text → JSON → text → JSON loses nothing`, () => {
    const t1 = parseTextTrace(readFileSync(f, 'utf8'), f);
    const json = JSON.stringify(traceToJson(t1));
    const t2 = parseJsonTrace(json, 'x.json');
    assert.equal(strip(t2.steps), strip(t1.steps));
    assert.equal(t2.header, t1.header);
    assert.equal(t2.scope, t1.scope);
    const text = formatTrace(t2);
    const t3 = parseTextTrace(text, 'y.trace');
    assert.equal(strip(t3.steps), strip(t1.steps));
    assert.equal(JSON.stringify(traceToJson(t3)), json);
  });
}

const name = fc.constantFrom('m1', 'm2', 'mdev-a');
const id = fc.integer({ min: 0, max: 255 });
/** Hardware ops (host, card, fault) must stay inside the scope; the tests use the largest, 32. */
const hid = fc.integer({ min: 0, max: 31 });
const ids = fc.uniqueArray(id, { maxLength: 4 }).map((a) => [...a].sort((x, y) => x - y));
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constantFrom('apmask' as const, 'aqmask' as const),
    value: fc.constantFrom('-0,-1', '+3', '0xc0', '-0-7,+2'),
  }),
  fc.record({ kind: fc.constantFrom('apmask' as const), value: fc.constant('-1'), async: fc.constant(true as const) }),
  fc.record({ kind: fc.constantFrom('reprobe' as const), apid: id, apqi: id }),
  fc.record({
    kind: fc.constant('bind' as const),
    apid: id,
    apqi: id,
    driver: fc.constantFrom('vfio_ap' as const, 'cex4queue' as const),
  }),
  fc.record({ kind: fc.constant('unbind' as const), apid: id, apqi: id }),
  fc.record({ kind: fc.constant('unbind' as const), apid: id, apqi: id, driver: fc.constant('vfio_ap' as const) }),
  fc.record({
    kind: fc.constantFrom('scan' as const, 'scan_start' as const, 'scan_step' as const, 'scan_complete' as const),
  }),
  fc.record({
    kind: fc.constant('host' as const),
    action: fc.constantFrom('add' as const, 'remove' as const),
    resource: fc.constantFrom('adapter' as const, 'domain' as const, 'control_domain' as const),
    id: hid,
  }),
  fc.record({ kind: fc.constant('card_config' as const), apid: hid, config: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({
    kind: fc.constant('fault' as const),
    apid: hid,
    apqi: hid,
    fault: fc.constantFrom('none' as const, 'checkstop' as const, 'reset_fails' as const),
  }),
  fc.record({
    kind: fc.constantFrom('create' as const, 'remove' as const, 'stop' as const, 'vfio_reset' as const),
    mdev: name,
  }),
  fc.record({
    kind: fc.constantFrom('assign_adapter' as const, 'unassign_domain' as const, 'assign_control_domain' as const),
    mdev: name,
    id,
  }),
  fc.record({ kind: fc.constant('ap_config' as const), mdev: name, apm: ids, aqm: ids, adm: ids }),
  fc.record({ kind: fc.constant('start' as const), mdev: name, vm: fc.constantFrom('vm1', 'guest-2') }),
);

roundTrip('every op: formatOp then parseOpLine gives it back (fast-check)', () => {
  fc.assert(
    fc.property(opArb, (op) => {
      assert.equal(parseOpLine(formatOp(op)), JSON.parse(JSON.stringify(op)));
    }),
    { numRuns: 2000, seed: 42 },
  );
});

roundTrip('whole random traces: JSON ↔ text (fast-check)', () => {
  fc.assert(
    fc.property(
      fc.array(opArb, { maxLength: 12 }),
      fc.array(fc.stringMatching(/^[a-z ]{0,12}$/), { maxLength: 2 }),
      (ops, notes) => {
        const steps = [
          { kind: 'create', mdev: 'm1' },
          { kind: 'create', mdev: 'm2' },
          { kind: 'create', mdev: 'mdev-a' },
          ...ops,
        ].map((op, i) => ({
          op: op as Op,
          ...(notes[i] !== undefined ? { comment: notes[i] } : {}),
        }));
        const doc = {
          format: 'apmc-trace/1',
          scope: { ...DEFAULT_SCOPE, adapters: 32, domains: 32, control_domains: 32 },
          ops: steps.map((s) => ({ ...s.op, ...(s.comment !== undefined ? { comment: s.comment } : {}) })),
        };
        const t = parseJsonTrace(JSON.stringify(doc), 'r.json');
        const back = parseTextTrace(formatTrace(t), 'r.trace');
        assert.equal(traceToJson(back), traceToJson(t));
      },
    ),
    { numRuns: 300, seed: 7 },
  );
});

roundTrip.run();

// ---
const errors = suite('parse errors name the line and the problem');

const problem = (text: string): string => {
  try {
    parseTrace(text, 't.trace');
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return 'no error';
};

const table: [string, string][] = [
  ['create m1\nm1 frobnicate 3\n', "t.trace:2: unknown operation 'm1 frobnicate 3'"],
  ['unbind 1.1\n', "t.trace:1: bad APQN '1.1' (expected aa.dddd in hex, e.g. 05.002c)"],
  ['create m1\nm2 assign_adapter 0\n', "t.trace:2: mdev 'm2' is never created (no 'create m2' line)"],
  ['create m1\nm1 assign_adapter zz\n', "t.trace:2: bad adapter 'zz' (expected a number: 5, 0x2c or 054)"],
  [
    'host remove adapter 7\n',
    "t.trace:1: adapter 7 is outside the scope (adapters 0..1; raise it with 'scope' or a flag)",
  ],
  ['create m1\nm1 assign_adapter 256\n', "t.trace:2: id 256 is beyond the architecture's 0..255"],
  ['create m1\nscope adapters=3\n', "t.trace:2: 'scope' must come before the first operation"],
  ['scope adapters=99\n', 't.trace:1: scope: adapters must be an integer from 1 to 32, got 99'],
  [
    'scope cards=3\n',
    "t.trace:1: bad 'cards=3' in 'scope cards=3' (expected adapters=, domains=, control_domains=, mdevs=, vms=)",
  ],
  ['bind 00.0000 zcrypt\n', "t.trace:1: unknown driver 'zcrypt' (vfio_ap or cex4queue)"],
  ['create m1\nstart m1\n', "t.trace:2: expected 'start <mdev> <vm>'"],
  ['create m1 &\n', "t.trace:1: '&' (async) only follows apmask, aqmask, host and <mdev> remove"],
  ['{"format": "apmc-trace/2", "ops": []}', 't.trace:1: unknown format "apmc-trace/2" (expected "apmc-trace/1")'],
  [
    '{"format": "apmc-trace/1", "ops": [{"kind": "bind", "apid": 0}]}',
    't.trace:1: ops[0]: bind.apqi: bad or missing value undefined',
  ],
  [
    '{"format": "apmc-trace/1", "ops": [{"kind": "assign_adapter", "mdev": "m9", "id": 0}]}',
    "t.trace:1: ops[0]: mdev 'm9' is never created (no 'create m9' line)",
  ],
];
for (const [text, msg] of table) errors(JSON.stringify(text).slice(0, 60), () => assert.is(problem(text), msg));

errors('truncated JSON names the line', () => {
  assert.match(problem('{\n  "format": "apmc-trace/1",\n  "ops": [\n'), /^t\.trace:\d+: malformed JSON/);
});

errors('an mdev created only later is a kernel ENOENT, not bad input', () => {
  assert.is(problem('m1 assign_adapter 0\ncreate m1\n'), 'no error');
});

errors('a kernel rejection is not bad input: a malformed mask value parses (the kernel says EINVAL)', () => {
  assert.is(problem('apmask 0xZZ\n'), 'no error');
});

// Why: silent last-wins. A directive or a JSON key given twice kept only the last, whatever the first said.
const twice: [string, string][] = [
  ['scope adapters=2\nscope adapters=3\n', "t.trace:2: 'scope' given twice (first on line 1; give it once)"],
  [
    'scope adapters=2\n# domains too\nscope domains=3\n',
    "t.trace:3: 'scope' given twice (first on line 1; give it once)",
  ],
  ['policy upstream\npolicy d0\n', "t.trace:2: 'policy' given twice (first on line 1; give it once)"],
  ['initial adapters=0\ninitial domains=1\n', "t.trace:2: 'initial' given twice (first on line 1; give it once)"],
  ['initial adapters=0 adapters=1\n', "t.trace:1: 'adapters=' given twice in 'initial adapters=0 adapters=1'"],
  [
    '{"format": "apmc-trace/1", "ops": [], "ops": []}',
    't.trace:1: duplicate key "ops" (first on line 1; give each key once)',
  ],
  [
    '{"format": "apmc-trace/1",\n"scope": {"adapters": 2,\n "adapters": 3}, "ops": []}',
    't.trace:3: duplicate key "adapters" (first on line 2; give each key once)',
  ],
  [
    '{"format": "apmc-trace/1", "ops": [\n{"kind": "create", "mdev": "m1"},\n' +
      '{"kind": "create", "mdev": "m2", "kind": "remove"}]}',
    't.trace:3: duplicate key "kind" (first on line 3; give each key once)',
  ],
  [
    '{"format": "apmc-trace/1", "ops": [], "x": [{"a": [{"b": 1, "\\u0062": 2}]}]}',
    't.trace:1: duplicate key "b" (first on line 1; give each key once)',
  ],
  [
    '{"format": "apmc-trace/1", "ops": [], "x": ' + '['.repeat(200) + ']'.repeat(200) + '}',
    't.trace:1: nested more than 100 levels deep',
  ],
];
for (const [text, msg] of twice)
  errors(`given twice: ${JSON.stringify(text).slice(0, 50)}`, () => assert.is(problem(text), msg));

errors('an empty or whitespace-only .json is bad input (a .trace may be empty)', () => {
  for (const text of ['', ' ', '\n\n', '\t\r\n']) {
    assert.throws(
      () => parseTrace(text, 'e.json'),
      (e: unknown) => e instanceof InputError && e.message === 'e.json:1: empty file (expected a JSON document)',
    );
    assert.is(parseTrace(text, 'e.trace').steps.length, 0);
  }
});

errors('a text trace line longer than 1 MiB characters, or with a NUL, is bad input', () => {
  assert.is(
    problem(`create m1\n#${'x'.repeat(1024 * 1024)}\n`),
    't.trace:2: line longer than 1048576 characters, the most a trace line may have',
  );
  assert.is(problem(`create m1\n#${'x'.repeat(1024 * 1024 - 1)}\n`), 'no error');
  assert.is(problem('create m1\n# a\0b\n'), 't.trace:2: NUL character (a trace is text)');
});

// Why: a 64 MB trace holds millions of operations; run would exhaust the heap (exit 134) instead of answering.
errors(`a trace of more than ${MAX_OPS} operations is bad input, text and JSON`, () => {
  assert.is(problem('scan\n'.repeat(MAX_OPS)), 'no error');
  assert.is(
    problem('# long\n' + 'scan\n'.repeat(MAX_OPS + 1)),
    `t.trace:${MAX_OPS + 2}: more than ${MAX_OPS} operations, the most a trace may have`,
  );
  const doc = `{"format": "apmc-trace/1",\n"ops": [${'{"kind": "scan"},'.repeat(MAX_OPS)}{"kind": "scan"}]}`;
  assert.is(problem(doc), `t.trace:2: "ops": more than ${MAX_OPS} operations, the most a trace may have`);
});

// Why: `m1 assign_adapter +1` was bad input, but the kernel's kstrtoul(buf, 0) takes it: ids parse as
// kstrtoul does (lib/kstrtox.c): optional '+', 0x/0X hex, leading-0 octal, decimal, one trailing newline.
errors("ids parse as the kernel's kstrtoul(buf, 0) does", () => {
  const accepted: [string, number][] = [
    ['+1', 1],
    ['0x1', 1],
    ['0X1f', 31],
    ['01', 1],
    ['017', 15],
    ['0', 0],
    ['00', 0],
    ['+0', 0],
    ['+0x10', 16],
    ['+017', 15],
    ['255', 255],
    ['1\n', 1],
  ];
  for (const [tok, n] of accepted) {
    assert.is(parseNumber(tok), n, tok);
    assert.equal(parseOpLine(`m1 assign_adapter ${tok.trim()}`), { kind: 'assign_adapter', mdev: 'm1', id: n }, tok);
  }
  for (const tok of [
    '+',
    '++1',
    '-1',
    '-0',
    '08',
    '0x',
    '0xg',
    '0x+1',
    '+-1',
    '1a',
    '1\n\n',
    ' 1',
    '1.0',
    '1e2',
    '0b1',
    '99999999999999999999',
  ]) {
    assert.is(parseNumber(tok), null, JSON.stringify(tok));
  }
  assert.is(problem('create m1\nm1 assign_adapter +1\n'), 'no error');
  assert.is(problem('scope adapters=+0x3\nhost add adapter 02\n'), 'no error');
  assert.is(
    problem('create m1\nm1 assign_adapter 08\n'),
    "t.trace:2: bad adapter '08' (expected a number: 5, 0x2c or 054)",
  );
});

errors.run();

// ---
// Why: a trace of ~150 k ops crashed `apmc run` and `apmc explain` with "Maximum call stack size
// exceeded": `Math.max(...steps)`, `out.push(...lines)` and `of(...ids)` pass every element on the stack.
const long = suite('long traces: no argument spread on input-sized data');

const N = 150_000;
const longText = [
  'scope adapters=1 domains=1 control_domains=1',
  'initial adapters=0',
  'create m1',
  ...Array.from({ length: N }, (_, i) => (i % 1000 === 0 ? 'stop m1  # still not started' : 'stop m1')),
].join('\n');

/** runCli with stdout and stderr captured. */
async function cliOut(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const { runCli } = await import('../bin/cli.ts');
  const out: string[] = [];
  const err: string[] = [];
  const [log, error, write] = [console.log, console.error, process.stdout.write];
  console.log = (...a: unknown[]) => void out.push(a.join(' '));
  console.error = (...a: unknown[]) => void err.push(a.join(' '));
  process.stdout.write = ((s: string) => out.push(s) > 0) as typeof process.stdout.write;
  try {
    return { code: await runCli(argv), out: out.join('\n'), err: err.join('\n') };
  } finally {
    [console.log, console.error, process.stdout.write] = [log, error, write];
  }
}

long(`apmc run and apmc explain on a ${N}-op trace`, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-long-'));
  const f = join(dir, 'long.trace');
  writeFileSync(f, longText + '\n');
  const run = await cliOut(['run', '--no-color', f]);
  assert.is(run.err, '');
  assert.is(run.code, 0);
  assert.ok(run.out.includes(`${N + 1}  stop m1`), 'the last step is printed');
  const ex = await cliOut(['explain', '--no-color', f]);
  assert.is(ex.err, '');
  assert.is(ex.code, 0);
  assert.ok(ex.out.includes(`${N + 1}  stop m1`), 'the last step is explained');
});

long('explain --format md, convert, diff and a long initial list on the same length', async () => {
  const { explain } = await import('../render/explain.ts');
  const { explainMarkdown } = await import('../render/md.ts');
  const { diffTraces, diffText } = await import('../render/diff.ts');
  const { POLICIES } = await import('../model/policies/index.ts');
  const { Chalk } = await import('chalk');
  const t = parseTextTrace(longText, 'long.trace');
  const ex = explain({ trace: t }, POLICIES['upstream']!);
  assert.ok(explainMarkdown(ex, 'long.trace').includes(`| ${N + 1} | \`stop m1\``));
  assert.is(formatTrace(t).split('\n').length, N + 4);
  const d = diffText(new Chalk({ level: 0 }), diffTraces(t, POLICIES['upstream']!, POLICIES['d0']!), 'long.trace');
  assert.ok(d.includes('no difference'));
  // A JSON initial list may repeat an id as often as it likes: it is one mask all the same.
  const doc = { format: 'apmc-trace/1', initial: { adapters: new Array<number>(N).fill(0) }, ops: [] };
  assert.equal(parseJsonTrace(JSON.stringify(doc), 'i.json').initial?.adapters?.length, N);
  assert.not.throws(() => initialMatrix(DEFAULT_SCOPE, { adapters: new Array<number>(N).fill(1) }));
});

long.run();
