import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

const apmc = apmcInProcess;

/** Each example, its base, where the diff first differs, and the property check finds newly violated (if any). */
const PATCHES = [
  // At `all` the second insertion shows at once (the queue's node is in the table twice: `dup`).
  ['patch-link-no-check', 'upstream', /> 4 +m1 ap_config apm=0 aqm=0 adm=0 +ok +ok/, null],
  ['patch-queue-remove-keeps-link', 'upstream', /> 6 +unbind 00\.0000/, 'links-halves-agree'],
  [
    'patch-override-unrestricted',
    'upstream-6.19',
    /> 7 +driver_override 00\.0000 cex4queue +EINVAL +ok/,
    'override-within-rules',
  ],
  ['patch-in-use-linked', 'upstream', /> 8 +aqmask \+0 & +EBUSY +ok/, 'assigned-not-default-owned'],
] as const;

test('each example differs from its base on its trace (--observe all)', async () => {
  const outs = await Promise.all(
    PATCHES.map(([n, base]) =>
      apmc(['diff', '--policy', base, '--policy', `./examples/${n}.ts`, '--observe', 'all', `examples/${n}.trace`]),
    ),
  );
  PATCHES.forEach(([n, , first], i) => {
    assert.is(outs[i]!.code, 1, n);
    assert.match(outs[i]!.out, first, n);
  });
});

test('check --base finds a new violation of each patch', async () => {
  const found = PATCHES.filter((p) => p[3] !== null);
  const outs = await Promise.all(
    found.map(([n, base, , property]) =>
      apmc([
        'check',
        '--base',
        base,
        '--policy',
        `./examples/${n}.ts`,
        '--property',
        property!,
        '--seed',
        '2',
        '--runs',
        '20000',
        '--json',
      ]),
    ),
  );
  found.forEach(([n], i) => {
    assert.is(outs[i]!.code, 1, n);
    const [r] = (JSON.parse(outs[i]!.out) as { results: { status: string }[] }).results;
    assert.is(r?.status, 'new', n);
  });
});

test('the sh replay writes driver_override for real, and its cleanup clears it before the masks', async () => {
  const o = await apmc([
    'explain',
    '--format',
    'sh',
    '--policy',
    'upstream-6.19',
    'examples/patch-override-unrestricted.trace',
  ]);
  assert.is(o.code, 0);
  assert.match(o.out, `wr "$AP/devices/$(apqn "$A0" "$D0")/driver_override" 'cex4queue' EINVAL`);
  const clear = o.out.indexOf(`quiet "$AP/devices/$_q/driver_override" ''`);
  assert.ok(clear > 0 && clear < o.out.indexOf('quiet "$AP/apmask"'), 'overrides are cleared before the mask writes');
});

test.run();
