// The bundle of apmc's modules (bin/bundle.mjs): a real apmc process runs from it, gives what the sources give,
// shares one module instance with a policy file's `import … from 'apmc'`, and is rebuilt when a source changes.
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { freshBundle } from './bundle.mjs';
import { freshDir, ROOT, writeFiles } from '../test/cli-harness.ts';

interface Run {
  readonly code: number;
  readonly out: string;
  readonly err: string;
}

/** `node <root>/bin/apmc.js args` in `cwd`, colour off, over `env`. */
function apmc(args: readonly string[], cwd: string, env: Record<string, string> = {}, root = ROOT): Promise<Run> {
  return new Promise((done) => {
    const opts = { cwd, encoding: 'utf8' as const, env: { ...process.env, NO_COLOR: '1', ...env } };
    execFile(process.execPath, [join(root, 'bin/apmc.js'), ...args], opts, (e, out, err) =>
      done({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err }),
    );
  });
}

const SOURCES = { APMC_NO_BUNDLE: '1' };
// The bundle is what these tests are about, whatever the suite was run with.
delete process.env['APMC_NO_BUNDLE'];
// A `--json` summary without its clock readings.
const timeless = (json: string): string => json.replace(/"(ms|seconds|[a-z_]*_ms|rate|per_second)": [0-9.e+-]+/g, '');

test('a process leaves a bundle up to date with the sources', async () => {
  const r = await apmc(['policies'], ROOT);
  assert.is(r.code, 0, r.err);
  const dir = freshBundle();
  assert.ok(dir !== null, 'no current bundle after a run');
  for (const entry of ['main.js', 'api.js', 'sandbox-thread.js', 'exhaustive-worker.js'])
    assert.ok(readFileSync(new URL(entry, dir!)).length > 0, entry);
});

test('check gives the same summary from the bundle as from the sources', async () => {
  const args = ['check', '--policy', 'upstream', '--policy', './examples/refilter-on-unassign.ts'];
  const more = ['--runs', '300', '--seed', '5', '--json', '--no-config'];
  const [a, b] = await Promise.all([apmc([...args, ...more], ROOT), apmc([...args, ...more], ROOT, SOURCES)]);
  assert.is(a.code, b.code, `${a.err}\n${b.err}`);
  assert.ok(a.out.length > 1000, a.err);
  assert.is(timeless(a.out), timeless(b.out));
});

// examples/patch-link-no-check.ts written with a static import: the hang its block throws is a KernelStop only
// if `apmc` is the instance the reducer catches it with; another instance's would be a policy error (exit 7).
const IMPORTED = `import { extend, hashAdd, upstream } from 'apmc';
export default extend(upstream, { name: 'p', summary: 'no check', blocks: { link: hashAdd } });
`;

test("a policy file's `import from 'apmc'` is the bundle's own instance", async () => {
  const d = freshDir('apmc-bundle-');
  writeFiles(d, { 'p.ts': IMPORTED });
  const trace = join(ROOT, 'examples/patch-link-no-check.trace');
  for (const env of [{}, SOURCES]) {
    const r = await apmc(['run', '--policy', './p.ts', trace], d, env);
    assert.is(r.code, 0, r.err);
    assert.match(r.out, /hang/, JSON.stringify(env));
    // The same in the worker threads of a parallel search: a violation (the hang), no policy error.
    const search = ['check', '--engine', 'exhaustive', '--workers', '2', '--depth', '4', '--policy', './p.ts'];
    const x = await apmc([...search, '--property', 'no-kernel-warning', '--no-config'], d, env);
    const found = /no-kernel-warning \(E1\) +violated/.test(x.out) && !/POLICY ERROR|policy error/i.test(x.out);
    assert.ok(found, `${JSON.stringify(env)}: exit ${x.code}\n${x.out}${x.err}`);
  }
});

test('a changed source is bundled again before the next run', async () => {
  const copy = mkdtempSync(join(tmpdir(), 'apmc-bundle-src-'));
  for (const d of ['api', 'bin', 'check', 'exhaustive', 'model', 'properties', 'render', 'trace'])
    cpSync(join(ROOT, d), join(copy, d), { recursive: true, filter: (p) => !p.endsWith('.test.ts') });
  cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
  // Its packages are this checkout's; its cache is its own.
  mkdirSync(join(copy, 'node_modules'));
  for (const name of readdirSync(join(ROOT, 'node_modules')))
    if (name !== '.cache') symlinkSync(join(ROOT, 'node_modules', name), join(copy, 'node_modules', name));
  const before = await apmc(['policies'], copy, {}, copy);
  assert.is(before.code, 0, before.err);
  const file = join(copy, 'model/policies/static.ts');
  const text = readFileSync(file, 'utf8');
  const summary = /summary: '([^']+)'/.exec(text)?.[1];
  assert.ok(summary !== undefined && before.out.includes(summary.slice(0, 30)), 'static summary shown');
  writeFileSync(file, text.replace(summary!, 'A summary edited after the bundle was built'));
  const after = await apmc(['policies'], copy, {}, copy);
  assert.is(after.code, 0, after.err);
  assert.match(after.out, /A summary edited after the bundle/);
  rmSync(copy, { recursive: true, force: true });
});

test.run();
