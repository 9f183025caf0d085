/**
 * Why: the `real` directive is how a trace from a machine remembers which real ids its model ids stand for;
 * `apmc convert` must keep it both ways, and a malformed one is bad input naming its line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { formatTrace } from './format.ts';
import { parseJsonTrace, traceToJson } from './json.ts';
import { parseTextTrace } from './parse-text.ts';

const t = suite('real');
const UUID = '6dfd3ec5-e8b3-4e18-a6fe-57bc9eecb920';
const TEXT = [
  'scope adapters=2 domains=2 control_domains=1 mdevs=2 vms=2',
  `real adapters=0x05,0x06 domains=0x0004,0x002c control_domains=0x002c mdevs=m1:${UUID}`,
  'create m1',
  '',
].join('\n');

t('text → JSON → text keeps it; the ids in model order', () => {
  const tr = parseTextTrace(TEXT, 't.trace');
  assert.equal(tr.real, { adapters: [5, 6], domains: [4, 44], control_domains: [44], mdevs: { m1: UUID } });
  const json = JSON.stringify(traceToJson(tr));
  assert.is(formatTrace(parseJsonTrace(json, 't.json')), TEXT);
});

t('bad input names the line: a repeated id, a bad UUID, more ids than the scope, a bad key, twice', () => {
  const bad = (line: string, re: RegExp) =>
    assert.throws(() => parseTextTrace(`scope adapters=2\n${line}\ncreate m1\n`, 't.trace'), re);
  bad('real adapters=5,5', /t\.trace:2: real: adapters id 5 given for two model ids/);
  bad('real mdevs=m1:not-a-uuid', /t\.trace:2: real: mdev m1: 'not-a-uuid' is not a UUID/);
  bad('real adapters=1,2,3', /t\.trace:2: real: 3 adapters for a scope of 2/);
  bad('real adapters=300', /t\.trace:2: real: adapters id 300 is beyond the architecture's 0..255/);
  bad('real vms=1', /t\.trace:2: bad 'vms=1'/);
  bad('real adapters=x', /t\.trace:2: real: bad id 'x'/);
  assert.throws(
    () => parseTextTrace('real adapters=1\nreal adapters=2\n', 't.trace'),
    /t\.trace:2: 'real' given twice/,
  );
  assert.throws(
    () => parseJsonTrace('{"format": "apmc-trace/1", "real": {"adapters": ["5"]}, "ops": []}', 't.json'),
    /t\.json:1: real\.adapters: expected an array of ids/,
  );
});

t.run();
