/** Hostile text traces (`apmc run t.trace`, `apmc explain`, `apmc convert`). */
import { type Case, trace } from './case.ts';

const ok = 'create m1\nm1 assign_adapter 0\n';

/** Bytes from a fixed-seed generator (xorshift), so that the junk is the same on every run. */
export function junk(n: number, seed = 0x9e3779b9): Buffer {
  const b = Buffer.alloc(n);
  let x = seed >>> 0;
  for (let i = 0; i < n; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
}

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p) : Buffer.from(p))));

/** `n` operations that all run (assign and unassign an adapter in turn). */
export const manyOps = (n: number): string => {
  const lines = ['create m1'];
  for (let i = 1; i < n; i++) lines.push(i % 2 ? 'm1 assign_adapter 0' : 'm1 unassign_adapter 0');
  return lines.join('\n') + '\n';
};

// Every control character in an mdev name: one line, the character shown escaped, exit 2.
const controls: Case[] = [...Array.from({ length: 32 }, (_, i) => i), 0x7f].map((c) => {
  const ch = String.fromCharCode(c);
  const hex = c.toString(16).padStart(2, '0');
  return trace(`control character 0x${hex} in an mdev name`, `create m${ch}x\nm${ch}x assign_adapter 0\n`, 2, {
    says: /^t\.trace:\d+: /,
  });
});

