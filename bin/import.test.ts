/**
 * Why: a tester starts from the LPAR in front of them. `apmc import` must read a sysfs tree in the kernel's
 * formats (spec §12) and write a trace that rebuilds in the model exactly the matrices, guest matrices, control
 * domains, queue drivers and guests the tree shows, with the real ids recorded; a hostile tree is bad input.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { apmcInProcess } from '../test/cli-harness.ts';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { POLICIES } from '../model/policies/index.ts';
import { DEFAULT_SCOPE, type Scope, scopeLimit, SCOPE_KEYS } from '../model/scope.ts';
import { fakeMachine, type FakeMachine, MACHINES, U1, U2 } from '../test/fake-machine.ts';
import { execTrace } from '../trace/exec.ts';
import { formatTrace } from '../trace/format.ts';
import { parseTextTrace } from '../trace/parse-text.ts';
import { machineDifferences } from '../trace/machine-compare.ts';
import { machineTrace } from '../trace/machine.ts';
import { InputError } from '../trace/types.ts';
import { readSysfs } from './import-sysfs.ts';
import { parseLszcrypt, parseMdevctl } from './import-extra.ts';
import { SNAPSHOT_SCRIPT } from './snapshot.ts';

const t = suite('import');
const LIMITS = Object.fromEntries(SCOPE_KEYS.map((k) => [k, scopeLimit(k)])) as unknown as Scope;

function imported(m: FakeMachine, limits: Scope = LIMITS) {
  const root = fakeMachine(m);
  try {
    const machine = readSysfs(root);
    return { machine, ...machineTrace(machine, limits, 'lpar') };
  } finally {
    rmSync(root, { recursive: true });
  }
}

for (const [name, m] of Object.entries(MACHINES)) {
  t(`${name}: the imported trace rebuilds the tree's matrices, guest matrices, drivers and guests`, () => {
    const { machine, trace } = imported(m);
    // Through the text format, as `apmc run` reads it.
    const back = parseTextTrace(formatTrace(trace), 'm.trace');
    assert.equal(back.real, trace.real);
    const run = execTrace(back, POLICIES['upstream']!);
    assert.equal(
      run.steps.filter((s) => s.result !== 'ok').map((s) => s.result),
      [],
    );
    assert.equal(machineDifferences(run.cfg, run.final, machine, back.real!), []);
    // Every queue of the tree is there with its real id.
    assert.is(Object.keys(execTrace(back, POLICIES['upstream']!).final.queues).length > 0, true);
  });
}

t('a path with a newline stays in one comment line', () => {
  const root = fakeMachine(MACHINES['no vfio_ap']!);
  try {
    const { trace } = machineTrace(readSysfs(root), LIMITS, 'x\nhost remove adapter 0');
    const back = parseTextTrace(formatTrace(trace), 'm.trace');
    assert.equal(back.steps, trace.steps);
    assert.match(back.header[0]!, /^apmc import of x\?host remove adapter 0:/);
  } finally {
    rmSync(root, { recursive: true });
  }
});

t('the comparison sees a machine the trace does not rebuild', () => {
  const { machine, trace } = imported(MACHINES['a running guest']!);
  const run = execTrace({ ...trace, steps: trace.steps.filter((s) => s.op.kind !== 'start') }, POLICIES['upstream']!);
  const d = machineDifferences(run.cfg, run.final, machine, trace.real!);
  assert.ok(d.some((x) => x.includes('no guest in the model')));
  const noMask = execTrace(
    { ...trace, steps: trace.steps.filter((s) => s.op.kind !== 'apmask') },
    POLICIES['upstream']!,
  );
  assert.ok(machineDifferences(noMask.cfg, noMask.final, machine, trace.real!).some((x) => x.startsWith('queue 05.')));
});

t('real ids: in vfio_ap use first when the model holds fewer; model ids keep the real order', () => {
  const m = MACHINES['a running guest']!;
  const { trace, notes } = imported(m, { ...DEFAULT_SCOPE, adapters: 2, domains: 1, control_domains: 1, mdevs: 1 });
  assert.equal(trace.real!.adapters, [5, 6]);
  assert.equal(trace.real!.domains, [0x2c]);
  assert.equal(trace.real!.control_domains, [0x2c]);
  assert.equal(trace.real!.mdevs, { m1: U1 });
  assert.equal(notes, [
    `mdev ${U2} left out (the model holds 1)`,
    'adapters 0x03 left out (the model holds 2)',
    'domains 0x0004 left out (the model holds 1)',
    'control domains 0x0004 left out (the model holds 1)',
  ]);
});

t('hostile trees: a link out of the tree, an absolute link, a bad mask, a bad matrix line: InputError', () => {
  const cases: [string, (root: string) => void, RegExp][] = [
    ['link out', (r) => symlinkSync('../../../../etc', join(r, 'bus/ap/devices/05.0007')), /a link out of the tree/],
    ['absolute', (r) => symlinkSync('/etc', join(r, 'bus/ap/devices/05.0008')), /an absolute link/],
    ['mask', (r) => writeFileSync(join(r, 'bus/ap/apmask'), '0xzz\n'), /apmask:1: expected 0x/],
    ['matrix', (r) => writeFileSync(join(r, `devices/vfio_ap/matrix/${U1}/matrix`), '05.002c\n$(reboot)\n'), /:2: /],
    ['missing', (r) => unlinkSync(join(r, 'bus/ap/aqmask')), /aqmask: missing/],
  ];
  for (const [what, spoil, re] of cases) {
    const root = fakeMachine(MACHINES['a running guest']!);
    spoil(root);
    try {
      readSysfs(root);
      assert.unreachable(what);
    } catch (e) {
      assert.instance(e, InputError, what);
      assert.match((e as Error).message, re, what);
    } finally {
      rmSync(root, { recursive: true });
    }
  }
});

t('lszcrypt -V and mdevctl --dumpjson: parsed, and malformed ones are InputErrors', () => {
  const lsz = [
    'CARD.DOM TYPE  MODE        STATUS  REQUESTS  PENDING HWTYPE QDEPTH FUNCTIONS  DRIVER',
    '--------------------------------------------------------------------------------------',
    '05       CEX7A Accelerator online         1        0     13     08 -MC-A-N--  cex4card',
    '05.002c  CEX7A Accelerator online         0        0     13     08 -MC-A-N--  vfio_ap',
  ].join('\n');
  assert.equal(parseLszcrypt(lsz, 'l.txt'), [
    { apid: 5, apqi: null, hwtype: 13, driver: 'cex4card' },
    { apid: 5, apqi: 0x2c, hwtype: 13, driver: 'vfio_ap' },
  ]);
  assert.throws(() => parseLszcrypt(`${lsz}\n05.0004 CEX7A`, 'l.txt'), /l\.txt:5: expected 10 columns/);
  const json = JSON.stringify([
    { matrix: [{ [U1]: { mdev_type: 'vfio_ap-passthrough', start: 'auto', attrs: [{ assign_adapter: '0x05' }] } }] },
  ]);
  assert.equal(parseMdevctl(json, 'm.json')[0]!.apm, [5]);
  assert.throws(() => parseMdevctl('[{"matrix": [{"x": {}}]}]', 'm.json'), /'x' is not a UUID/);
  assert.throws(() => parseMdevctl('[{"matrix": ', 'm.json'), /m\.json:1: malformed JSON/);
});

const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
t(
  `the snapshot script: shellcheck${hasShellcheck ? '' : ' (not installed: skipped)'}, and import reads its copy`,
  () => {
    const src = fakeMachine(MACHINES['a running guest']!);
    const out = join(mkdtempSync(join(tmpdir(), 'apmc-snap-')), 'snap');
    const script = join(out, '..', 'snapshot.sh');
    writeFileSync(script, SNAPSHOT_SCRIPT);
    try {
      if (hasShellcheck) {
        const r = spawnSync('shellcheck', ['-s', 'sh', '-f', 'gcc', script], { encoding: 'utf8' });
        assert.is(r.stdout, '');
      }
      const r = spawnSync('sh', [script, out], { env: { ...process.env, SYSFS: src, PATH: '/usr/bin:/bin' } });
      assert.is(r.status, 0, r.stderr.toString());
      const a = readSysfs(src);
      const b = readSysfs(out);
      assert.equal(b, a);
      assert.is(readFileSync(join(out, 'bus/ap/apmask'), 'utf8'), readFileSync(join(src, 'bus/ap/apmask'), 'utf8'));
    } finally {
      rmSync(src, { recursive: true });
      rmSync(join(out, '..'), { recursive: true });
    }
  },
);

t(
  'the command: a bad tree is one line and exit 2, nothing written; a good one a trace run and convert keep',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'apmc-import-'));
    const root = fakeMachine(MACHINES['a running guest']!);
    try {
      const out = join(dir, 'm.trace');
      const aqmask = readFileSync(join(root, 'bus/ap/aqmask'));
      writeFileSync(join(root, 'bus/ap/aqmask'), 'garbage\n');
      const bad = await apmcInProcess(['import', '--sysfs', root, '-o', out]);
      assert.is(bad.code, 2);
      assert.is(bad.err.trim().split('\n').length, 1);
      assert.match(bad.err, /bus\/ap\/aqmask:1: expected 0x/);
      assert.not.ok(existsSync(out));
      writeFileSync(join(root, 'bus/ap/aqmask'), aqmask);
      const good = await apmcInProcess(['import', '--sysfs', root, '-o', out]);
      assert.is(good.code, 0, good.err);
      const text = readFileSync(out, 'utf8');
      assert.match(text, /^real adapters=0x03,0x05,0x06 domains=0x0004,0x002c .*mdevs=m1:/m);
      const json = join(dir, 'm.json');
      writeFileSync(json, (await apmcInProcess(['convert', '--to', 'json', out])).out);
      assert.is((await apmcInProcess(['convert', '--to', 'text', json])).out, text);
      assert.is((await apmcInProcess(['run', out])).code, 0);
      assert.is((await apmcInProcess(['check', '--from', join(dir, 'nope.trace')])).code, 2);
    } finally {
      rmSync(root, { recursive: true });
      rmSync(dir, { recursive: true });
    }
  },
);

t.run();
