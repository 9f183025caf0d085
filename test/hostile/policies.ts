/**
 * Hostile policy files (`--policy ./p.mjs`): callbacks that throw what is not an Error, return garbage,
 * mutate their input or write files (in this process), and policies that exit, loop, allocate or never
 * settle (real processes: they would take the test process with them).
 */
import type { Case } from './case.ts';

const T = 'create m1\nm1 assign_adapter 0\nm1 assign_domain 0\n';

/** A policy module: upstream with `assign` (or another callback) replaced by `body`, and `prelude` before it. */
const policy = (body: string, callback = 'assign', prelude = '', name = 'hostile'): string =>
  `${prelude}\nexport default ({ extend, upstream }) => extend(upstream, {\n` +
  `  name: ${JSON.stringify(name)},\n  summary: 'a hostile policy',\n  ${callback}: ${body},\n});\n`;

const pcase = (name: string, module: string, exit: number, extra: Partial<Case> = {}): Case => ({
  name,
  files: { 't.trace': T, 'p.mjs': module },
  argv: ['run', '--policy', './p.mjs', 't.trace'],
  exit,
  ...extra,
});
/** A callback that throws `expr`. */
const throws = (what: string, expr: string, prelude = ''): Case =>
  pcase(`assign throws ${what}`, policy(`() => { throw ${expr}; }`, 'assign', prelude), 7, {
    says: /^(t\.trace:\d+: )?.*assign/,
  });
/** A callback that returns `expr`. */
const returns = (what: string, callback: string, expr: string, prelude = ''): Case =>
  pcase(`${callback} returns ${what}`, policy(`() => ${expr}`, callback, prelude), 7, { says: /^(t\.trace:\d+: )?.*/ });

const thrown: Case[] = [
  throws('42', '42'),
  throws('null', 'null'),
  throws('undefined', 'undefined'),
  throws('a string with a newline and an escape sequence', '"bad\\n\\x1b[2Jnews"'),
  throws('a Symbol', "Symbol('s')"),
  throws('a BigInt', '10n'),
  throws('an object without a prototype', 'Object.create(null)'),
  throws('an object whose toString throws', '{ toString() { throw new Error("again"); } }'),
  throws(
    'a Proxy whose every trap throws',
    'P',
    'const h = { get() { throw 1; }, has() { throw 2; }, ownKeys() { throw 3; }, getPrototypeOf() { throw 4; },\n' +
      '  getOwnPropertyDescriptor() { throw 5; } };\nconst P = new Proxy({}, h);',
  ),
  throws('a revoked Proxy', 'R', 'const { proxy: R, revoke } = Proxy.revocable({}, {}); revoke();'),
  throws(
    'an Error whose message getter throws',
    'E',
    'const E = new Error("x"); Object.defineProperty(E, "message", { get() { throw 1; } });',
  ),
  throws(
    'an Error whose stack getter throws',
    'E',
    'const E = new Error("x"); Object.defineProperty(E, "stack", { get() { throw 1; } });',
  ),
  throws('an Error with a 1 MB message', 'new Error("m".repeat(1 << 20))'),
  throws('an Error with RTL override and U+2028', 'new Error("fine\\u202Eevil\\u2028next")'),
  throws('a pending Promise', 'new Promise(() => {})'),
  throws('a function', '() => 1'),
];

const garbage: Case[] = [
  returns('42', 'assign', '42'),
  returns('null', 'assign', 'null'),
  returns('undefined', 'assign', 'undefined'),
  returns('an unknown errno name', 'assign', "'ENOTANERRNO'"),
  returns('a Promise (an async callback)', 'assign', 'Promise.resolve("EBUSY")'),
  returns('a Proxy that throws on every read', 'assign', 'new Proxy({}, { get() { throw 42; } })'),
  returns('a state with a cycle', 'assign', '(() => { const s = { mdevs: {} }; s.mdevs.self = s; return s; })()'),
  returns('a state with a throwing getter', 'assign', '({ get mdevs() { throw null; } })'),
  returns('true', 'create', 'true'),
  returns('a BigInt', 'assign', '1n'),
];

