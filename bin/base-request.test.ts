import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { apmcInProcess } from '../test/cli-harness.ts';

const apmc = apmcInProcess;

interface Result {
  property: string;
  status: string;
  counterexample?: { ops: { kind: string; async?: boolean }[] };
}

const PATCHES = [
  { name: 'patch-request-drops-hook', base: 'upstream', property: 'one-mdev-per-vm', at: 'step 9 (request m1)' },
  { name: 'patch-notifier-forgets-kvm', base: 'static', property: 'one-mdev-per-vm', at: 'step 7 (kvm_gone m1)' },
  {
    name: 'patch-ap-config-no-unplug',
    base: 'upstream',
    property: 'links-follow-assignment',
    at: 'step 7 (m1 ap_config apm=0 aqm=0 adm=)',
  },
] as const;

/** The ops of the mechanism each patch changes: the counterexample must hold one. */
const MECHANISM_OPS: Readonly<Record<(typeof PATCHES)[number]['name'], readonly string[]>> = {
  'patch-request-drops-hook': ['remove', 'request'],
  'patch-notifier-forgets-kvm': ['kvm_gone'],
  'patch-ap-config-no-unplug': ['ap_config'],
};

for (const p of PATCHES) {
  test(`${p.name}: differs from ${p.base} on its trace, first at ${p.at}`, async () => {
    const d = await apmc([
      'diff',
      '--policy',
      p.base,
      '--policy',
      `./examples/${p.name}.ts`,
      '--observe',
      'all',
      `examples/${p.name}.trace`,
    ]);
    assert.is(d.code, 1, d.err);
    assert.match(d.out, `first difference, after ${p.at}`);
  });

  test(`${p.name}: a new ${p.property} violation against the base ${p.base}`, async () => {
    const o = await apmc([
      'check',
      '--base',
      p.base,
      '--policy',
      `./examples/${p.name}.ts`,
      '--property',
      p.property,
      '--seed',
      '1',
      '--runs',
      '2000',
      '--json',
    ]);
    assert.is(o.code, 1, o.err);
    const [r] = (JSON.parse(o.out) as { results: Result[] }).results;
    assert.is(r?.status, 'new', JSON.stringify(r));
    const kinds = r!.counterexample!.ops.map((x) => x.kind);
    assert.ok(
      kinds.some((k) => MECHANISM_OPS[p.name].includes(k)),
      kinds.join(' '),
    );
  });
}

test.run();
