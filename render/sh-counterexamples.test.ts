/**
 * Why: every saved counterexample is something a reviewer may want to replay on an LPAR, as root. Its
 * script must be valid POSIX sh, pass shellcheck, and run to the end against a fake sysfs that answers as
 * the model does (exit 0, or 4 when manual steps had to be skipped). Counterexamples travel by email, so
 * each script is made with hostile text (test/fake-sysfs.ts hostileTexts) in every field that reaches it:
 * the note, the property, the source file name, the policy's name and summary, the trace's policy line
 * and comments, and a malformed mask value. No script may hold a raw control or line-separator character
 * outside a newline, and no injected command may run (a canary file must not appear).
 *
 * shellcheck takes about 0.5 s of CPU per script, most of it in the fixed library part. So by default
 * it checks the smallest set of scripts that together contain every distinct line shape (ids and
 * quoted text aside) of all of them: the first in full, the others without the library functions
 * (render/sh-lib.ts SH_FUNCTIONS, the same text in every script), in two parallel processes.
 * SHELLCHECK=all checks every script in full. The fake-sysfs runs also go two at a time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { parseCounterexample } from '../properties/counterexample.ts';
import type { Policy } from '../model/policy.ts';
import { hostileTexts, runFakeAsync, type FakeRun } from '../test/fake-sysfs.ts';
import type { Trace } from '../trace/types.ts';
import { SH_FUNCTIONS } from './sh-lib.ts';
import { renderSh } from './sh.ts';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(ROOT, 'counterexamples');
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();
const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
const tmp = mkdtempSync(join(tmpdir(), 'apmc-sh-'));
const scripts: { readonly file: string; readonly path: string; readonly text: string }[] = [];
const canaries = join(tmp, 'canary');
mkdirSync(canaries);
const hostile = hostileTexts((tag) => join(canaries, tag));
/** The hostile text for field `j` of counterexample `i`: over all of them, every text reaches every field. */
const H = (i: number, j: number): string => hostile[(i + j) % hostile.length]!.text;
/** Characters no script may hold raw (a newline aside): they end a line, or change how it shows. */
const RAW = /(?!\n)[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u;

/** The counterexample's trace with hostile comments, policy line, and a last, malformed mask write. */
function decorate(t: Trace, i: number): Trace {
  const [first, ...rest] = t.steps;
  const value = H(i, 7).replace(/[\s#]+/g, '${IFS}');
  return {
    ...t,
    policy: H(i, 8),
    header: [...t.header, H(i, 9)],
    steps: [
      ...(first ? [{ ...first, comment: H(i, 5), before: [...(first.before ?? []), H(i, 6)] }] : []),
      ...rest,
      { op: { kind: 'apmask', value }, comment: H(i, 10) },
    ],
    trailer: [...t.trailer, H(i, 11)],
  };
}

/** Greedy set cover over line shapes: the scripts that together show every kind of generated line. */
function coveringSet(xs: typeof scripts): typeof scripts {
  // A shape: the line with quoted text, numbers and repeated words (one APQN or several) collapsed.
  const shape = (l: string) =>
    l
      .replace(/'[^']*'/g, "''")
      .replace(/\d+/g, '#')
      .replace(/( \S+)\1+/g, '$1');
  const shapes = (t: string) =>
    new Set(
      t
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .map(shape),
    );
  const left = new Set(xs.flatMap((x) => [...shapes(x.text)]));
  const chosen: typeof scripts = [];
  while (left.size > 0) {
    let best = xs[0]!;
    let gain = -1;
    for (const x of xs) {
      const g = [...shapes(x.text)].filter((s) => left.has(s)).length;
      if (g > gain) [best, gain] = [x, g];
    }
    chosen.push(best);
    for (const s of shapes(best.text)) left.delete(s);
  }
  return chosen;
}

const t = suite('replay scripts of the saved counterexamples');

t('there are counterexamples', () => {
  assert.ok(files.length >= 20, `only ${files.length}`);
});

interface Case {
  readonly file: string;
  readonly path: string;
  readonly text: string;
  readonly manual: boolean;
  readonly syntax: { readonly status: number | null; readonly stderr: string };
  run?: FakeRun;
}
const cases = new Map<string, Case>();
const pending: (() => Promise<void>)[] = [];

// Render every script, check its syntax, then run them all in the fake sysfs, two at a time (2 cores).
t.before(async () => {
  for (const [i, f] of files.entries()) {
    const cx = parseCounterexample(JSON.parse(readFileSync(join(DIR, f), 'utf8')), f);
    const loaded = await loadPolicy(cx.trace.policy ?? 'upstream', ROOT);
    const policy: Policy = { ...loaded, name: `${loaded.name} ${H(i, 0)}`, summary: H(i, 1) };
    const trace = decorate(cx.trace, i);
    const text = renderSh(trace, {
      policy,
      property: `${cx.property} ${H(i, 2)}`,
      note: `${cx.note} ${H(i, 3)}`,
      source: `counterexamples/${f}${H(i, 4)}`,
      ...(cx.other ? { other: cx.other } : {}),
    });
    const path = join(tmp, f.replace(/\//g, '__') + '.sh');
    writeFileSync(path, text);
    const syntax = spawnSync('sh', ['-n', path], { encoding: 'utf8' });
    const manual = [...cx.trace.steps.map((st) => st.op), ...(cx.other ?? [])].some(
      (op) => op.kind === 'host' || op.kind === 'fault',
    );
    const c: Case = { file: f, path, text, manual, syntax: { status: syntax.status, stderr: syntax.stderr } };
    cases.set(f, c);
    scripts.push(c);
    const other = cx.other ? { other: cx.other } : {};
    pending.push(() => runFakeAsync(text, trace, { policy, cwd: canaries, ...other }).then((r) => void (c.run = r)));
  }
  const queue = [...pending];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await job();
  };
  await Promise.all([worker(), worker()]);
});
for (const f of files) {
  t(`${f}: valid sh, runs to the end in a fake sysfs`, () => {
    const c = cases.get(f)!;
    assert.is(c.syntax.status, 0, c.syntax.stderr);
    const r = c.run!;
    assert.is(r.status, c.manual ? 4 : 0, r.stdout + r.stderr);
    assert.not.match(r.stdout, 'MISMATCH');
    assert.match(r.stdout, c.manual ? 'not a full replay' : 'reality agrees with the model');
    const raw = RAW.exec(c.text);
    assert.is(raw, null, `raw U+${raw?.[0].codePointAt(0)?.toString(16).padStart(4, '0')} in the script`);
  });
}

t('every hostile text reached every field, and none ran a command', () => {
  assert.ok(files.length >= hostile.length, `${files.length} counterexamples for ${hostile.length} hostile texts`);
  assert.equal(readdirSync(canaries), []);
});

/** shellcheck over some files: its gcc-format findings ('' when clean). */
function shellcheck(paths: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('shellcheck', ['-s', 'sh', '-f', 'gcc', ...paths], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('error', reject);
    p.on('close', (code) => resolve(code === 0 ? out : out || `shellcheck exited ${code}`));
  });
}

t(`shellcheck${hasShellcheck ? '' : ' (not installed: skipped)'}`, async () => {
  if (!hasShellcheck) return;
  const all = process.env['SHELLCHECK'] === 'all';
  const chosen = all ? scripts : coveringSet(scripts);
  const paths = chosen.map((x, i) => {
    if (all || i === 0) return x.path;
    assert.ok(x.text.includes(SH_FUNCTIONS), `${x.file}: the library is not in the script verbatim`);
    const stripped = x.path.replace(/\.sh$/, '.body.sh');
    writeFileSync(stripped, x.text.replace(SH_FUNCTIONS, ''));
    return stripped;
  });
  const half = Math.ceil(paths.length / 2);
  const found = (await Promise.all([shellcheck(paths.slice(0, half)), shellcheck(paths.slice(half))])).join('');
  assert.is(found, '', `shellcheck of ${chosen.map((x) => x.file).join(', ')}`);
});

t.after(() => rmSync(tmp, { recursive: true, force: true }));

t.run();
