/**
 * Why: the replay script's safety rests on two functions. shWord must give the shell back exactly the
 * string it was given, whatever it holds, under dash and bash; shLine must leave nothing that ends a
 * line or changes how it shows, and stay readable back.
 */
import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hostileTexts } from '../test/fake-sysfs.ts';
import { shComment, shLine, shWord } from './shell-quote.ts';

const hostile = hostileTexts((tag) => `/tmp/canary-${tag}`).map((h) => h.text);
const fixed = ['', "'", "''", "'\\''", '\\', '"', '$', '`', '\n', '\n\n', 'a\n', '\r', '\t', '-n', '*', '~', '#x'];
const random = fc
  .sample(fc.string({ unit: 'binary', maxLength: 40 }), { numRuns: 300, seed: 7 })
  .filter((s) => !s.includes('\0'));
const all = [...fixed, ...hostile, ...random];
/** The UTF-8 bytes the shell has for a string (a lone surrogate is U+FFFD in the script file). */
const bytes = (s: string) => Buffer.from(s, 'utf8');

const t = suite('shell quoting');

for (const shell of ['sh', 'bash']) {
  t(`shWord: ${shell} gets back exactly the string (${all.length} strings, hostile and random)`, () => {
    if (spawnSync(shell, ['-c', ':']).status !== 0) return;
    const script = `printf '%s\\0' ${all.map(shWord).join(' ')}\n`;
    const r = spawnSync(shell, ['-c', script], { maxBuffer: 1 << 26 });
    assert.is(r.status, 0, r.stderr.toString());
    assert.ok(r.stdout.equals(Buffer.concat(all.map((s) => Buffer.concat([bytes(s), Buffer.from([0])])))));
  });
}

t('shWord: no raw character that ends a line or drives a terminal, a newline aside', () => {
  for (const s of all) assert.not.match(shWord(s), /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u, JSON.stringify(s));
  assert.is(shWord("it's"), `'it'\\''s'`);
  assert.is(shWord(''), "''");
  assert.is(shWord('a\x1bb'), `'a'"$(printf '\\033')"'b'`);
});

t('shWord: NUL cannot be in a shell word, and is refused', () => {
  assert.throws(() => shWord('a\0b'), /NUL/);
});

/** The inverse of shLine. */
const unShLine = (s: string) =>
  s.replace(/\\(\\|x([0-9a-f]{2})|u\{([0-9a-f]+)\})/g, (_, e: string, x?: string, u?: string) =>
    e === '\\' ? '\\' : String.fromCodePoint(parseInt((x ?? u)!, 16)),
  );

t('shLine: one printable line, read back exactly; comments cannot end early', () => {
  for (const s of [...all, 'a\0b']) {
    const l = shLine(s);
    assert.not.match(l, /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u, JSON.stringify(s));
    assert.is(unShLine(l), s);
    assert.ok(shComment(s).startsWith('#'));
  }
  assert.is(shLine('a\nb\u2028c\\x0a\u202e'), 'a\\x0ab\\u{2028}c\\\\x0a\\u{202e}');
  assert.is(shLine('Linux 6.0–6.7 §10'), 'Linux 6.0–6.7 §10');
});

t.run();
