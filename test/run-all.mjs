// `npm test` after the type check. The test files run in uvu processes. First, two side by side on the two
// cores: the files that compute (model/, trace/, properties/, exhaustive/, render/, check/), and the files that mostly
// wait on the apmc processes they start (bin/, test/). Then, alone, the files whose figures are times: the
// bounds test, then the sandbox and output tests and the hostile suite; on a machine whose cores are both
// busy their bounds would measure the other tests. Before all, one apmc process builds the CLI's bundle
// (bin/bundle.mjs), which the dozens of processes and sandbox threads the tests start then run (a fresh checkout
// has none). Each group's
// output is printed whole when it ends; the exit code is non-zero if any group failed, and the last line
// counts them all.
import { spawn } from 'node:child_process';

const TIMED = '(bin/(bounds|sandbox|output)|test/hostile)\\.test\\.ts';
// The exhaustive CLI and compare tests (about 6 s and 1 s alone, in process) go with the compute files, so
// that both groups take about as long.
const WITH_COMPUTE = 'bin/(exhaustive-cli|compare)\\.test\\.ts';
const PHASES = [
  [
    `^((model|trace|properties|exhaustive|render|check)/.+\\.test\\.ts|${WITH_COMPUTE})$`,
    `^(?!${TIMED}$|${WITH_COMPUTE}$)(bin|test)/[^/]+\\.test\\.ts$`,
  ],
  // The bounds test by itself: the sandbox test and the hostile suite start their processes when loaded.
  ['^bin/bounds\\.test\\.ts$'],
  ['^(bin/(sandbox|output)|test/hostile)\\.test\\.ts$'],
];

function run(pattern) {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', 'node_modules/uvu/bin.js', '.', pattern, '-c', 'false'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) =>
      resolve({ pattern, out, code: code ?? (signal ? 1 : 0), s: (Date.now() - t0) / 1000 }),
    );
  });
}

await new Promise((resolve) => {
  const warm = spawn(process.execPath, ['bin/apmc.js', 'policies'], { stdio: 'ignore' });
  warm.on('close', resolve);
});
const results = [];
for (const phase of PHASES) results.push(...(await Promise.all(phase.map(run))));
let passed = 0;
let failed = 0;
for (const r of results) {
  process.stdout.write(`\n== ${r.pattern} (${r.s.toFixed(1)} s)\n${r.out}`);
  const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  passed += ok;
  // A group that died before its summary counts as one failure.
  failed += r.code !== 0 && total === ok ? 1 : total - ok;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0;
