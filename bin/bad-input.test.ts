/**
 * The README's "Bad input" table, one test per row: exit 2, one line on stderr naming the file and line
 * where there is one, nothing on stdout, nothing written. The rows run in this process through runCli
 * (bin/cli.ts); the first two also run through the real `bin/apmc.js`, for the process's own wiring.
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import { runInProcess } from '../test/cli-harness.ts';
import * as assert from 'uvu/assert';

const dir = mkdtempSync(join(tmpdir(), 'apmc-bad-'));
const file = (name: string, text: string | Buffer): string => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

/** A file of `size` bytes that takes no space (a hole). */
function sparse(name: string, size: number): string {
  const p = join(dir, name);
  const fd = openSync(p, 'w');
  ftruncateSync(fd, size);
  closeSync(fd);
  return p;
}

function fifo(name: string): string {
  const p = join(dir, name);
  execFileSync('mkfifo', [p]);
  return p;
}

const ORDER_CX = 'counterexamples/order-independence/d0-delta-filter-assign-vs-unbind.json';
const RECOVERY_CX = 'counterexamples/recovery/d0-domain-outside-host-blocks-adapter.json';
function cxWithout(key: string, from = ORDER_CX): unknown {
  const doc = JSON.parse(readFileSync(from, 'utf8')) as Record<string, unknown>;
  delete doc[key];
  return doc;
}

interface Row {
  /** The class of bad input, as the README table names it. */
  readonly what: string;
  readonly args: readonly string[];
  /** What stderr must say after 'apmc: '. */
  readonly says: RegExp;
  /** A `--save` directory that must stay empty (check rows). */
  readonly save?: string;
}

const saveDir = (): string => {
  const d = join(dir, `save-${Math.random().toString(36).slice(2)}`);
  mkdirSync(d);
  return d;
};
const check = (...args: string[]): Pick<Row, 'args' | 'save'> => {
  const save = saveDir();
  return { args: ['check', '--save', save, ...args], save };
};

const T = {
  op: file('op.trace', 'create m1\nfrobnicate 3\n'),
  apqn: file('apqn.trace', 'create m1\nunbind 5.2c\n'),
  hw: file('hw.trace', 'create m1\nhost add adapter 7\n'),
  arch: file('arch.trace', 'create m1\nm1 assign_adapter 300\n'),
  mdev: file('mdev.trace', 'create m1\nm2 assign_adapter 1\n'),
  scope: file('scope.trace', '# too big\nscope adapters=40\ncreate m1\n'),
  initial: file('initial.trace', 'initial adapters=0,5\ncreate m1\n'),
  policy: file('policy.trace', 'policy upstrem\ncreate m1\n'),
  json: file('bad.json', '{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create" "mdev": "m1"}\n]}\n'),
  truncated: file('truncated.json', '{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create", "mdev": "m1"}\n'),
  version: file('version.json', '{"format": "apmc-trace/2", "ops": []}\n'),
  field: file(
    'field.json',
    '{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create", "mdev": "m1"},\n' +
      '  {"kind": "host", "action": "add", "resource": "adapter",\n   "id": "x"}\n]}\n',
  ),
  notPolicy: file('not-a-policy.mts', 'export default 42;\n'),
  syntax: file('syntax.mts', 'export default (;\n'),
  twoScopes: file('two-scopes.trace', 'scope adapters=2\nscope domains=3\ncreate m1\n'),
  twoPolicies: file('two-policies.trace', 'policy upstream\n# a comment\npolicy d0\ncreate m1\n'),
  twoInitials: file('two-initials.trace', 'initial adapters=0\ninitial adapters=1\n'),
  twoKeys: file('two-keys.trace', 'scope adapters=2 adapters=3\n'),
  dupJson: file('dup.json', '{"format": "apmc-trace/1",\n "ops": [],\n "format": "apmc-trace/1"}\n'),
  dupDeep: file(
    'dup-deep.json',
    '{"format": "apmc-trace/1",\n "ops": [\n  {"kind": "create",\n   "mdev": "m1", "mdev": "m2"}\n]}\n',
  ),
  dupReport: file('dup-report.json', '{"format": "apmc-check/1", "scope": {},\n "results": [],\n "results": []}\n'),
  empty: file('empty.json', ''),
  blank: file('blank.json', '  \r\n\n\t\n'),
  noOther: file('no-other.json', JSON.stringify(cxWithout('other_ops'), null, 2)),
  noTail: file('no-tail.json', JSON.stringify(cxWithout('tail', RECOVERY_CX), null, 2)),
  dupCx: file(
    'dup-cx.json',
    readFileSync(ORDER_CX, 'utf8').replace(
      '"property": "order-independence",',
      '"property": "order-independence",\n  "property": "recovery",',
    ),
  ),
  notUtf8: file('latin1.trace', Buffer.from('create m1\n# caf\xe9\n', 'latin1')),
  nul: file('nul.trace', 'create m1\nm1 remove\0\n'),
  longLine: file('long-line.trace', `create m1\n# ${'x'.repeat(1024 * 1024)}\n`),
  big: sparse('big.trace', 65 * 1024 * 1024),
  fifo: fifo('fifo.trace'),
};

