/** The environment apmc runs in: colour variables, terminal settings, locale, temporary directory. */
import type { Case } from './case.ts';

const T = 'create m1\nm1 assign_adapter 0\n';
const BAD = 'create m1\n\x1b[31mfrobnicate\u202E 3\n';

const env = (name: string, e: NonNullable<Case['env']>, exit: number, extra: Partial<Case> = {}): Case => ({
  name,
  env: e,
  files: { 't.trace': exit === 0 ? T : BAD, ...extra.files },
  argv: ['run', 't.trace'],
  exit,
  ...(exit === 2 ? { says: /^t\.trace:2: unknown operation/ } : {}),
  ...extra,
});

export const ENV: readonly Case[] = [
  env('FORCE_COLOR=3: the bad-input line stays plain', { NO_COLOR: undefined, FORCE_COLOR: '3' }, 2),
  env('FORCE_COLOR with an escape sequence as its value', { NO_COLOR: undefined, FORCE_COLOR: '\x1b[31m' }, 2),
  env('NO_COLOR and FORCE_COLOR both set: no colour', { NO_COLOR: '1', FORCE_COLOR: '3' }, 0),
  env('NO_COLOR empty and FORCE_COLOR=0: no colour', { NO_COLOR: '', FORCE_COLOR: '0' }, 0),
  env('TERM=dumb, COLUMNS=5, LINES=0', { TERM: 'dumb', COLUMNS: '5', LINES: '0' }, 0),
  env('COLUMNS=-1 and a bad trace', { COLUMNS: '-1' }, 2),
  env('TMPDIR that does not exist', { TMPDIR: '/nonexistent/apmc' }, 0),
  env('TMPDIR with a newline and a command', { TMPDIR: '/tmp/x\ntouch PWNED' }, 0, {
    argv: ['explain', '--format', 'sh', 't.trace'],
  }),
  env('HOME unset', { HOME: undefined }, 0),
  env('TZ that names no zone', { TZ: 'Nowhere/Atlantis' }, 0),
  env(
    'LC_ALL=tr_TR.UTF-8 (dotless i) and an upper-case policy name',
    {
      LC_ALL: 'tr_TR.UTF-8',
      LANG: 'tr_TR.UTF-8',
    },
    2,
    {
      argv: ['run', '--policy', 'UPSTREAM', 't.trace'],
      files: { 't.trace': T },
      says: /^unknown policy 'UPSTREAM' \(did you mean 'upstream'\?\)/,
    },
  ),
  env('a 1 MB environment variable', { APMC_JUNK: 'j'.repeat(1 << 20) }, 0),
];