const mutating: Case[] = [
  pcase(
    'assign deletes the mdevs of its input state',
    policy('(cfg, s, m, r, id) => { delete s.mdevs; return upstream.assign(cfg, s, m, r, id); }'),
    7,
    { says: /assign/ },
  ),
  pcase(
    'assign changes the scope in its config',
    policy('(cfg, s, m, r, id) => { cfg.scope.adapters = 99; return upstream.assign(cfg, s, m, r, id); }'),
    7,
    { says: /assign/ },
  ),
  pcase(
    'assign freezes its input state',
    policy('(cfg, s, m, r, id) => { Object.freeze(s); return upstream.assign(cfg, s, m, r, id); }'),
    0,
  ),
  pcase(
    'assign answers EBUSY on every other call',
    policy(
      '(cfg, s, m, r, id) => (++calls % 2 ? "EBUSY" : upstream.assign(cfg, s, m, r, id))',
      'assign',
      'let calls = 0;',
    ),
    7,
    { says: /assign/ },
  ),
  pcase(
    'assign writes a file',
    policy(
      "(cfg, s, m, r, id) => { writeFileSync('PWNED', 'x'); return upstream.assign(cfg, s, m, r, id); }",
      'assign',
      "import { writeFileSync } from 'node:fs';",
    ),
    7,
    { says: /assign/, item: [12] },
  ),
  pcase(
    'the policy module writes a file when it loads',
    policy(
      '(cfg, s, m, r, id) => upstream.assign(cfg, s, m, r, id)',
      'assign',
      "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');",
    ),
    7,
    { item: [12] },
  ),
];

const loading: Case[] = [
  pcase('a syntax error', 'export default (;\n', 2, { says: /^\.\/p\.mjs: cannot load policy file: / }),
  pcase('the module throws 42 when it loads', 'throw 42;\n', 2, { says: /^\.\/p\.mjs: / }),
  pcase('the factory throws null', 'export default () => { throw null; };\n', 2, { says: /^\.\/p\.mjs: / }),
  pcase(
    'the factory returns a Proxy that throws on every read',
    'export default () => new Proxy({}, { get() { throw 42; } });\n',
    2,
    { says: /^\.\/p\.mjs: / },
  ),
  pcase('the policy name getter throws', 'export default { get name() { throw undefined; } };\n', 2, {
    says: /^\.\/p\.mjs: /,
  }),
  pcase(
    'the default export is a revoked Proxy',
    'const { proxy, revoke } = Proxy.revocable({}, {}); revoke();\nexport default proxy;\n',
    2,
    { says: /^\.\/p\.mjs: / },
  ),
  pcase('a policy file named like a built-in', policy('upstream.assign', 'assign', '', 'upstream'), 2, {
    says: /^\.\/p\.mjs: .*upstream/,
    item: [6],
  }),
  pcase("a policy file named 'd0'", policy('upstream.assign', 'assign', '', 'd0'), 2, {
    says: /^\.\/p\.mjs: .*d0/,
    item: [6],
  }),
  pcase('a policy name with a newline', policy('upstream.assign', 'assign', '', 'evil\ntouch PWNED'), 2, {
    says: /^\.\/p\.mjs: .*name/,
    item: [4],
  }),
  pcase('a policy name with a NUL byte', policy('upstream.assign', 'assign', '', 'evil\0x'), 2, {
    says: /^\.\/p\.mjs: .*name/,
    item: [4],
  }),
  pcase(
    'a policy name with RTL override (printed escaped)',
    policy('upstream.assign', 'assign', '', 'evil\u202Etxt'),
    0,
  ),
];

