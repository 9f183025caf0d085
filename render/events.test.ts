/**
 * Why: a kernel event (a WARN, an oops, a log line) is part of what a step does. Every rendering shows it
 * under its step, every data format carries it, and hostile text in it stays text (terminal, Markdown,
 * HTML, shell).
 */
import { spawnSync } from 'node:child_process';
import { Chalk } from 'chalk';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { renderRun, runReport } from '../bin/run.ts';
import { logLine } from '../model/blocks/events.ts';
import { type ObserveLevel, observation } from '../model/observation.ts';
import { upstream } from '../model/policies/index.ts';
import { extend, type Policy } from '../model/policy.ts';
import { traceInitialState } from '../trace/exec.ts';
import { parseTrace } from '../trace/index.ts';
import { explain } from './explain.ts';
import { explainMarkdown } from './md.ts';
import { cxJson } from './report.ts';
import { renderSh } from './sh.ts';
import { explainText } from './text.ts';

const plain = new Chalk({ level: 0 });

const IN_USE = `scope adapters=2 domains=2
apmask -1
aqmask -0
create m1
m1 assign_adapter 1
m1 assign_domain 0
aqmask +0
apmask +1
`;
const LINE = 'warning: m1: Can not reserve queue 01.0000 for host driver: in use by mdev';

/** upstream, but in_use's refusal also logs `text` (hostile on purpose in some tests). */
const logging = (text: string): Policy =>
  extend(upstream, {
    name: 'logs',
    in_use: (cfg, s, apm, aqm) => {
      const r = upstream.in_use(cfg, s, apm, aqm);
      return typeof r === 'boolean' ? r : { state: logLine(r.state, 'err', text, { mdev: 'm1' }), errno: r.errno };
    },
  });
const HOSTILE = "</script><b>x</b> `code` | cell \u001b[31m red '$(touch /tmp/pwned)' \n next";

const show = suite('kernel events in the renderings');

show('apmc run: each event under its step (text), and as data (--json)', () => {
  const t = parseTrace(IN_USE, 'in-use.trace');
  const r = runReport(t, upstream);
  assert.equal(
    r.steps.map((s) => s.events.map((e) => e.line)),
    [[], [], [], [], [], [], [LINE]],
  );
  assert.equal(r.steps[6]!.events[0], {
    kind: 'log',
    line: LINE,
    level: 'warning',
    text: 'm1: Can not reserve queue 01.0000 for host driver: in use by mdev',
    apqns: ['01.0000'],
    mdev: 'm1',
  });
  const text = renderRun(plain, r);
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.includes('apmask +1'));
  assert.match(lines[at + 1]!, /^ {5}! warning: m1: Can not reserve queue 01\.0000/);
  assert.ok(lines.every((l) => l.length <= 80));
});

show('apmc run: hostile event text reaches the terminal as one escaped line', () => {
  const text = renderRun(plain, runReport(parseTrace(IN_USE, 't'), logging(HOSTILE)));
  assert.not.match(text, /\u001b/);
  assert.not.match(text, /\n next/);
  assert.match(text, /\\x0a next/);
  assert.match(text, /\\x1b\[31m/);
});

show('apmc explain: text and Markdown show the events of each step', () => {
  const ex = explain({ trace: parseTrace(IN_USE, 't') }, upstream);
  assert.equal(ex.histories[0]!.steps[6]!.events.length, 1);
  const text = explainText(plain, ex, { header: false });
  assert.match(text, /! warning: m1: Can not reserve queue 01\.0000 for host driver: in use by\n\s+mdev/);
  const md = explainMarkdown(ex, 't');
  assert.match(md, /- step 7: `warning: m1: Can not reserve queue 01\.0000 for host driver: in use by\n {2}mdev`/);
});

show('Markdown: hostile event text stays inline code on its own lines', () => {
  const md = explainMarkdown(explain({ trace: parseTrace(IN_USE, 't') }, logging(HOSTILE)), 't');
  const item = md.split('\n').filter((l, i, all) => l.startsWith('- step 7: ') || all[i - 1]?.startsWith('- step 7: '));
  assert.ok(item.length > 0);
  assert.not.match(md, /\u001b/);
  // The backtick in the text is fenced by two: the span cannot end early.
  assert.match(md, /``/);
});

show('the HTML report: events are data drawn as text nodes, never markup', () => {
  const ex = explain({ trace: parseTrace(IN_USE, 't') }, logging(HOSTILE));
  const steps = cxJson(ex)[0]!.steps;
  assert.equal(steps[6]!.events.length, 2);
  assert.match(steps[6]!.events[1]!, /^err: <\/script>/);
});

show('the sh replay: a log line is looked for in dmesg with the real names; hostile text stays quoted', () => {
  const script = renderSh(parseTrace(IN_USE, 't'), { policy: logging(HOSTILE) });
  const k = script.split('\n').filter((l) => l.startsWith('kmsg '));
  assert.is(k.length, 2);
  assert.is(
    k[0],
    `kmsg 'a warning line' "$U_0"': Can not reserve queue '"$(apqn "$A1" "$D0")"' for host driver: in use by mdev' ` +
      `'${LINE}'`,
  );
  assert.ok(!script.includes("'$(touch /tmp/pwned)'\n"), 'no raw newline splits the word');
  // The header lists the model's results with each step's events, as comments on one line each.
  assert.ok(script.includes(`#   [7] apmask +1: EBUSY\n#       ! ${LINE}\n#       ! err: </script>`));
  const sc = spawnSync('shellcheck', ['-s', 'sh', '-'], { input: script, encoding: 'utf8' });
  assert.is(sc.status, 0, sc.stdout);
  const n = spawnSync('sh', ['-n'], { input: script, encoding: 'utf8' });
  assert.is(n.status, 0, n.stderr);
});

show('observation: the events count at sysfs and all, not at guest', () => {
  const t = parseTrace(IN_USE, 't');
  const cfg = { scope: t.scope, policy: upstream };
  const ev = [{ kind: 'log', level: 'warning', text: 'x', apqns: [[1, 0]], mdev: 'm1' }] as const;
  const at = (level: ObserveLevel) => observation(cfg, traceInitialState(t), 'ok', level, ev);
  assert.is(at('guest').has('kernel log'), false);
  assert.is(at('sysfs').get('kernel log'), 'warning: x');
  assert.match(at('all').get('kernel events') ?? '', /"apqns":\[\[1,0\]\]/);
  assert.is(observation(cfg, traceInitialState(t), 'ok', 'all').has('kernel log'), false, 'no events, no entry');
});

show.run();
