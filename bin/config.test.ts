/**
 * The project config of `apmc check` (bin/config.ts): apmc.config.json or package.json's "apmc" key gives
 * the defaults, the command line wins, --config names another file, --no-config ignores it; a bad config
 * is one line naming the file, the line and the key, exit 2, before anything runs.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { freshDir, ROOT, runInProcess } from '../test/cli-harness.ts';
import { parseCheckArgs } from './args.ts';
import { withConfig } from './config.ts';

/** A fresh directory with these files (objects as JSON), and a function running apmc in it. */
function project(files: Record<string, unknown>) {
  const dir = freshDir('apmc-config-');
  for (const [name, v] of Object.entries(files)) {
    mkdirSync(join(dir, name, '..'), { recursive: true });
    writeFileSync(join(dir, name), typeof v === 'string' ? v : JSON.stringify(v, null, 2));
  }
  return {
    dir,
    apmc: (...argv: string[]) => runInProcess(argv, dir, { NO_COLOR: '1' }),
    /** withConfig in that directory: the arguments check parses. */
    args: (...argv: string[]): string[] => {
      const old = process.cwd();
      process.chdir(dir);
      try {
        return withConfig(argv);
      } finally {
        process.chdir(old);
      }
    },
  };
}

const CONFIG = {
  policies: ['upstream', 'd0'],
  properties: ['I7', 'recovery'],
  scope: { adapters: 3, control_domains: 2 },
  budget: { runs: 40, seed: 7 },
  mechanisms: ['request'],
};

const t = suite('apmc check: the project config');

t('apmc.config.json gives check its settings: apmc check --ci runs them', async () => {
  const p = project({ 'apmc.config.json': CONFIG });
  const r = await p.apmc('check', '--ci', '--json');
  assert.is(r.err, 'settings from apmc.config.json; --no-config ignores them\n');
  const doc = JSON.parse(r.out) as { runs: number; seed: number; scope: Record<string, number>; mechanisms: string[] };
  assert.is(doc.runs, 40);
  assert.is(doc.seed, 7);
  assert.equal(doc.scope, { adapters: 3, domains: 2, control_domains: 2, mdevs: 2, vms: 2 });
  assert.equal(doc.mechanisms, ['request']);
  const a = parseCheckArgs(p.args('--ci'));
  assert.equal(a.policies, ['upstream', 'd0']);
  assert.equal(
    a.properties.map((x) => x.name),
    ['order-independence', 'recovery'],
  );
  assert.ok(a.ci);
});

t('flags on the command line win, each replacing the setting it names', () => {
  const p = project({ 'apmc.config.json': { ...CONFIG, engine: 'exhaustive', exhaustive: { depth: 3 } } });
  const a = parseCheckArgs(p.args('--policy', 'static', '--runs', '5', '--adapters', '1'));
  assert.equal(a.policies, ['static']);
  assert.is(a.runs, 5);
  assert.is(a.seed, 7);
  assert.is(a.scope.adapters, 1);
  assert.is(a.scope.control_domains, 2);
  assert.is(a.engine.engine, 'exhaustive');
  assert.is(a.engine.settings.depth, 3);
  // The exhaustive settings apply with the exhaustive engine only, the command line's or the config's.
  const random = parseCheckArgs(p.args('--engine', 'random'));
  assert.is(random.engine.engine, 'random');
  assert.is(random.engine.settings.depth, undefined);
  const q = project({ 'apmc.config.json': { engine: 'random', exhaustive: { depth: 4, workers: 2 } } });
  assert.is(parseCheckArgs(q.args()).engine.engine, 'random');
  const nightly = parseCheckArgs(q.args('--engine', 'exhaustive', '--workers', '1'));
  assert.is(nightly.engine.settings.depth, 4);
  assert.is(nightly.engine.settings.workers, 1);
  // --no-config: none of it.
  const none = parseCheckArgs(p.args('--no-config'));
  assert.is(none.policies, null);
  assert.is(none.runs, 50000);
});

t('the "apmc" key of package.json; --config FILE, its policy files relative to it', () => {
  const pkg = project({ 'package.json': { name: 'x', apmc: { budget: { runs: 9 } } } });
  assert.is(parseCheckArgs(pkg.args()).runs, 9);
  const other = project({
    'ci/apmc.json': { policies: ['./mine.ts', 'upstream'], base: 'mine.ts' },
    'ci/mine.ts': 'export default {};\n',
  });
  const a = parseCheckArgs(other.args('--config', 'ci/apmc.json'));
  assert.equal(a.policies, ['ci/mine.ts', 'upstream']);
  assert.is(a.base, 'ci/mine.ts');
  assert.is(parseCheckArgs(other.args('--config=ci/apmc.json', '--base', 'd0')).base, 'd0');
  // No config: the arguments as given.
  assert.equal(project({ 'package.json': { name: 'y' } }).args('--runs', '3'), ['--runs', '3']);
});