const unicode: Case[] = [
  trace('RTL override U+202E in an mdev name', 'create m\u202E1\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('RTL override U+202E in an operation', 'create m1\n\u202Em1 assign_adapter 0\n', 2, { says: /^t\.trace:2: / }),
  trace('left-to-right isolate U+2066 in an operation', 'create m1\nm1 assign_adapter\u2066 0\n', 2, {
    says: /^t\.trace:2: /,
  }),
  trace('zero-width space in a keyword', 'crea\u200Bte m1\n', 2, { says: /^t\.trace:1: unknown operation/ }),
  trace('zero-width joiner in an mdev name', 'create m\u200D1\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('zero-width no-break space (a BOM) between words (a blank)', 'create m1\nm1\uFEFF assign_adapter 0\n', 0),
  trace('U+2028 line separator inside a name', 'create m\u20281\n', 2, { says: /^t\.trace:1: / }),
  trace('U+2029 paragraph separator between operations', 'create m1\u2029m1 assign_adapter 0\n', 2, {
    says: /^t\.trace:1: /,
  }),
  trace('U+0085 next line inside a name', 'create m\u00851\n', 2, { says: /^t\.trace:1: / }),
  trace('combining acute accent on an mdev name', 'create m1\u0301\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('combining marks stacked 500 deep on an mdev name', `create m${'\u0336'.repeat(500)}\n`, 2, {
    says: /^t\.trace:1: bad mdev name/,
  }),
  trace('Cyrillic homoglyph in a keyword', '\u0441reate m1\n', 2, { says: /^t\.trace:1: unknown operation/ }),
  trace('fullwidth digit as an id', 'create m1\nm1 assign_adapter \uFF11\n', 2, { says: /^t\.trace:2: bad adapter/ }),
  trace('Arabic-Indic digit as an id', 'create m1\nm1 assign_adapter \u0663\n', 2, {
    says: /^t\.trace:2: bad adapter/,
  }),
  trace('superscript digit as an id', 'create m1\nm1 assign_adapter \u00B9\n', 2, { says: /^t\.trace:2: bad adapter/ }),
  trace('astral character (emoji) as an mdev name', 'create \u{1F600}\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('ANSI escape sequence in an operation', 'create m1\n\x1b[2J\x1b[31mm1 assign_adapter 0\n', 2, {
    says: /^t\.trace:2: /,
  }),
  trace('OSC 8 hyperlink escape in a name', 'create \x1b]8;;http://x\x07m1\x1b]8;;\x07\n', 2, {
    says: /^t\.trace:1: /,
  }),
  trace('RTL override in a comment (run ignores it)', `create m1   # \u202Eevil\n${ok.slice(10)}`, 0),
  trace('control characters in a comment (run ignores them)', 'create m1 # a\x1b[31mb\x07c\x7fd\n', 0),
  // A NUL makes the file binary, not text: bin/read-input.ts refuses it wherever it is.
  trace('a NUL byte in a comment', 'create m1 # a\x00d\n', 2, { says: /^t\.trace:1: NUL byte/ }),
  trace('U+2028 in a comment (run ignores it)', 'create m1 # a\u2028b\n', 0),
];

const utf8: Case[] = [
  trace('overlong UTF-8 encoding of "/" in a name', bytes('create m', [0xc0, 0xaf], '1\n'), 2, {
    says: /^t\.trace:1: not UTF-8 text \(byte 8: 0xc0\)/,
  }),
  trace('lone UTF-8 continuation byte in a keyword', bytes('cre', [0x80], 'ate m1\n'), 2, { says: /^t\.trace:1: / }),
  trace('truncated UTF-8 sequence at the end of a name', bytes('create m1', [0xe2, 0x82], '\n'), 2, {
    says: /^t\.trace:1: /,
  }),
  trace('byte 0xff in an id', bytes('create m1\nm1 assign_adapter ', [0xff], '\n'), 2, { says: /^t\.trace:2: / }),
  trace('UTF-8-encoded surrogate (CESU) in a name', bytes('create m', [0xed, 0xa0, 0x80], '\n'), 2, {
    says: /^t\.trace:1: /,
  }),
  // The whole file must be UTF-8, comments included (bin/read-input.ts).
  trace('invalid UTF-8 in a comment', bytes('create m1 # ', [0xff, 0xfe, 0xc0], '\n'), 2, {
    says: /^t\.trace:1: not UTF-8/,
  }),
];

const layout: Case[] = [
  trace('CRLF line endings', ok.replace(/\n/g, '\r\n'), 0),
  trace('mixed LF and CRLF line endings', 'create m1\r\nm1 assign_adapter 0\nm1 assign_domain 0\r\n', 0),
  trace('no newline at the end', ok.trimEnd(), 0),
  trace('a UTF-8 byte-order mark at the start', `\uFEFF${ok}`, 0),
  trace('a UTF-8 byte-order mark before a directive', `\uFEFFscope adapters=2\n${ok}`, 0),
  trace('tabs and trailing blanks', 'create\tm1  \n\tm1\tassign_adapter\t0\t\n', 0),
  trace('an empty file', '', 0),
  trace('comments only', '# nothing\n#\n', 0),
  trace('a million empty lines', '\n'.repeat(1_000_000) + ok, 0),
  trace('CR-only line endings (old Mac)', ok.replace(/\n/g, '\r'), 2, { says: /^t\.trace:1: / }),
  trace('a lone CR inside an operation', 'create m1\nm1 assign_\radapter 0\n', 2, { says: /^t\.trace:2: / }),
  trace('a NUL byte inside an operation', 'create m1\nm1 assign_adapter 0\x00\n', 2, { says: /^t\.trace:2: / }),
  trace('a NUL byte as a whole line', 'create m1\n\x00\n', 2, { says: /^t\.trace:2: / }),
  trace('UTF-16LE with its byte-order mark', Buffer.from(`\uFEFF${ok}`, 'utf16le'), 2, { says: /^t\.trace:1: / }),
  trace('binary junk (4 KB, fixed seed)', junk(4096), 2, { says: /^t\.trace:\d+: / }),
  trace(
    'a PNG header',
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, 0x49, 0x48, 0x44, 0x52]),
    2,
    { says: /^t\.trace:1: / },
  ),
  trace(
    'a gzip stream',
    Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0, 0, 0, 0, 0, 0x03, 0x4b, 0x2e, 0x4a, 0x4d, 0x2c, 0x49, 0x55]),
    2,
    { says: /^t\.trace:1: / },
  ),
  trace('an ELF header', Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(56)]), 2, {
    says: /^t\.trace:1: /,
  }),
];

