/**
 * `-` as a trace argument reads the trace from standard input: run, explain, diff, convert and compare
 * take it (once per command), in either format; bad input on stdin is `<stdin>:LINE: problem`, exit 2;
 * a policy file's sandbox thread sees the same trace. Real processes: stdin is the point.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess, freshDir, ROOT, runInProcess } from '../test/cli-harness.ts';

const A = join(ROOT, 'traces/halil-order-a.trace');
const B = join(ROOT, 'traces/halil-order-b.trace');

/** `node bin/apmc.js args` in the repository with `input` on stdin. */
function apmc(input: string | Buffer, ...args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync(process.execPath, [join(ROOT, 'bin/apmc.js'), ...args], {
    cwd: ROOT,
    input,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: r.status ?? -1, out: r.stdout, err: r.stderr };
}

const t = suite("'-': a trace from standard input");

t('run, convert, explain, diff and compare read the trace from stdin as from its file', async () => {
  const text = readFileSync(A, 'utf8');
  const json = apmc(text, 'convert', '-');
  assert.is(json.code, 0, json.err);
  assert.is(JSON.parse(json.out).format, 'apmc-trace/1');
  // JSON on stdin converts back to text by default (its format is read from its content).
  const back = apmc(json.out, 'convert', '-');
  assert.is(back.code, 0, back.err);
  assert.is(back.out, apmc(json.out, 'convert', '--to', 'text', '-').out);
  assert.match(back.out, /^m1 assign_adapter 1\b/m);
  const run = apmc(json.out, 'run', '--json', '--policy', 'v12-fcfs', '-');
  assert.is(run.code, 0, run.err);
  assert.equal(JSON.parse(run.out).final.vms.vm1.crycb, ['00.0000', '00.0001']);
  const explain = apmc(text, 'explain', '--policy', 'upstream', '-');
  assert.is(explain.code, 0, explain.err);
  assert.match(explain.out, /^<stdin>/m);
  // Relative, as the header is cut to 80 columns and a long checkout path would be cut differently.
  const cve = 'traces/cve-2024-26620.trace';
  const diff = apmc(readFileSync(join(ROOT, cve)), 'diff', '--policy', 'd0', '--policy', 'upstream', '-');
  // The same diff of the file itself (stdin is not its point: in this process).
  const diffFile = await apmcInProcess(['diff', '--policy', 'd0', '--policy', 'upstream', cve]);
  assert.is(diff.code, 1, diff.err);
  assert.is(diff.out, diffFile.out.replaceAll(cve, '<stdin>'));
  const compare = apmc(readFileSync(B), 'compare', '--policy', 'v12-fcfs', A, '-');
  assert.is(compare.code, 1, compare.err);
  assert.match(compare.out, /halil-order-a\.trace and <stdin>/);
});

t('bad input on stdin: <stdin>:LINE: problem, exit 2, nothing on stdout', () => {
  const cases: [string | Buffer, string[], RegExp][] = [
    ['create m1\nm1 frobnicate 3\n', ['run', '--policy', 'upstream', '-'], /^apmc: <stdin>:2: /],
    [Buffer.from([0x63, 0x72, 0x0a, 0xff, 0x0a]), ['convert', '-'], /^apmc: <stdin>:2: not UTF-8 text/],
    ['{"format": "apmc-trace/1", "ops": [}', ['explain', '-'], /^apmc: <stdin>:1: malformed JSON/],
    ['scope adapters=99\n', ['diff', '--policy', 'd0', '--policy', 'upstream', '-'], /^apmc: <stdin>:1: /],
  ];
  for (const [input, args, line] of cases) {
    const r = apmc(input, ...args);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.err}`);
    assert.match(r.err, line);
    assert.is(r.err.split('\n').length, 2, r.err);
    assert.is(r.out, '');
  }
});

t("a policy file's sandbox thread runs the trace read from stdin", () => {
  const trace = readFileSync(join(ROOT, 'examples/adapter-pops-up.trace'));
  const r = apmc(trace, 'run', '--json', '--policy', './examples/refilter-on-unassign.ts', '-');
  assert.is(r.code, 0, r.err);
  assert.equal(JSON.parse(r.out).final.vms.vm1.crycb, ['00.0000', '01.0000']);
});

t("'-' at most once; a file named <stdin> is read only as ./<stdin>", async () => {
  const dir = freshDir('apmc-stdin-');
  writeFileSync(join(dir, '<stdin>'), readFileSync(A));
  const twice = await runInProcess(['compare', '-', '-'], dir);
  assert.is(twice.code, 2);
  assert.is(twice.err, "apmc: '-' given 2 times: standard input holds one trace\n");
  const clash = await runInProcess(['compare', '<stdin>', '-'], dir);
  assert.is(clash.code, 2);
  assert.match(clash.err, /'<stdin>' is how '-' is named; write '.\/<stdin>'/);
  // Without '-', a file of that name is a file.
  const file = await runInProcess(['run', '--json', '<stdin>'], dir);
  assert.is(file.code, 0, file.err);
});

t.run();