t("the README's example config is a valid one", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const text = /\*\*Project config\.\*\*[^]*?```json\n([^]*?)```/.exec(readme)![1]!;
  const p = project({
    'apmc.config.json': text,
    'policies/my-patch.ts': readFileSync(join(ROOT, 'examples/refilter-on-unassign.ts'), 'utf8'),
  });
  const a = parseCheckArgs(p.args());
  assert.equal(a.policies, ['upstream', 'policies/my-patch.ts']);
  assert.is(a.base, 'upstream');
  assert.is(a.engine.engine, 'random');
  assert.is(parseCheckArgs(p.args('--engine', 'exhaustive')).engine.settings.depth, 6);
});

t('a bad config: one line naming the file, line and key; exit 2, nothing run', async () => {
  const cases: [Record<string, unknown>, string[], string][] = [
    [{ 'apmc.config.json': '{\n  "budget": {"runs": 5,}\n}\n' }, [], 'apmc.config.json:2: malformed JSON'],
    [{ 'apmc.config.json': '{\n  "polices": ["upstream"]\n}' }, [], `apmc.config.json:2: "polices": unknown key (did`],
    [{ 'apmc.config.json': { budget: { runs: '100' } } }, [], 'apmc.config.json:3: "budget.runs": expected a whole'],
    [{ 'apmc.config.json': { budget: { runs: 0 } } }, [], 'apmc.config.json:3: "budget.runs" is 0; expected a whole'],
    [{ 'apmc.config.json': { scope: { adapters: 99 } } }, [], '.json:3: "scope.adapters" is 99; expected 1 to 32'],
    [{ 'apmc.config.json': { exhaustive: { symmetry: 'on' } } }, [], '"exhaustive.symmetry": expected true or false'],
    [{ 'apmc.config.json': { exhaustive: { order: 'x' } } }, [], `"exhaustive.order" is x; expected 'guests-first'`],
    [{ 'apmc.config.json': { policies: ['upstream', 'upstrem'] } }, [], `"policies[1]": unknown policy 'upstrem'`],
    [{ 'apmc.config.json': { policies: ['./gone.ts'] } }, [], `:3: "policies[0]": no such policy file './gone.ts'`],
    [{ 'apmc.config.json': { properties: ['recovry'] } }, [], `:3: "properties[0]": unknown property 'recovry'`],
    [
      { 'apmc.config.json': { engine: 'fast' } },
      [],
      `:2: "engine" is fast; expected 'random', 'exhaustive' or 'hybrid'`,
    ],
    [{ 'apmc.config.json': { exhaustive: { depth: 3 } }, x: '' }, ['--engine', 'random'], ''],
    [{ 'apmc.config.json': [] }, [], 'apmc.config.json: expected a JSON object of settings'],
    [{ 'apmc.config.json': {}, 'package.json': { apmc: {} } }, [], 'apmc.config.json and package.json\'s "apmc"'],
    [{ 'package.json': '{"apmc": {"runs": 1}}' }, [], 'package.json:1: "runs": unknown key'],
    [{ 'package.json': { apmc: 3 } }, [], 'package.json:2: expected a JSON object of settings'],
    [{}, ['--config', 'nope.json'], 'nope.json: cannot read config (no such file)'],
    [{ 'a.json': {} }, ['--config', 'a.json', '--no-config'], '--config and --no-config: give one'],
  ];
  for (const [files, argv, line] of cases) {
    const p = project(files);
    const r = await p.apmc('check', '--ci', '--runs', '1', '--policy', 'static', ...argv);
    if (line === '') {
      // The exhaustive settings go with the config's engine: --engine random drops them (a run, not exit 2).
      assert.ok(r.code !== 2 && r.code !== null, r.err);
      assert.not.match(r.err, /needs --engine/);
      continue;
    }
    assert.is(r.code, 2, `${line}: ${r.err}`);
    assert.is(r.out, '', line);
    assert.is(r.err.split('\n').length, 2, r.err);
    assert.ok(r.err.startsWith('apmc: ') && r.err.includes(line), `${line}\n${r.err}`);
  }
});

t('apmc check --help lists --config and --no-config, and needs no config to print', async () => {
  const p = project({ 'apmc.config.json': '{ not json' });
  const r = await p.apmc('check', '--help');
  assert.is(r.code, 0);
  assert.match(r.out, /--config <file>/);
  assert.match(r.out, /--no-config/);
});

t.run();
