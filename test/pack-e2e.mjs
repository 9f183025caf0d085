// The package as a user gets it (.ci/run, after npm test; `npm run test:pack`): in a temporary directory outside the
// repository, `npm pack` the project (prepack builds dist/), check the tarball's file list, `npm install` the tarball
// into a fresh project made of examples/library/, run that project's node:test suite in plain Node (no TypeScript
// loader: it imports apmc's built JavaScript and calls check on a policy file), and run the installed CLI on the same
// file. Any failure prints the step, its command and its output, and exits 1; the directory is removed either way.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const EXAMPLE = join(ROOT, 'examples/library');
const tmp = realpathSync(mkdtempSync(join(tmpdir(), 'apmc-pack-')));
if (!relative(ROOT, tmp).startsWith('..')) throw new Error(`pack-e2e: ${tmp} is inside the repository`);
// A plain Node: no loader or option from the calling environment (npm test runs under tsx).
const env = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false' };
const t0 = Date.now();

class StepFailed extends Error {}

function step(what, cmd, args, cwd, ok = (r) => r.status === 0) {
  const t = Date.now();
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 64 << 20, timeout: 10 * 60_000 });
  const s = ((Date.now() - t) / 1000).toFixed(1);
  if (r.error || !ok(r)) {
    const how = r.error ? r.error.message : r.signal ? `signal ${r.signal}` : `exit ${r.status}`;
    console.error(`pack-e2e: FAILED: ${what} (${how}, ${s} s)\n$ (cd ${cwd} && ${[cmd, ...args].join(' ')})`);
    console.error(`--- stdout\n${r.stdout ?? ''}\n--- stderr\n${r.stderr ?? ''}`);
    throw new StepFailed(what);
  }
  console.log(`pack-e2e: ${what}: ok (${s} s)`);
  return r;
}

function expect(cond, what) {
  if (!cond) {
    console.error(`pack-e2e: FAILED: ${what}`);
    throw new StepFailed(what);
  }
}

function cleanup() {
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  });
}

try {
  // prepack builds dist/; the JSON on stdout lists the files packed.
  const pack = step('npm pack', 'npm', ['pack', '--json', '--pack-destination', tmp], ROOT);
  const [info] = JSON.parse(pack.stdout.slice(pack.stdout.indexOf('[')));
  const files = info.files.map((f) => f.path);
  const unwanted = files.filter((f) =>
    /(^|\/)(test|bench|counterexamples|examples|traces)\/|\.test\.[mc]?[jt]s$/.test(f),
  );
  expect(unwanted.length === 0, `the tarball holds tests, benches or fixtures: ${unwanted.slice(0, 5).join(', ')}`);
  for (const f of ['dist/api/index.js', 'dist/api/index.d.ts', 'bin/apmc.js', 'LICENSE', 'CHANGELOG.md'])
    expect(files.includes(f), `the tarball lacks ${f}`);
  const tarball = join(tmp, info.filename);

  const project = join(tmp, 'project');
  mkdirSync(project);
  const manifest = JSON.parse(readFileSync(join(EXAMPLE, 'package.json'), 'utf8'));
  manifest.devDependencies.apmc = `file:${tarball}`;
  writeFileSync(join(project, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const f of ['refilter.ts', 'refilter.test.mjs']) copyFileSync(join(EXAMPLE, f), join(project, f));
  step('npm install the tarball', 'npm', ['install'], project);
  const installed = realpathSync(join(project, 'node_modules/apmc'));
  expect(installed.startsWith(project), `node_modules/apmc is not a copy in the project: ${installed}`);

  const suite = step('node --test (the example suite, plain Node)', process.execPath, ['--test'], project);
  expect(/^# pass [1-9]/m.test(suite.stdout) && /^# fail 0$/m.test(suite.stdout), 'the suite ran no passing test');

  const args = ['apmc', 'check', '--policy', './refilter.ts', '--property', 'I7', '--runs', '300', '--json'];
  const cli = step('npx apmc check (the installed CLI)', 'npx', ['--no-install', ...args], project);
  const report = JSON.parse(cli.stdout);
  expect(report.format === 'apmc-check/1' && report.exit === 0, `apmc check --json: exit ${report.exit}`);
  console.log(`pack-e2e: passed in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
} catch (e) {
  if (!(e instanceof StepFailed)) console.error('pack-e2e: FAILED:', e);
  process.exitCode = 1;
} finally {
  cleanup();
}
