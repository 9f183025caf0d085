/** `--mechanisms`: parsed for check and diff, and the alphabet each engine draws from follows it. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { exploreExhaustive } from '../exhaustive/engine.ts';
import { alphabet } from '../exhaustive/alphabet.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { POLICIES } from '../model/policies/index.ts';
import { apmcInProcess, RESERVE_BOUND } from '../test/cli-harness.ts';
import type { Scope } from '../model/scope.ts';
import { mechanismsFlag, parseCheckArgs } from './args.ts';
import { parseDiffArgs } from './diff.ts';
import { commandHelp, UsageError } from './usage.ts';

const t = suite('--mechanisms');
const TINY: Scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };

const says = (start: string) => (e: unknown) => e instanceof UsageError && e.message.startsWith(start);

t('all by default, none, or a list (in MECHANISMS order, once each)', () => {
  assert.equal(parseCheckArgs([]).engine.settings.mechanisms, [...MECHANISMS]);
  assert.equal(mechanismsFlag('all'), [...MECHANISMS]);
  assert.equal(mechanismsFlag('none'), []);
  assert.equal(mechanismsFlag('request,async_reset,request'), ['async_reset', 'request']);
  const d = parseDiffArgs(['--policy', 'd0', '--policy', 'upstream', '--mechanisms', 'kvm_notifier']);
  assert.equal(d.settings.mechanisms, ['kvm_notifier']);
});

t('a bad value is one line naming the flag and the problem', () => {
  assert.throws(
    () => parseCheckArgs(['--mechanisms', 'async_rest']),
    says("--mechanisms: unknown mechanism 'async_rest'"),
  );
  assert.throws(() => mechanismsFlag('all,request'), says("--mechanisms: 'all' only alone"));
  assert.throws(() => mechanismsFlag('request,'), says('--mechanisms: an empty name'));
  assert.throws(() => mechanismsFlag(''), says('--mechanisms: an empty name'));
  const withTrace = ['--policy', 'd0', '--policy', 'upstream', '--mechanisms', 'none', 'x.trace'];
  assert.throws(() => parseDiffArgs(withTrace), says('--mechanisms: only without a trace'));
  for (const c of ['check', 'diff'] as const) {
    for (const m of MECHANISMS) assert.ok(commandHelp(c).includes(m), `${c}: ${m}`);
  }
});

t('the exhaustive search steps the alphabet of its mechanisms', () => {
  const cfg = { scope: TINY, policy: POLICIES['upstream']! };
  const none = exploreExhaustive(cfg, [], { depth: 1, mechanisms: [] });
  const reset = exploreExhaustive(cfg, [], { depth: 1, mechanisms: ['async_reset'] });
  assert.is(none.alphabet, alphabet(TINY).length);
  assert.is(reset.alphabet, alphabet(TINY, new Set(['async_reset'])).length);
  // The busy fault and the reset poll of each APQN.
  assert.is(reset.alphabet, none.alphabet + 2);
  assert.ok(reset.states > none.states);
});

/** `apmc check --json`'s exhaustive figures. */
async function searched(...args: string[]): Promise<{ alphabet: number; transitions: number; workers: number }[]> {
  const r = await apmcInProcess(['check', '--engine', 'exhaustive', '--json', ...args]);
  assert.ok(r.code === 0 || r.code === 5, r.err);
  return (JSON.parse(r.out) as { exhaustive: { alphabet: number; transitions: number; workers: number }[] }).exhaustive;
}

t('worker threads and the product search against a base step the alphabet of the mechanisms asked for', async () => {
  const small = ['--adapters', '1', '--domains', '1', '--mdevs', '1', '--vms', '1', '--depth', '1', ...RESERVE_BOUND];
  const none = alphabet(TINY).length;
  const reset = alphabet(TINY, new Set(['async_reset'])).length;
  const base = ['--base', 'upstream', '--policy', 'd0'];
  for (const more of [['--workers', '2'], base, [...base, '--workers', '2']]) {
    const a = await searched(...small, ...more, '--policy', 'upstream', '--mechanisms', 'none');
    const b = await searched(...small, ...more, '--policy', 'upstream', '--mechanisms', 'async_reset');
    assert.ok(a.length > 0);
    for (const x of a) assert.is(x.alphabet, none, more.join(' '));
    for (const x of b) assert.is(x.alphabet, reset, more.join(' '));
  }
});

t('the report names the mechanisms; merge refuses shards made with other mechanisms', async () => {
  const d = mkdtempSync(join(tmpdir(), 'apmc-mech-'));
  const shard = async (k: number, m: string): Promise<string> => {
    const args = ['check', '--runs', '5', '--policy', 'upstream', '--shard', `${k}/2`, '--json', '--mechanisms', m];
    const r = await apmcInProcess(args);
    const f = join(d, `${k}-${m}.json`);
    writeFileSync(f, r.out);
    return f;
  };
  const a = await shard(1, 'none');
  assert.equal((JSON.parse(readFileSync(a, 'utf8')) as { mechanisms: string[] }).mechanisms, []);
  const merge = (...files: string[]) => apmcInProcess(['merge', ...files]);
  assert.ok([0, 5].includes((await merge(a, await shard(2, 'none'))).code ?? -1));
  const bad = await merge(a, await shard(2, 'all'));
  assert.is(bad.code, 2);
  assert.match(bad.err, 'mechanisms differ');
});

t.run();
