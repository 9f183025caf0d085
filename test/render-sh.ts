/**
 * For testing only (the real entry point is `apmc explain --format sh`): print the replay script of a
 * trace file or a saved counterexample. `node --import tsx test/render-sh.ts <file> [policy]`
 */
import { readFileSync } from 'node:fs';
import { loadPolicy } from '../bin/load-policy.ts';
import { loadTrace } from '../bin/load-trace.ts';
import { parseCounterexample } from '../properties/counterexample.ts';
import { renderSh } from '../render/sh.ts';

const [file, policyName] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: render-sh.ts <trace|counterexample.json> [policy]\n');
  process.exit(2);
}
if (file.endsWith('.json')) {
  const cx = parseCounterexample(JSON.parse(readFileSync(file, 'utf8')), file);
  const policy = await loadPolicy(policyName ?? cx.trace.policy ?? 'upstream');
  const other = cx.other ? { other: cx.other } : {};
  process.stdout.write(renderSh(cx.trace, { policy, source: file, property: cx.property, note: cx.note, ...other }));
} else {
  const t = loadTrace(file);
  process.stdout.write(renderSh(t, { policy: await loadPolicy(policyName ?? t.policy ?? 'upstream'), source: file }));
}
