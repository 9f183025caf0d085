// `npm test` after the type check: the test files in two uvu processes side by side, one for the files
// that mostly wait on the apmc processes they start (bin/, test/), one for the rest, so that the waiting
// overlaps the computing on two cores. Each group's output is printed whole when it ends; the exit code
// is non-zero if either group failed, and the last line counts both.
import { spawn } from 'node:child_process';

const GROUPS = [
  '^(bin|test)/.+\\.test\\.ts$',
  '^(model|trace|properties|exhaustive|render)/.+\\.test\\.ts$',
];

function run(pattern) {
  return new Promise((resolve) => {
    const args = ['--import', 'tsx', 'node_modules/uvu/bin.js', '.', pattern, '-c', 'false'];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', (code, signal) => resolve({ pattern, out, code: code ?? (signal ? 1 : 0) }));
  });
}

const results = await Promise.all(GROUPS.map(run));
let passed = 0;
let failed = 0;
for (const r of results) {
  process.stdout.write(`\n== ${r.pattern}\n${r.out}`);
  const total = Number(/Total:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  const ok = Number(/Passed:\s+(\d+)/.exec(r.out)?.[1] ?? 0);
  passed += ok;
  // A group that died before its summary counts as one failure.
  failed += r.code !== 0 && total === ok ? 1 : total - ok;
}
console.log(`\n${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 || results.some((r) => r.code !== 0) ? 1 : 0;
