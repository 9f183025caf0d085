/** docs/policy-api.md is what test/policy-api-doc.ts generates from the sources, and covers the whole API. */
import { readFileSync } from 'node:fs';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import * as api from '../model/index.ts';
import { CALLBACK_NAMES } from '../model/policy.ts';
import { DOC, policyApiDoc } from './policy-api-doc.ts';

const doc = suite('docs/policy-api.md');
const generated = policyApiDoc();

doc('is up to date with model/index.ts and model/policy.ts (npm run docs:api writes it)', () => {
  const stored = readFileSync(DOC, 'utf8');
  if (stored !== generated) {
    const a = stored.split('\n');
    const b = generated.split('\n');
    const i = a.findIndex((l, k) => l !== b[k]);
    assert.unreachable(`docs/policy-api.md is out of date at line ${i + 1}: run npm run docs:api`);
  }
});

doc('names every value the API exports, and every callback with its signature', () => {
  for (const name of Object.keys(api)) {
    const shown = `(const|function|class) ${name}\\b|^\\| \`${name}\`|^### \`${name}\`: the namespace`;
    assert.ok(new RegExp(shown, 'm').test(generated), name);
  }
  for (const k of CALLBACK_NAMES) assert.match(generated, `### \`${k}\`\n\n\`\`\`ts\n${k}: `);
  assert.match(
    generated,
    'function extend(base: Policy, changes: Partial<Policy> & { readonly name: string }): Policy',
  );
  assert.match(generated, '| `staticPolicy` | `static` |');
  assert.match(generated, '| `v12Fcfs` | `v12-fcfs` |');
});

doc.run();
