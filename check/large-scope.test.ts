// Why: a scope's symmetry group grows as a!·d!·c!; enumerating it at 6×6 took 33 s and 1.4 GB, and at 16×16 `apmc
// check` ran out of heap before its first case. Beyond MAX_ID_PERMS the searches run without the reduction and the
// random engine's coverage key is the state's own packed key.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { idPermCount, MAX_ID_PERMS, symmetryFits } from '../exhaustive/group.ts';
import { makeSpace } from '../exhaustive/space.ts';
import { upstream } from '../model/policies/index.ts';
import { DEFAULT_SCOPE, type Scope } from '../model/scope.ts';
import { initialState } from '../model/state.ts';
import { step } from '../model/step.ts';
import { runInProcess, ROOT } from '../test/cli-harness.ts';
import { canonicalCoverage } from './run.ts';

const scope = (a: number, d: number, c = 1): Scope => ({
  ...DEFAULT_SCOPE,
  adapters: a,
  domains: d,
  control_domains: c,
});

test('the renamings counted: up to 4×4×2 they are enumerated, from 5×5 on they are not', () => {
  assert.is(idPermCount(scope(4, 4, 2)), MAX_ID_PERMS);
  assert.ok(symmetryFits(scope(4, 4, 2)));
  assert.not.ok(symmetryFits(scope(5, 5)));
  assert.not.ok(symmetryFits(scope(64, 64)));
  assert.ok(makeSpace({ scope: scope(2, 2), policy: upstream }, { symmetry: true }).sym !== null);
  assert.is(makeSpace({ scope: scope(6, 6), policy: upstream }, { symmetry: true }).sym, null);
});

test('coverage at 16×16: made at once, and states that differ have different keys', () => {
  const t0 = Date.now();
  const s16 = scope(16, 16);
  const key = canonicalCoverage(s16);
  assert.ok(Date.now() - t0 < 2000, `${Date.now() - t0} ms`);
  const s0 = initialState(s16);
  const s1 = step({ scope: s16, policy: upstream }, s0, { kind: 'apmask', value: '-3' }).state;
  assert.is.not(key(s0), key(s1));
  assert.is(key(s0), key(initialState(s16)));
  // At the default scope the key is canonical: the same mask write on another adapter gives the same class.
  const k2 = canonicalCoverage(DEFAULT_SCOPE);
  const cfg = { scope: DEFAULT_SCOPE, policy: upstream };
  const a = step(cfg, initialState(DEFAULT_SCOPE), { kind: 'apmask', value: '-0' }).state;
  const b = step(cfg, initialState(DEFAULT_SCOPE), { kind: 'apmask', value: '-1' }).state;
  assert.is(k2(a), k2(b));
});

test('apmc check at 16×16 runs, and an exhaustive search at 5×5 says that symmetry reduction is off', async () => {
  const big = ['--policy', 'upstream', '--adapters', '16', '--domains', '16', '--no-config'];
  const r = await runInProcess(['check', ...big, '--runs', '20'], ROOT, { NO_COLOR: '1' }, 60_000);
  assert.ok(r.code === 0 || r.code === 4 || r.code === 5, `exit ${r.code}: ${r.err}`);
  const x = await runInProcess(
    ['check', '--policy', 'upstream', '--adapters', '5', '--domains', '5', '--engine', 'exhaustive', '--depth', '1'],
    ROOT,
    { NO_COLOR: '1' },
    60_000,
  );
  assert.match(x.err, /symmetry reduction off: 14,400 renamings of adapters and domains \(at most 1,152\)/);
});

test.run();