const commands: Case[] = [
  {
    ...throws('42, under diff', '42'),
    argv: ['diff', '--policy', 'upstream', '--policy', './p.mjs', 't.trace'],
    item: [19],
  },
  { ...throws('null, under explain', 'null'), argv: ['explain', '--policy', './p.mjs', 't.trace'], item: [19] },
  {
    ...throws('undefined, under check', 'undefined'),
    argv: ['check', '--policy', './p.mjs', '--property', 'assign-idempotent', '--runs', '20'],
    says: /^policy error in /,
  },
  {
    ...throws('a Symbol, under check --engine exhaustive', "Symbol('s')"),
    argv: ['check', '--engine', 'exhaustive', '--depth', '3', '--policy', './p.mjs', '--property', 'assign-idempotent'],
    says: /policy error/,
  },
];

// process.exit in process: the harness catches it (and reports it); a sandboxed policy's exit ends only its sandbox.
const exiting: Case[] = [
  pcase('assign calls process.exit(0)', policy('() => process.exit(0)'), 7, { item: [12] }),
  {
    ...pcase('assign calls process.exit(0), under check --ci', policy('() => process.exit(0)'), 7, { item: [12] }),
    argv: ['check', '--ci', '--policy', './p.mjs', '--property', 'assign-idempotent', '--runs', '20'],
  },
  pcase('the module calls process.exit(0) when it loads', 'process.exit(0);\n', 7, { item: [12] }),
];

const LOOP = policy('() => { for (;;) {} }');
const spawned: Case[] = [
  // The call limit (and with it the load limit) is set short: the case is that a loop ends, not the default.
  {
    ...pcase('assign loops forever', LOOP, 7, { spawn: true, ms: 8000, item: [12] }),
    env: { APMC_CALL_LIMIT_MS: '1500' },
  },
  {
    ...pcase('assign loops forever, under check --time 1', LOOP, 7, { spawn: true, ms: 8000, item: [12] }),
    argv: ['check', '--time', '1', '--policy', './p.mjs', '--property', 'assign-idempotent'],
  },
  {
    // SIGTERM once the run is surely in the loop (start-up takes about a second, several under a loaded
    // machine); it must end within 2 s. The call limit is lifted so that only the signal ends the loop.
    ...pcase('assign loops forever, and SIGTERM arrives', LOOP, 143, { spawn: true, ms: 8000, item: [12] }),
    argv: ['check', '--policy', './p.mjs', '--property', 'assign-idempotent'],
    env: { APMC_CALL_LIMIT_MS: '60000' },
    signal: { signal: 'SIGTERM', ms: 6000 },
  },
  {
    ...pcase(
      'assign loops forever, under 2 exhaustive workers and --time 3',
      LOOP,
      7,
      // Each worker loads the policy file through tsx: a second or more on a busy machine, before any call.
      { spawn: true, ms: 9000, item: [10, 12] },
    ),
    argv: [
      'check',
      '--engine',
      'exhaustive',
      '--workers',
      '2',
      '--time',
      '3',
      '--policy',
      './p.mjs',
      '--property',
      'assign-idempotent',
    ],
  },
  {
    ...pcase('the module loops forever when it loads', 'for (;;) {}\n', 7, { spawn: true, ms: 9000, item: [12] }),
    env: { APMC_CALL_LIMIT_MS: '1500' },
  },
  pcase(
    'assign allocates without bound',
    policy('() => { const a = []; for (;;) a.push(new Array(1e6).fill(a.length)); }'),
    7,
    { spawn: true, ms: 8000, item: [12] },
  ),
  pcase('the module awaits a promise that never settles', 'await new Promise(() => {});\nexport default 42;\n', 7, {
    spawn: true,
    item: [12],
  }),
];

export const POLICIES: readonly Case[] = [
  ...thrown,
  ...garbage,
  ...mutating,
  ...loading,
  ...commands,
  ...exiting,
  ...spawned,
];