const ops: Case[] = [
  trace('unknown operation', 'create m1\nfrobnicate 3\n', 2, {
    says: /^t\.trace:2: unknown operation 'frobnicate 3'$/,
  }),
  trace('an operation without its argument', 'create\n', 2, { says: /^t\.trace:1: / }),
  trace('an operation with an extra argument', 'create m1 m2\n', 2, { says: /^t\.trace:1: / }),
  trace('an mdev attribute without its id', 'create m1\nm1 assign_adapter\n', 2, { says: /^t\.trace:2: / }),
  trace('an mdev attribute with two ids', 'create m1\nm1 assign_adapter 1 2\n', 2, { says: /^t\.trace:2: / }),
  trace('an unknown mdev attribute', 'create m1\nm1 assign_cpu 1\n', 2, { says: /^t\.trace:2: unknown operation/ }),
  trace('an unknown driver', 'bind 00.0000 nvme\n', 2, { says: /^t\.trace:1: unknown driver 'nvme'/ }),
  trace('unbind with an extra word', 'unbind 00.0000 vfio_ap now\n', 2, { says: /^t\.trace:1: / }),
  trace('an unknown scan phase', 'scan sideways\n', 2, { says: /^t\.trace:1: / }),
  trace('an unknown host resource', 'host add cpu 1\n', 2, { says: /^t\.trace:1: unknown resource 'cpu'/ }),
  trace('an unknown host action', 'host rm adapter 1\n', 2, { says: /^t\.trace:1: / }),
  trace('an unknown fault', 'fault 00.0000 melted\n', 2, { says: /^t\.trace:1: unknown fault 'melted'/ }),
  trace("'&' after an operation that has no asynchronous part", 'create m1 &\n', 2, { says: /^t\.trace:1: '&'/ }),
  trace("'&' alone", '&\n', 2, { says: /^t\.trace:1: / }),
  trace('a keyword as an mdev name', 'create scope\n', 2, { says: /^t\.trace:1: bad mdev name 'scope'$/ }),
  trace('an mdev name starting with a digit', 'create 1m\n', 2, { says: /^t\.trace:1: bad mdev name '1m'$/ }),
  trace('an mdev name that looks like a flag', 'create -rf\n', 2, { says: /^t\.trace:1: bad mdev name '-rf'$/ }),
  trace('an mdev name with a shell metacharacter', 'create m1;reboot\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('an mdev name with a path', 'create ../../etc\n', 2, { says: /^t\.trace:1: bad mdev name/ }),
  trace('a VM name with a command substitution', 'create m1\nstart m1 $(reboot)\n', 2, {
    says: /^t\.trace:2: bad VM name/,
  }),
  trace('an mdev that no line creates', 'create m1\nm2 assign_adapter 1\n', 2, {
    says: /^t\.trace:2: mdev 'm2' is never created/,
  }),
  trace('more mdevs than the instance limit (EUSERS)', 'create m1\ncreate m2\ncreate m3\n', 0),
  trace('ap_config without its fields', 'create m1\nm1 ap_config apm=0\n', 2, { says: /^t\.trace:2: / }),
  trace('ap_config with a bad id list', 'create m1\nm1 ap_config apm=x aqm= adm=\n', 2, {
    says: /^t\.trace:2: bad id list 'x'/,
  }),
  trace('ap_config with a reversed range', 'create m1\nm1 ap_config apm=5-1 aqm= adm=\n', 2, {
    says: /^t\.trace:2: bad id list/,
  }),
  trace('ap_config with a range to 2^53', 'create m1\nm1 ap_config apm=0-9007199254740993 aqm= adm=\n', 2, {
    says: /^t\.trace:2: /,
  }),
  trace('cardXX with a three-digit number', 'card100 config 1\n', 2, { says: /^t\.trace:1: unknown operation/ }),
  trace('card config with a value other than 0 or 1', 'card00 config 2\n', 2, { says: /^t\.trace:1: / }),
];

const ids: Case[] = [
  trace("kernel id syntax: '+1' (kstrtoul accepts a plus sign)", 'create m1\nm1 assign_adapter +1\n', 0, {
    item: [18],
  }),
  trace("kernel id syntax: '+0x1' (a plus sign and hex)", 'create m1\nm1 assign_adapter +0x1\n', 0, { item: [18] }),
  trace("kernel id syntax: '0x1f' (hex, outside the scope: ENODEV)", 'create m1\nm1 assign_adapter 0x1f\n', 0),
  trace("kernel id syntax: '0X1' (upper-case hex prefix)", 'create m1\nm1 assign_adapter 0X1\n', 0),
  trace("kernel id syntax: '010' (octal 8, outside the scope: ENODEV)", 'create m1\nm1 assign_adapter 010\n', 0),
  trace("kernel id syntax: '00' (octal zero)", 'create m1\nm1 assign_adapter 00\n', 0),
  trace("not kernel id syntax: '08' (8 is not octal)", 'create m1\nm1 assign_adapter 08\n', 2, {
    says: /^t\.trace:2: bad adapter '08'/,
  }),
  trace("not kernel id syntax: '0x' (no digits)", 'create m1\nm1 assign_adapter 0x\n', 2, {
    says: /^t\.trace:2: bad adapter '0x'/,
  }),
  trace("not kernel id syntax: '++1'", 'create m1\nm1 assign_adapter ++1\n', 2, { says: /^t\.trace:2: bad adapter/ }),
  trace("not kernel id syntax: '-1'", 'create m1\nm1 assign_adapter -1\n', 2, {
    says: /^t\.trace:2: bad adapter '-1'/,
  }),
  trace("not kernel id syntax: '1e3'", 'create m1\nm1 assign_adapter 1e3\n', 2, {
    says: /^t\.trace:2: bad adapter '1e3'/,
  }),
  trace("not kernel id syntax: '0b1'", 'create m1\nm1 assign_adapter 0b1\n', 2, {
    says: /^t\.trace:2: bad adapter '0b1'/,
  }),
  trace('an id beyond the architecture', 'create m1\nm1 assign_adapter 256\n', 2, {
    says: /^t\.trace:2: id 256 is beyond the architecture's 0\.\.255$/,
  }),
  trace('a domain id beyond the architecture', 'create m1\nm1 assign_domain 0x100\n', 2, { says: /^t\.trace:2: / }),
  trace('a 30-digit id', 'create m1\nm1 assign_adapter 999999999999999999999999999999\n', 2, { says: /^t\.trace:2: / }),
  trace('a 100k-digit id', `create m1\nm1 assign_adapter 1${'0'.repeat(100_000)}\n`, 2, { says: /^t\.trace:2: / }),
  trace('a host id beyond the architecture', 'host add adapter 4096\n', 2, { says: /^t\.trace:1: / }),
  trace('an APQN beyond the architecture', 'reprobe ff.ffff\n', 2, { says: /^t\.trace:1: / }),
  trace('a card beyond the scope', 'cardff config 0\n', 2, { says: /^t\.trace:1: / }),
  trace('an initial adapter list to 10^9', 'initial adapters=0-1000000000\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  // A kernel rejection is a result: these run and exit 0.
  trace('an id in the architecture but outside the scope (ENODEV)', 'create m1\nm1 assign_adapter 5\n', 0),
  trace('an mdev created twice (EEXIST)', 'create m1\ncreate m1\n', 0),
  trace('an operation on a removed mdev (ENOENT)', 'create m1\nm1 remove\nm1 assign_adapter 0\n', 0),
  trace('a malformed mask (EINVAL)', 'apmask 0xzz\n', 0),
  trace('a mask of 10 000 characters (EINVAL)', `apmask 0x${'f'.repeat(10_000)}\n`, 0),
  trace('stopping a guest that never started', 'create m1\nstop m1\n', 0),
];

const directives: Case[] = [
  trace('two scope lines', 'scope adapters=2\nscope adapters=3\ncreate m1\n', 2, { says: /^t\.trace:2: /, item: [14] }),
  trace('two policy lines', 'policy upstream\npolicy d0\ncreate m1\n', 2, { says: /^t\.trace:2: /, item: [14] }),
  trace('two identical policy lines', 'policy upstream\npolicy upstream\ncreate m1\n', 2, {
    says: /^t\.trace:2: /,
    item: [14],
  }),
  trace('two initial lines', 'initial adapters=0\ninitial adapters=1\ncreate m1\n', 2, {
    says: /^t\.trace:2: /,
    item: [14],
  }),
  trace('a key repeated within a scope line', 'scope adapters=2 adapters=3\ncreate m1\n', 2, {
    says: /^t\.trace:1: /,
    item: [14],
  }),
  trace('a key repeated within an initial line', 'initial adapters=0 adapters=1\ncreate m1\n', 2, {
    says: /^t\.trace:1: /,
    item: [14],
  }),
  trace('a directive after the first operation', 'create m1\nscope adapters=3\n', 2, {
    says: /^t\.trace:2: 'scope' must come before/,
  }),
  trace('scope of zero adapters', 'scope adapters=0\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  trace('scope of more than 32 adapters', 'scope adapters=33\ncreate m1\n', 2, {
    says: /^t\.trace:1: scope: adapters/,
  }),
  trace('scope of 9 mdevs', 'scope mdevs=9\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  trace('a negative scope', 'scope adapters=-1\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  trace('an unknown scope key', 'scope cpus=4\ncreate m1\n', 2, { says: /^t\.trace:1: bad 'cpus=4'/ }),
  trace("scope key '__proto__'", 'scope __proto__=1\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  trace('an unknown policy', 'policy upstrem\ncreate m1\n', 2, { says: /^t\.trace:1: unknown policy 'upstrem'/ }),
  trace('policy with no name', 'policy\ncreate m1\n', 2, { says: /^t\.trace:1: / }),
  trace("policy named '__proto__'", 'policy __proto__\ncreate m1\n', 2, { says: /^t\.trace:1: unknown policy/ }),
  trace("policy named 'constructor'", 'policy constructor\ncreate m1\n', 2, { says: /^t\.trace:1: unknown policy/ }),
  // A trace never loads code: a policy file named in it is refused, and the file does not run.
  {
    ...trace('a policy file named in a trace (relative)', 'policy ./evil.mjs\ncreate m1\n', 2, {
      says: /^t\.trace:1: .*--policy/,
      item: [5],
    }),
    files: {
      't.trace': 'policy ./evil.mjs\ncreate m1\n',
      'evil.mjs': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    },
  },
  {
    ...trace('a policy file named in a trace (absolute)', '', 2, { says: /^t\.trace:1: .*--policy/, item: [5] }),
    files: (dir: string) => ({
      't.trace': `policy ${dir}/evil.mjs\ncreate m1\n`,
      'evil.mjs': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    }),
  },
  {
    ...trace('a .ts policy file named in a trace, with explain', '', 2, { says: /^t\.trace:1: .*--policy/, item: [5] }),
    files: {
      't.trace': 'policy sub/evil.ts\ncreate m1\n',
      'sub/evil.ts': "import { writeFileSync } from 'node:fs';\nwriteFileSync('PWNED', 'x');\nexport default 42;\n",
    },
    argv: ['explain', 't.trace'],
  },
];

const huge: Case[] = [
  {
    ...trace('a 100k-operation trace', '', 0, { item: [7] }),
    files: () => ({ 't.trace': manyOps(100_000) }),
    ms: 15_000,
    slow: true,
  },
  {
    ...trace('a 100k-operation trace through explain --format sh', '', 0, { item: [7] }),
    files: () => ({ 't.trace': manyOps(100_000) }),
    argv: ['explain', '--format', 'sh', 't.trace'],
    ms: 15_000,
    slow: true,
  },
  {
    ...trace('a 100k-operation trace through convert', '', 0, { item: [7] }),
    files: () => ({ 't.trace': manyOps(100_000) }),
    argv: ['convert', 't.trace'],
    ms: 10_000,
    slow: true,
  },
  {
    ...trace('a 10 MB comment line', '', 2, { says: /^t\.trace:2: /, item: [8] }),
    files: () => ({ 't.trace': `create m1\n#${'x'.repeat(10 << 20)}\n` }),
  },
  {
    ...trace('a 10 MB operation line', '', 2, { says: /^t\.trace:2: /, item: [8] }),
    files: () => ({ 't.trace': `create m1\napmask ${'-0,'.repeat(3_500_000)}\n` }),
  },
  {
    ...trace('a 10 MB line of spaces', '', 2, { says: /^t\.trace:1: /, item: [8] }),
    files: () => ({ 't.trace': `${' '.repeat(10 << 20)}\n` }),
  },
  {
    ...trace('a 10 MB mdev name', '', 2, { says: /^t\.trace:1: /, item: [8] }),
    files: () => ({ 't.trace': `create m${'x'.repeat(10 << 20)}\n` }),
  },
  {
    ...trace('a 65 MB trace of short comment lines', '', 2, { says: /^t\.trace: .*(MB|large|size)/i, item: [8] }),
    files: () => ({
      't.trace': Buffer.concat([
        Buffer.from('create m1\n'),
        Buffer.alloc(65 << 20, '# padding padding padding padding padding padding padding padding\n'),
      ]),
    }),
    ms: 5000,
  },
  {
    ...trace('a directory as the trace', '', 2, { says: /^d: cannot read trace/ }),
    files: { 'd/x': '' },
    argv: ['run', 'd'],
  },
  {
    ...trace('a trace file that does not exist', '', 2, { says: /^nope\.trace: cannot read trace \(no such file\)$/ }),
    files: {},
    argv: ['run', 'nope.trace'],
  },
  {
    ...trace('/dev/null as the trace (a device, not a file)', '', 2, {
      says: /^\/dev\/null: cannot read trace \(a character device/,
    }),
    files: {},
    argv: ['run', '/dev/null'],
  },
  {
    name: '/dev/zero as the trace (endless NULs)',
    argv: ['run', '/dev/zero'],
    exit: 2,
    says: /^\/dev\/zero: /,
    spawn: true,
    ms: 8000,
    item: [8],
  },
  {
    name: '/dev/urandom as the trace (endless junk)',
    argv: ['convert', '/dev/urandom'],
    exit: 2,
    says: /^\/dev\/urandom: /,
    spawn: true,
    ms: 8000,
    item: [8],
  },
];

// explain and convert print what the trace holds: the text they print must be as clean as the errors.
const shown: Case[] = [
  {
    ...trace('explain: RTL override and escapes in comments', '# \u202Eheader\x1b[2J\ncreate m1 # a\u2028b\x07\n', 0),
    argv: ['explain', 't.trace'],
  },
  {
    ...trace(
      'explain --format md: HTML and RTL override in a comment',
      'create m1 # <script>alert(1)</script>\u202E\n',
      0,
    ),
    argv: ['explain', '--format', 'md', 't.trace'],
  },
  {
    ...trace('convert: control characters in a comment survive as JSON', 'create m1 # a\x1b[31mb\x7fc\n', 0),
    argv: ['convert', 't.trace'],
  },
];

export const TRACES: readonly Case[] = [
  ...controls,
  ...unicode,
  ...utf8,
  ...layout,
  ...ops,
  ...ids,
  ...directives,
  ...huge,
  ...shown,
];