const ROWS: Row[] = [
  {
    what: 'a device that never ends',
    args: ['run', '/dev/zero'],
    says: /^\/dev\/zero: cannot read trace \(a character device; apmc reads regular files only\)$/,
  },
  {
    what: 'a FIFO',
    args: ['explain', T.fifo],
    says: /^fifo\.trace: cannot read trace \(a FIFO; apmc reads regular files only\)$/,
  },
  {
    what: 'a file larger than 64 MB',
    args: ['run', T.big],
    says: /^big\.trace: larger than 64 MB, the most apmc reads of a trace$/,
  },
  {
    what: 'a line longer than 1 MiB',
    args: ['run', T.longLine],
    says: /^long-line\.trace:2: line longer than 1048576 characters/,
  },
  { what: 'not UTF-8', args: ['run', T.notUtf8], says: /^latin1\.trace:2: not UTF-8 text \(byte 15: 0xe9\)$/ },
  { what: 'a NUL byte', args: ['convert', T.nul], says: /^nul\.trace:2: NUL byte \(a trace is text\)$/ },
  {
    what: 'two scope lines',
    args: ['run', T.twoScopes],
    says: /^two-scopes\.trace:2: 'scope' given twice \(first on line 1; give it once\)$/,
  },
  {
    what: 'two policy lines',
    args: ['run', T.twoPolicies],
    says: /^two-policies\.trace:3: 'policy' given twice \(first on line 1; give it once\)$/,
  },
  {
    what: 'two initial lines',
    args: ['convert', T.twoInitials],
    says: /^two-initials\.trace:2: 'initial' given twice \(first on line 1/,
  },
  {
    what: 'a key twice in a directive',
    args: ['run', T.twoKeys],
    says: /^two-keys\.trace:1: 'adapters=' given twice in 'scope adapters=2 adapters=3'$/,
  },
  {
    what: 'a JSON key twice',
    args: ['run', T.dupJson],
    says: /^dup\.json:3: duplicate key "format" \(first on line 1; give each key once\)$/,
  },
  {
    what: 'a JSON key twice in an op',
    args: ['convert', T.dupDeep],
    says: /^dup-deep\.json:4: duplicate key "mdev" \(first on line 4; give each key once\)$/,
  },
  {
    what: 'a JSON key twice in a counterexample',
    args: ['explain', T.dupCx],
    says: /^dup-cx\.json:47: duplicate key "property" \(first on line 46; give each key once\)$/,
  },
  {
    what: 'a JSON key twice in a report',
    args: ['merge', T.dupReport],
    says: /^dup-report\.json:3: duplicate key "results" \(first on line 2; give each key once\)$/,
  },
  {
    what: 'an empty JSON file',
    args: ['run', T.empty],
    says: /^empty\.json:1: empty file \(expected a JSON document\)$/,
  },
  {
    what: 'a whitespace-only JSON file',
    args: ['explain', T.blank],
    says: /^blank\.json:1: empty file \(expected a JSON document\)$/,
  },
  {
    what: 'an order-independence counterexample without other_ops',
    args: ['explain', T.noOther],
    says: /^no-other\.json:\d+: "property" order-independence needs "other_ops", the second history$/,
  },
  {
    what: 'a recovery counterexample without tail',
    args: ['explain', T.noTail],
    says: /^no-tail\.json:\d+: "property" recovery needs "tail", the number of disturbance ops$/,
  },
  {
    what: 'a single-valued flag twice',
    ...check('--seed', '1', '--seed', '2'),
    says: /^--seed: given twice \('1', then '2'\); give it once$/,
  },
  {
    what: 'a single-valued flag twice (run)',
    args: ['run', '--policy', 'upstream', '--policy=d0', T.twoKeys],
    says: /^--policy: given twice \('upstream', then 'd0'\); give it once$/,
  },
  { what: 'unknown operation', args: ['run', T.op], says: /^op\.trace:2: unknown operation 'frobnicate 3'$/ },
  { what: 'bad APQN syntax', args: ['run', T.apqn], says: /^apqn\.trace:2: bad APQN '5\.2c' \(expected aa\.dddd/ },
  { what: 'hardware id outside the scope', args: ['run', T.hw], says: /^hw\.trace:2: adapter 7 is outside the scope/ },
  {
    what: 'id beyond the architecture',
    args: ['run', T.arch],
    says: /^arch\.trace:2: id 300 is beyond the architecture's 0\.\.255$/,
  },
  { what: 'an mdev never created', args: ['run', T.mdev], says: /^mdev\.trace:2: mdev 'm2' is never created/ },
  {
    what: 'scope larger than the model supports (trace)',
    args: ['run', T.scope],
    says: /^scope\.trace:2: scope: adapters must be an integer from 1 to 32, got 40$/,
  },
  {
    what: 'initial configuration outside the scope',
    args: ['run', T.initial],
    says: /^initial\.trace:1: initial adapter 5 is outside the scope/,
  },
  {
    what: 'unknown policy in a trace',
    args: ['run', T.policy],
    says: /^policy\.trace:1: unknown policy 'upstrem' \(did you mean 'upstream'\?\)/,
  },
  { what: 'malformed JSON', args: ['run', T.json], says: /^bad\.json:3: malformed JSON: expected ',' or '}'/ },
  {
    what: 'truncated JSON',
    args: ['convert', T.truncated],
    says: /^truncated\.json:4: malformed JSON: unexpected end of JSON$/,
  },
  {
    what: 'unknown format version',
    args: ['run', T.version],
    says: /^version\.json:1: unknown format "apmc-trace\/2" \(expected "apmc-trace\/1"\)$/,
  },
  {
    what: 'bad field in a JSON operation',
    args: ['run', T.field],
    says: /^field\.json:5: ops\[1\]: host\.id: bad or missing value "x"$/,
  },
  {
    what: 'missing trace file',
    args: ['run', join(dir, 'nope.trace')],
    says: /nope\.trace: cannot read trace \(no such file\)$/,
  },
  {
    what: 'unknown policy name',
    ...check('--policy', 'upstrem'),
    says: /^unknown policy 'upstrem' \(did you mean 'upstream'\?\)/,
  },
  {
    what: 'a policy file that is not a policy',
    ...check('--policy', T.notPolicy),
    says: /not-a-policy\.mts: does not export a policy/,
  },
  {
    what: 'a policy file that does not load',
    ...check('--policy', T.syntax),
    says: /syntax\.mts: cannot load policy file: /,
  },
  {
    what: 'unknown property name',
    ...check('--property', 'order-independance'),
    says: /^unknown property 'order-independance' \(did you mean 'order-independence'\?\)/,
  },
  {
    what: 'bad flag value',
    ...check('--runs', '12x'),
    says: /^--runs: expected a whole number from 1 to \d+, got '12x'$/,
  },
  { what: 'negative flag value', ...check('--seed', '-1'), says: /^--seed: missing value \(got '-1'/ },
  { what: 'flag without its value', ...check('--time'), says: /^--time: missing value$/ },
  { what: 'unknown flag', ...check('--seeds', '3'), says: /^unknown option '--seeds' \(did you mean '--seed'\?\)$/ },
  {
    what: 'scope larger than the model supports (flag)',
    ...check('--domains', '33'),
    says: /^--domains: expected 1 to 32 \(the model's limit\), got '33'$/,
  },
  {
    what: 'bad value of --to',
    args: ['convert', '--to', 'xml', T.op],
    says: /^--to: expected 'json' or 'text', got 'xml'$/,
  },
  { what: 'unknown command', args: ['frobnicate'], says: /^unknown command 'frobnicate'/ },
];

function spawned(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    const env = { ...process.env, NO_COLOR: '1' };
    execFile(process.execPath, ['bin/apmc.js', ...args], { encoding: 'utf8', env }, (e, out, err) => {
      resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err });
    });
  });
}

