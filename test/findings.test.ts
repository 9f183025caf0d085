/**
 * Why: docs/findings/ is what apmc says about the code that ships, for maintainers to read. Each finding must
 * stay true as the model changes: its counterexample violates its property under `linux-2025` and replays as
 * the document prints it (`apmc explain`), its proposed fix (a policy file) holds the property on that trace,
 * its plain-text report fits a mail (80 columns, no Markdown), the index ranks every finding once, and each
 * expected verdict of `linux-2025` points to the finding that explains it.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { loadPolicy } from '../bin/load-policy.ts';
import { parseCounterexample, replay } from '../properties/counterexample.ts';
import { EXPECTED } from '../properties/expected.ts';
import { propertyByName } from '../properties/registry.ts';
import { ROOT, runInProcess } from './cli-harness.ts';

const DIR = join(ROOT, 'docs/findings');
const POLICY = 'linux-2025';
const KEYS = ['rank', 'severity', 'property', 'also', 'counterexample', 'fix', 'verdict', 'found'] as const;
type Key = (typeof KEYS)[number];

interface Finding {
  readonly slug: string;
  readonly text: string;
  readonly table: Readonly<Record<Key, string>>;
}

/** The target of a Markdown link `[text](target)` in a table value. */
const linkTarget = (v: string): string => /\]\(([^)]+)\)/.exec(v)?.[1] ?? '';

/** The fenced ```text block under heading `h`. */
function block(text: string, h: string): string | null {
  const at = text.indexOf(`\n## ${h}\n`);
  if (at < 0) return null;
  const m = /```text\n([\s\S]*?)\n```/.exec(text.slice(at));
  return m ? m[1]! : null;
}

function read(file: string): Finding {
  const text = readFileSync(join(DIR, file), 'utf8');
  const table = {} as Record<Key, string>;
  for (const m of text.matchAll(/^\| ([a-z]+) \| (.+?) \|$/gm)) {
    if ((KEYS as readonly string[]).includes(m[1]!)) table[m[1] as Key] = m[2]!;
  }
  return { slug: file.replace(/\.md$/, ''), text, table };
}

const findings = existsSync(DIR)
  ? readdirSync(DIR)
      .filter((f) => f.endsWith('.md') && f !== 'README.md')
      .sort()
      .map(read)
  : [];

const t = suite('docs/findings');

t('there are findings, each with every key of its table', () => {
  assert.ok(findings.length > 0, 'no finding in docs/findings');
  for (const f of findings) for (const k of KEYS) assert.ok(f.table[k], `${f.slug}: no '${k}' in its table`);
});

t('the index ranks every finding once, in rank order', () => {
  const index = readFileSync(join(DIR, 'README.md'), 'utf8');
  const ranks = findings.map((f) => Number(f.table.rank.split(' ')[0])).sort((a, b) => a - b);
  assert.equal(
    ranks,
    findings.map((_, i) => i + 1),
    'ranks are 1..n',
  );
  const byRank = [...findings].sort((a, b) => Number.parseInt(a.table.rank, 10) - Number.parseInt(b.table.rank, 10));
  const at = byRank.map((f) => index.indexOf(`(${f.slug}.md)`));
  assert.ok(
    at.every((x) => x >= 0),
    `the index links every finding: ${byRank.filter((_, i) => at[i]! < 0).map((f) => f.slug)}`,
  );
  assert.equal(
    [...at].sort((a, b) => a - b),
    at,
    'the index lists them in rank order',
  );
});

for (const f of findings) {
  t(`${f.slug}: the counterexample violates its property under ${POLICY}; the fix holds it on that trace`, async () => {
    const cxFile = resolve(DIR, linkTarget(f.table.counterexample));
    const cx = parseCounterexample(JSON.parse(readFileSync(cxFile, 'utf8')), cxFile);
    assert.is(cx.trace.policy, POLICY);
    const prop = propertyByName(cx.property);
    assert.ok(prop, cx.property);
    assert.ok(f.table.property.includes(`\`${cx.property}\``), `the table names ${cx.property}`);
    const shipped = await loadPolicy(POLICY, ROOT);
    assert.ok(replay({ scope: cx.trace.scope, policy: shipped }, cx, prop!), `${POLICY} violates ${cx.property}`);
    const fixFile = resolve(DIR, linkTarget(f.table.fix));
    assert.ok(existsSync(fixFile), fixFile);
    const fix = await loadPolicy(fixFile, ROOT);
    const v = replay({ scope: cx.trace.scope, policy: fix }, cx, prop!);
    assert.is(v, null, `the fix ${fix.name} still violates ${cx.property}: ${v?.reason}`);
    // With the other root cause of the same property fixed too (`together`), it holds as well.
    const together = /^\| together \| .*?\]\(([^)]+)\)/m.exec(f.text)?.[1];
    if (together !== undefined) {
      const both = await loadPolicy(resolve(DIR, together), ROOT);
      const w = replay({ scope: cx.trace.scope, policy: both }, cx, prop!);
      assert.is(w, null, `${both.name} violates ${cx.property}: ${w?.reason}`);
    }
  });

  t(`${f.slug}: the counterexample section is what apmc explain prints`, async () => {
    const cxFile = resolve(DIR, linkTarget(f.table.counterexample));
    const cx = JSON.parse(readFileSync(cxFile, 'utf8')) as { property: string };
    // As printed by `apmc explain --property P docs/findings/<slug>.json` from the repository's root.
    const r = await runInProcess(['explain', '--property', cx.property, relative(ROOT, cxFile)], ROOT, {
      NO_COLOR: '1',
    });
    const shown = block(f.text, 'Counterexample');
    assert.ok(shown !== null, 'a ```text block under ## Counterexample');
    assert.is(shown!.trimEnd(), r.out.trimEnd());
  });

  t(`${f.slug}: the report for linux-s390 is plain text within 80 columns`, () => {
    const report = block(f.text, 'Report for linux-s390');
    assert.ok(report !== null, 'a ```text block under ## Report for linux-s390');
    for (const line of report!.split('\n')) {
      assert.ok([...line].length <= 80, `over 80 columns: ${line}`);
      assert.not.match(line, /\*\*|`|\]\(|^#+ /, `Markdown in the report: ${line}`);
    }
  });
}

t(`every expected verdict of ${POLICY} points to its finding, and every finding to an expected verdict`, () => {
  const expected = EXPECTED[POLICY] ?? {};
  for (const [prop, e] of Object.entries(expected)) {
    const m = /docs\/findings\/([a-z0-9-]+)\.md/.exec(e.why);
    assert.ok(m, `${prop}: its sentence names no docs/findings/<slug>.md`);
    assert.ok(
      findings.some((f) => f.slug === m![1]),
      `${prop}: docs/findings/${m![1]}.md does not exist`,
    );
  }
  for (const f of findings) {
    const cx = JSON.parse(readFileSync(resolve(DIR, linkTarget(f.table.counterexample)), 'utf8')) as {
      property: string;
    };
    const prop = propertyByName(cx.property)!;
    const e = expected[prop.name] ?? expected[prop.spec];
    assert.ok(e, `${f.slug}: ${POLICY} is not expected to violate ${prop.name}`);
  }
});

t.run();
