/**
 * Why: counterexamples are recorded verdicts. Every file under counterexamples/ must still behave
 * as recorded: `violates` files still violate their property under their policy, `holds` files (the
 * fixed twins) still hold. A model change that silently flips one fails here.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { parseCounterexample, replay } from './counterexample.ts';
import { propertyByName } from './registry.ts';

const ROOT = join(import.meta.dirname, '..');
const DIR = join(ROOT, 'counterexamples');
const files = readdirSync(DIR, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.json'))
  .sort();

const t = suite('counterexamples replay as recorded');

t('there are counterexamples to replay', () => {
  assert.ok(files.length >= 20, `only ${files.length} files`);
});

for (const f of files) {
  t(f, async () => {
    const cx = parseCounterexample(JSON.parse(readFileSync(join(DIR, f), 'utf8')), f);
    assert.is(f.split('/')[0], cx.property, 'the directory names the property');
    const prop = propertyByName(cx.property);
    assert.ok(prop, `unknown property ${cx.property}`);
    const policy = await loadPolicy(cx.trace.policy ?? 'upstream', ROOT);
    const v = replay({ scope: cx.trace.scope, policy }, cx, prop!);
    if (cx.expect === 'violates')
      assert.ok(v, `${f}: expected a violation of ${cx.property} under ${policy.name}, it holds`);
    else assert.is(v, null, `${f}: expected ${cx.property} to hold under ${policy.name}: ${v?.reason}`);
  });
}

t.run();