const ROOT = process.cwd();
async function apmc(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const r = await runInProcess(args, ROOT, { NO_COLOR: '1' });
  return { code: r.code ?? -1, out: r.out, err: r.err };
}

// The real process for two rows, started at load time (each costs ~0.4 s of start-up).
const REAL = ROWS.slice(0, 2).map((row) => [row, spawned(row.args)] as const);

// ---
const bad = suite('bad input: exit 2, one line naming file, line and problem, nothing written');

const expectBad = (row: Row, r: { code: number; out: string; err: string }): void => {
  assert.is(r.code, 2, `exit ${r.code}: ${r.err}`);
  assert.is(r.out, '', 'stdout');
  const lines = r.err.split('\n').filter((l) => l !== '');
  assert.is(lines.length, 1, r.err);
  const said = lines[0]!.replace(/^apmc: /, '').replace(dir + '/', '');
  assert.match(said, row.says);
  if (row.save) assert.equal(readdirSync(row.save), [], 'the --save directory stays empty');
};

for (const row of ROWS) bad(row.what, async () => expectBad(row, await apmc(row.args)));
for (const [row, r] of REAL) bad(`${row.what}, through bin/apmc.js`, async () => expectBad(row, await r));

// Why: the line between bad input and a kernel answer. An id outside the scope but within the
// architecture reaches the kernel's own checks, which answer ENODEV; that is a result, exit 0.
bad('an operation the kernel rejects is not bad input: it runs and yields its errno', async () => {
  const t = file('enodev.trace', 'create m1\nm1 assign_adapter 5\n');
  const r = await apmc(['run', '--json', t]);
  assert.is(r.code, 0, r.err);
  const steps = (JSON.parse(r.out) as { steps: { result: string }[] }).steps;
  assert.equal(
    steps.map((s) => s.result),
    ['ok', 'ENODEV'],
  );
});

