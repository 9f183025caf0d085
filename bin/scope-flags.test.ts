/** The scope flags: one per scope key, each setting that key alone, named in its errors and the help. */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_SCOPE, SCOPE_KEYS, scopeLimit } from '../model/scope.ts';
import { parseCheckArgs } from './args.ts';
import { scopeFlag } from './scope-flags.ts';
import { commandHelp, UsageError } from './usage.ts';

const flags = suite('scope flags');

flags('each scope key has a flag that sets it and nothing else', () => {
  for (const k of SCOPE_KEYS) {
    const scope = parseCheckArgs([`--${scopeFlag(k)}`, '1']).scope;
    assert.equal(scope, { ...DEFAULT_SCOPE, [k]: 1 }, k);
  }
});

flags('a value beyond the model names the flag and the limit; the help lists every flag with its default', () => {
  for (const k of SCOPE_KEYS) {
    const f = `--${scopeFlag(k)}`;
    const max = scopeLimit(k);
    const says = (e: unknown) => e instanceof UsageError && e.message.startsWith(`${f}: expected 1 to ${max} `);
    assert.throws(() => parseCheckArgs([f, String(max + 1)]), says, f);
    for (const c of ['run', 'check', 'explain', 'diff', 'compare'] as const) {
      assert.match(commandHelp(c), new RegExp(`\\n  ${f} N +.*1 to ${max} \\(${DEFAULT_SCOPE[k]}\\)\\n`), `${c} ${f}`);
    }
  }
});

flags.run();
