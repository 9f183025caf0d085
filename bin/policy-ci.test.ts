/**
 * A patch's CI: a variant of `static` in a policy file, outside the repository (a temporary directory, a `.ts`
 * file, no package.json), declares its base (extend) and its own expected violations; `apmc check --ci` on it
 * passes, static's expectations counting through the base.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { runInProcess } from '../test/cli-harness.ts';

const VARIANT = `import { extend, staticPolicy } from 'apmc';

// static, but attaching an mdev with no adapter assigned gives EINVAL.
export default extend(staticPolicy, {
  name: 'static-no-empty-attach',
  summary: 'static, but attaching an mdev with no adapter assigned gives EINVAL',
  attach: (cfg, s, m, vm) => {
    const mdev = s.mdevs[m];
    if (mdev && mdev.matrix.apm === 0) return 'EINVAL';
    return staticPolicy.attach(cfg, s, m, vm);
  },
  expected: {
    I9: { kind: 'design', why: 'As in static: a mask write re-probes a running guest’s queue to cex4queue.' },
    'no-apqn-in-two-mdevs': null,
  },
});
`;

const ci = suite('apmc check --ci on a policy file that declares itself');

ci('a variant of static passes --ci from a directory without package.json', async () => {
  const d = mkdtempSync(join(tmpdir(), 'apmc-ci-'));
  writeFileSync(join(d, 'variant.ts'), VARIANT);
  const argv = ['check', '--ci', '--policy', './variant.ts', '--runs', '20000', '--verbose'];
  const r = await runInProcess(argv, d, { NO_COLOR: '1' }, 60_000);
  assert.is(r.code, 0, r.out.slice(-600) + r.err);
  assert.match(r.out, /violations, all expected; 0 new; exit 0/);
  // Its own sentence, not static's.
  assert.match(r.out, /As in static: a mask write re-probes/);
});

ci.run();
