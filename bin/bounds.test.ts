/**
 * Bounds and what a run says at its end: the exhaustive engine honours --time, SIGINT and
 * --max-memory at 4×4×2 (where one state's expansion takes a large share of a second), an undecided
 * search never exits 0, and the closing line of check and merge counts what the verdicts were.
 * The full 4×4×2 figures (--time 5, progress on a pty, SIGINT, --max-memory 256 on 1 and 2 workers)
 * are bench/bounds.ts's.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exploreExhaustiveAsync } from '../exhaustive/engine.ts';
import { StateStore } from '../exhaustive/store.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Scope } from '../model/scope.ts';
import { expectation } from '../properties/expected.ts';
import { PROPERTIES, propertyByName } from '../properties/registry.ts';
import { closingLine, exitCode } from '../check/exit.ts';
import type { Cell, Status, Verdict } from '../check/verdict.ts';
import { apmcInProcess } from '../test/cli-harness.ts';

interface Out {
  code: number;
  out: string;
  err: string;
  ms: number;
}

/** apmc through its command line; `sigintAfterMs`: send SIGINT then (`ms` is then from the signal to the exit). */
function apmc(args: readonly string[], sigintAfterMs?: number): Promise<Out> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    let from = t0;
    if (sigintAfterMs === undefined) {
      const o = { encoding: 'utf8' as const, env: { ...process.env, NO_COLOR: '1' }, timeout: 60000 };
      execFile(process.execPath, ['bin/apmc.js', ...args], o, (e, out, err) => {
        resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, out, err, ms: Date.now() - t0 });
      });
      return;
    }
    const p = spawn(process.execPath, ['bin/apmc.js', ...args], { env: { ...process.env, NO_COLOR: '1' } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d));
    p.stderr.on('data', (d: Buffer) => (err += d));
    const kill = setTimeout(() => p.kill('SIGKILL'), 60000);
    setTimeout(() => {
      from = Date.now();
      p.kill('SIGINT');
    }, sigintAfterMs);
    p.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code: code ?? -1, out, err, ms: Date.now() - from });
    });
  });
}

/** apmc through runCli in this process: for the closing lines, which are not about the process. */
const inProcess = async (args: readonly string[]): Promise<Out> => {
  const o = await apmcInProcess(args);
  return { code: o.code ?? -1, out: o.out, err: o.err, ms: o.ms };
};

const lastLine = (s: string): string => s.trimEnd().split('\n').pop()!;
const LARGE: Scope = { adapters: 4, domains: 4, control_domains: 2, mdevs: 2, vms: 2 };
const LARGE_FLAGS = ['--adapters', '4', '--domains', '4', '--control-domains', '2', '--mdevs', '2', '--vms', '2'];
LARGE_FLAGS.push('--engine', 'exhaustive');

// ---
const big = suite('the exhaustive engine at 4×4×2: bounds hold');

big('the event loop turns every few tens of ms, progress shows at once, --time ends the search on time', async () => {
  let last = Date.now();
  let gap = 0;
  const tick = setInterval(() => {
    gap = Math.max(gap, Date.now() - last);
    last = Date.now();
  }, 5);
  const t0 = Date.now();
  let firstProgress = -1;
  const r = await exploreExhaustiveAsync({ scope: LARGE, policy: POLICIES['upstream']! }, PROPERTIES, {
    symmetry: true,
    timeMs: 1500,
    progress: () => {
      if (firstProgress < 0) firstProgress = Date.now() - t0;
    },
  });
  const ms = Date.now() - t0;
  clearInterval(tick);
  assert.is(r.bound, 'time');
  assert.ok(ms < 2500, `the search took ${ms} ms for a 1500 ms bound`);
  assert.ok(firstProgress >= 0 && firstProgress < 1000, `first progress after ${firstProgress} ms`);
  // Generous for a loaded machine: without the checks between successors one state blocks for seconds.
  assert.ok(gap < 750, `the event loop was blocked for ${gap} ms`);
});

big('apmc check --time 1: ends within the bound and a margin, undecided: exit 6, not 0, also with --ci', async () => {
  const r = await apmc(['check', ...LARGE_FLAGS, '--policy', 'upstream', '--time', '1', '--ci']);
  assert.is(r.code, 6, r.err);
  assert.ok(r.ms < 5000, `${r.ms} ms for --time 1 (process start included)`);
  assert.match(r.out, /upstream: time bound reached at depth \d/);
  assert.match(lastLine(r.out), /^no violation; 0 new; \d+ unknown \(not finished\); exit 6$/);
  assert.not.match(r.out, /every property checked holds/);
});

big('SIGINT ends a search on 2 workers within 2 s: the verdicts so far, exit 130', async () => {
  const r = await apmc(['check', ...LARGE_FLAGS, '--policy', 'upstream', '--workers', '2', '--time', '60'], 1500);
  assert.is(r.code, 130, r.err);
  assert.ok(r.ms < 2000, `${r.ms} ms from SIGINT to the exit`);
  assert.match(r.out, /stopped by SIGINT: the verdicts so far/);
  assert.match(lastLine(r.out), /\d+ unknown \(not finished\); exit 130$/);
});

big('--max-memory counts the whole process (workers included): below its resident set, exit 6 at once', async () => {
  for (const workers of ['1', '2']) {
    const flags = ['--policy', 'upstream', '--max-memory', '64', '--workers', workers, '--time', '30'];
    const r = await apmc(['check', ...LARGE_FLAGS, ...flags]);
    assert.is(r.code, 6, `${workers} workers: ${r.err}`);
    assert.match(r.out, /upstream: memory bound reached at depth 0/, `${workers} workers`);
    assert.ok(r.ms < 10000, `${workers} workers: ${r.ms} ms`);
  }
});

