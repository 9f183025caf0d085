/**
 * Why: apmc runs as root and writes into directories other users can write to. Its files must be
 * written without following a planted symlink (at the temporary name or the final one), and a saved
 * counterexample's path must not be chosen by a policy's name.
 */
import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SCOPE } from '../model/scope.ts';
import type { Finding } from '../check/finding.ts';
import { writeReport } from './report.ts';
import { checkOutputDir, writeFileSafe } from './safe-write.ts';
import { saveFound, writeNew } from './save.ts';

const root = mkdtempSync(join(tmpdir(), 'apmc-safe-write-'));
let n = 0;
/** A fresh directory, and a victim file outside it that must never change. */
function fresh(): { dir: string; victim: string } {
  const base = join(root, String(n++));
  mkdirSync(join(base, 'out'), { recursive: true });
  const victim = join(base, 'victim');
  writeFileSync(victim, 'precious\n');
  return { dir: join(base, 'out'), victim };
}
const names = (dir: string): string[] => readdirSync(dir).sort();

// ---
const links = suite('writes never follow a planted symlink');

links("writeNew: a symlink at the old temporary name '<file>.tmp-<pid>' is not written through", () => {
  const { dir, victim } = fresh();
  const path = join(dir, 'x.json');
  symlinkSync(victim, `${path}.tmp-${process.pid}`);
  assert.ok(writeNew(path, 'new\n'));
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.is(readFileSync(path, 'utf8'), 'new\n');
});

links("writeReport: a symlink at the old temporary name '.index.html.tmp-<pid>' is not written through", () => {
  const { dir, victim } = fresh();
  symlinkSync(victim, join(dir, `.index.html.tmp-${process.pid}`));
  const path = writeReport(dir, '<p>report</p>');
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.is(readFileSync(path, 'utf8'), '<p>report</p>');
});

links('writeFileSafe: many planted symlinks and files in the directory are left alone; the temporary is gone', () => {
  const { dir, victim } = fresh();
  // Every name a predictable scheme could use, pointing at the victim.
  const pid = process.pid;
  for (const s of [`x.tmp-${pid}`, `.x.tmp-${pid}`, `x.${pid}.tmp`, 'x.tmp', '.x.tmp']) {
    symlinkSync(victim, join(dir, s));
  }
  const before = names(dir);
  for (const mode of ['replace', 'new'] as const) {
    const path = join(dir, `x-${mode}`);
    assert.ok(writeFileSafe(path, mode, mode));
    assert.is(readFileSync(path, 'utf8'), mode);
    assert.ok(lstatSync(path).isFile());
  }
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(names(dir), [...before, 'x-new', 'x-replace'].sort());
});

links("writeFileSafe 'replace': a symlink at the final name is refused, nothing written", () => {
  const { dir, victim } = fresh();
  const path = join(dir, 'index.html');
  symlinkSync(victim, path);
  assert.throws(() => writeFileSafe(path, 'evil', 'replace'), /is a symbolic link/);
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(names(dir), ['index.html']);
});

links("writeFileSafe 'new': an existing name (a symlink too) is kept, nothing written through it", () => {
  const { dir, victim } = fresh();
  const path = join(dir, 'x.json');
  symlinkSync(victim, path);
  assert.not.ok(writeFileSafe(path, 'evil', 'new'));
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
  assert.equal(names(dir), ['x.json']);
});

links('writeFileSafe: a failure removes the temporary', () => {
  const { dir } = fresh();
  mkdirSync(join(dir, 'index.html'));
  assert.throws(() => writeFileSafe(join(dir, 'index.html'), 'x', 'replace'));
  assert.equal(names(dir), ['index.html']);
});

links.run();

// ---
const save = suite('--save: names are slugs, paths stay inside the directory');

const found = (property: string): Finding => {
  return { engine: 'random', property, ops: [], at: null, reason: 'r', cases: 1, ms: 0, seed: 0, path: '' };
};

save("hostile policy names ('../../x', '/etc/passwd', newline, NUL, dots, long) stay inside, as slugs", () => {
  const { dir } = fresh();
  const hostile = ['../../x', '/etc/passwd', 'a\nb', 'a\0b', '..', '.hidden', '-rf', 'Upper Case', 'x'.repeat(500)];
  hostile.push('é', '');
  const paths = new Set<string>();
  for (const name of hostile) {
    const { path, written } = saveFound(dir, DEFAULT_SCOPE, name, found('order-independence'), null);
    assert.ok(written, name);
    const rel = relative(dir, path);
    assert.ok(!rel.startsWith('..') && !rel.startsWith(sep), `${JSON.stringify(name)}: ${path}`);
    const parts = rel.split(sep);
    assert.is(parts.length, 2, rel);
    assert.is(parts[0], 'order-independence');
    assert.match(parts[1]!, /^[a-z0-9_][a-z0-9._-]*\.json$/, JSON.stringify(name));
    assert.ok(parts[1]!.length <= 100, parts[1]);
    paths.add(path);
  }
  assert.is(paths.size, hostile.length, 'distinct names give distinct files');
  assert.not.ok(existsSync(join(root, 'x')));
});

save('a plain policy name is used as it is', () => {
  const { dir } = fresh();
  const { path } = saveFound(dir, DEFAULT_SCOPE, 'v12-fcfs', found('order-independence'), null);
  assert.match(relative(dir, path), /^order-independence\/v12-fcfs-[0-9a-f]{8}\.json$/);
});

save.run();

// ---
const where = suite('output locations checked before a run');

where('good: an existing writable directory, one to be created', () => {
  const { dir } = fresh();
  checkOutputDir('--save', dir);
  checkOutputDir('--report', join(dir, 'a', 'b'), ['index.html']);
  assert.equal(names(dir), [], 'nothing created');
});

where('bad: empty, a file, under /proc, /sys, /dev (also through a symlink), a symlinked index.html', () => {
  const { dir, victim } = fresh();
  symlinkSync('/proc', join(dir, 'p'));
  mkdirSync(join(dir, 'r'));
  symlinkSync(victim, join(dir, 'r', 'index.html'));
  const cases: [string, string[], RegExp][] = [
    ['', [], /empty/],
    [victim, [], /is not a directory/],
    [join(victim, 'sub'), [], /is not a directory/],
    ['/proc/x', [], /under \/proc/],
    ['/proc', [], /under \/proc/],
    ['/sys/kernel/x', [], /under \/sys/],
    ['/dev/null', [], /under \/dev/],
    [join(dir, 'p', 'self'), [], /under \/proc/],
    [join(dir, 'r'), ['index.html'], /symbolic link/],
  ];
  if (process.getuid?.() !== 0) cases.push(['/x/y', [], /not writable/]);
  for (const [d, files, msg] of cases) assert.throws(() => checkOutputDir('--report', d, files), msg, d);
  assert.is(readFileSync(victim, 'utf8'), 'precious\n');
});

where.run();
