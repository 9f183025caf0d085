/**
 * What `npm pack` puts in the package (package.json `files`): the built library (dist/, JavaScript and declarations),
 * the CLI and the sources it runs from, LICENSE and CHANGELOG.md; no tests, benches, fixtures or examples. The dry
 * run builds dist/ first (prepack), as a real pack does.
 */
import { execFile } from 'node:child_process';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ROOT } from './cli-harness.ts';

const packed = (): Promise<string[]> =>
  new Promise((done, fail) => {
    const env = { ...process.env, NODE_OPTIONS: '', npm_config_audit: 'false', npm_config_fund: 'false' };
    execFile('npm', ['pack', '--dry-run', '--json'], { cwd: ROOT, env, maxBuffer: 64 << 20 }, (e, out, err) => {
      if (e) return fail(new Error(`npm pack --dry-run: ${e.message}\n${err}`));
      const [info] = JSON.parse(out.slice(out.indexOf('['))) as [{ files: { path: string }[] }];
      done(info.files.map((f) => f.path));
    });
  });

test('npm pack: dist with its declarations, the CLI, the licence; no tests, benches or fixtures', async () => {
  const files = await packed();
  const unwanted = files.filter((f) => /(^|\/)(test|bench|counterexamples|examples|traces|docs)\/|\.test\./.test(f));
  assert.equal(unwanted, []);
  for (const f of [
    'package.json',
    'README.md',
    'LICENSE',
    'CHANGELOG.md',
    'dist/api/index.js',
    'dist/api/index.d.ts',
    'dist/api/check.d.ts',
    'dist/model/index.d.ts',
    'dist/bin/policy-hooks.mjs',
    'bin/apmc.js',
    'bin/main.ts',
    'bin/sandbox-worker.js',
    'bin/exhaustive-worker.js',
  ])
    assert.ok(files.includes(f), `the package lacks ${f}`);
  // Every module of the library has its declarations.
  for (const js of files.filter((f) => /^dist\/.+\.js$/.test(f)))
    assert.ok(files.includes(js.replace(/\.js$/, '.d.ts')), `${js} has no declarations`);
});

test.run();