bad.run();

// ---
// Why: `apmc run /dev/zero` grew to 16.8 GB, and a FIFO kept it waiting. The reader refuses what is not
// a regular file before reading a byte, and a file over the limit by its size: at once, in-process here.
const never = suite('inputs that never end: refused within a second, exit 2');

async function quietCli(argv: string[]): Promise<{ code: number; err: string; ms: number }> {
  const { runCli } = await import('./cli.ts');
  const err: string[] = [];
  const [out, error] = [process.stdout.write, process.stderr.write];
  process.stdout.write = (() => true) as typeof process.stdout.write;
  process.stderr.write = ((s: string | Uint8Array) => err.push(String(s)) > 0) as typeof process.stderr.write;
  const t0 = performance.now();
  try {
    const code = await runCli(argv);
    return { code, err: err.join('').replace(/\n$/, ''), ms: performance.now() - t0 };
  } finally {
    [process.stdout.write, process.stderr.write] = [out, error];
  }
}

for (const [what, argv] of [
  ['run /dev/zero', ['run', '/dev/zero']],
  ['explain /dev/urandom', ['explain', '/dev/urandom']],
  ['merge /dev/zero', ['merge', '/dev/zero']],
  ['a FIFO no one writes', ['run', T.fifo]],
  ['a 65 MB file', ['explain', T.big]],
] as const) {
  never(what, async () => {
    const r = await quietCli([...argv]);
    assert.is(r.code, 2, r.err);
    assert.is(r.err.split('\n').length, 1, r.err);
    assert.ok(r.ms < 1000, `${Math.round(r.ms)} ms`);
  });
}

never('a FIFO with a writer that never stops', async () => {
  const p = fifo('endless.trace');
  const { spawn } = await import('node:child_process');
  const writer = spawn('sh', ['-c', `yes 'create m1' > '${p}'`], { stdio: 'ignore' });
  try {
    const r = await quietCli(['run', p]);
    assert.is(r.code, 2, r.err);
    assert.match(r.err, /endless\.trace: cannot read trace \(a FIFO; apmc reads regular files only\)$/);
    assert.ok(r.ms < 1000, `${Math.round(r.ms)} ms`);
  } finally {
    // Normally gone already: the reader's close ends `yes` with SIGPIPE.
    if (writer.exitCode === null) writer.kill();
  }
});

// Why: a trace saved on Windows (CRLF, a byte order mark) must mean what the same trace means with LF.
never('BOM and CRLF read as the same trace as plain LF, text and JSON', async () => {
  const { loadTrace } = await import('./load-trace.ts');
  const lf = 'scope adapters=2\ncreate m1  # first\nm1 assign_adapter +1\n';
  const a = loadTrace(file('lf.trace', lf));
  const b = loadTrace(file('crlf.trace', '\ufeff' + lf.replace(/\n/g, '\r\n')));
  assert.equal(b, a);
  const json = readFileSync(ORDER_CX, 'utf8');
  const c = loadTrace(file('lf.json', json));
  const d = loadTrace(file('crlf.json', '\ufeff' + json.replace(/\n/g, '\r\n')));
  assert.equal(d, c);
});

never.run();