big('a store refuses a growth step that the memory check refuses: -2, nothing changed', () => {
  const s = new StateStore(1, 8, 4);
  const asked: number[] = [];
  s.allow = (bytes) => {
    asked.push(bytes);
    return false;
  };
  const key = new Uint32Array(1);
  let n = 0;
  for (let k = 1; n >= 0; k++) {
    key[0] = k;
    n = s.add(key, 0, -1, 0);
  }
  assert.is(n, -2);
  assert.ok(asked.length > 0 && asked[0]! > 0);
  const count = s.count;
  s.allow = null;
  assert.ok(s.add(key, 0, -1, 0) >= 0, 'stored once allowed');
  assert.is(s.count, count + 1);
});

big.run();

// ---
const end = suite('the closing line and the exit code, from the cells');

function cell(policy: string, property: string, verdict: Verdict, status: Status, bound?: string): Cell {
  const expected = expectation(policy, property);
  return { policy, property: propertyByName(property)!, verdict, expected, status, ...(bound ? { bound } : {}) };
}

end('every exit code has its line', () => {
  const v = cell('v12-fcfs', 'order-independence', 'violated', 'as-expected');
  const h = cell('static', 'no-apqn-in-two-mdevs', 'holds', 'holds');
  const fresh = cell('static', 'order-independence', 'violated', 'new');
  const missing = cell('v12-fcfs', 'links-follow-assignment', 'holds', 'missing');
  const unknown = cell('static', 'recovery', 'unknown', 'unknown', 'time bound reached at depth 3');
  const broken = ['recovery', 'no-apqn-in-two-mdevs'].map((p) => cell('static', p, 'policy-error', 'policy-error'));
  const cases: [Cell[], number, string][] = [
    [[h], 0, 'every property checked holds; exit 0'],
    [[v, h], 4, '1 violation, all expected; 0 new; exit 4'],
    [[v, fresh], 1, '2 violations, 1 expected; 1 new; exit 1'],
    [[v, missing], 5, '1 violation, all expected; 0 new; 1 expected violation not found; exit 5'],
    [[h, unknown], 6, 'no violation; 0 new; 1 unknown (not finished); exit 6'],
    [[v, ...broken], 7, '1 violation, all expected; 0 new; policy error in 1 policy; exit 7'],
  ];
  for (const [cells, code, line] of cases) {
    assert.is(exitCode(cells), code, line);
    assert.is(closingLine(cells, code), line);
  }
  // The random engine's cases cut short by --time: unknown without a bound, not an undecided search.
  assert.is(exitCode([h, cell('static', 'recovery', 'unknown', 'unknown')]), 0);
  assert.is(closingLine([v], 0), '1 violation, all expected; 0 new; exit 0');
  // 80 columns at most: the counts continue on a second line, the exit code last.
  const long = closingLine([v, fresh, missing, unknown, cell('d0', 'recovery', 'policy-error', 'policy-error')], 7);
  const lines = [
    '2 violations, 1 expected; 1 new; 1 expected violation not found;',
    '1 unknown (not finished); policy error in 1 policy; exit 7',
  ];
  assert.is(long, lines.join('\n'));
  const stopped = "stopped by SIGINT: the verdicts so far, 'unknown' where unfinished";
  assert.is(closingLine([v], 130, 'SIGINT'), `${stopped}\n1 violation, all expected; 0 new; exit 130`);
});

end('apmc check --ci (random engine): the last line counts the expected violations, exit 0', async () => {
  const r = await inProcess([
    'check',
    '--ci',
    '--policy',
    'v12-fcfs',
    '--property',
    'order-independence',
    // The run ends when the one property is violated (seed 1: case 4,050); the budget only has to be enough.
    '--runs',
    '20000',
  ]);
  assert.is(r.code, 0, r.err);
  assert.is(lastLine(r.out), '1 violation, all expected; 0 new; exit 0');
});

end('apmc check --engine exhaustive: the same closing line', async () => {
  const flags = ['--depth', '4', '--policy', 'static', '--property', 'links-follow-assignment'];
  const r = await inProcess(['check', '--engine', 'exhaustive', ...flags]);
  assert.is(r.code, 4, r.err);
  assert.is(lastLine(r.out), '1 violation, all expected; 0 new; exit 4');
});

end('apmc check --engine exhaustive --max-states: every verdict unknown is exit 6, not "holds"', async () => {
  const r = await inProcess(['check', '--engine', 'exhaustive', '--max-states', '2', '--policy', 'upstream', '--ci']);
  assert.is(r.code, 6, r.err);
  assert.match(lastLine(r.out), /^no violation; 0 new; \d+ unknown \(not finished\); exit 6$/);
});

end('apmc merge: the closing line from the merged cells, with the exit code --ci gives', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-end-'));
  const files = await Promise.all(
    [1, 2].map(async (k) => {
      const flags = ['--property', 'order-independence', '--runs', '4000', '--shard', `${k}/2`, '--json'];
      const r = await inProcess(['check', '--policy', 'v12-fcfs', ...flags]);
      const f = join(dir, `r-${k}.json`);
      writeFileSync(f, r.out);
      return f;
    }),
  );
  const m = await inProcess(['merge', '--ci', ...files]);
  assert.is(m.code, 0, m.err);
  assert.is(lastLine(m.out), '1 violation, all expected; 0 new; exit 0');
});

end.run();
