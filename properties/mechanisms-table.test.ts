/**
 * The queue table, driver_override and the re-probe halves, from the spec's text: a queue linked twice makes
 * every later walk over its mdev's table a hang (§8.2, the pre-6.10 vfio_ap_mdev_link_queue); an override binds
 * a queue against the masks (§4.2, 6.19); 46030379 makes overrides and mask edits exclusive; a re-probe's two
 * halves, run apart, end where the whole re-probe ends.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { hashAdd } from '../model/blocks/link.ts';
import { storeOverride } from '../model/bus.ts';
import { extend, type Policy } from '../model/policy.ts';
import { d0, upstream, upstream619 } from '../model/policies/index.ts';
import { initialState, type State } from '../model/state.ts';
import { run, type Step } from '../model/step.ts';
import { parseOpLine } from '../trace/index.ts';
import { linksHalvesAgree } from './links-halves-agree.ts';
import { overrideWithinRules } from './override-within-rules.ts';
import { quiescent, settle } from './quiescence.ts';

const SCOPE = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const cfgOf = (policy: Policy) => ({ scope: SCOPE, policy });
/** Run trace lines from the booted host: every step. */
const steps = (policy: Policy, lines: string): Step[] =>
  run(
    cfgOf(policy),
    initialState(SCOPE),
    lines
      .trim()
      .split('\n')
      .map((l) => parseOpLine(l.trim())),
  );
const last = (ss: Step[]): State => ss.at(-1)!.state;
const results = (ss: Step[]) => ss.map((x) => x.result);

/** upstream before f3e3a400: the link inserts without looking (hash_add). */
const noLinkCheck = extend(upstream, { name: 'no-link-check', blocks: { link: hashAdd } });
/** 6.19 without 46030379. */
const unrestricted = extend(upstream619, {
  name: '6.19-unrestricted',
  driver_override: storeOverride,
  mask_write_refused: null,
});

const TO_VFIO = 'apmask -0,-1\naqmask -0,-1\ncreate m1';

const table = suite('the queue table');

table('ap_config links the queue common to a new adapter and domain twice without the check: remove hangs', () => {
  const lines = `${TO_VFIO}\nm1 ap_config apm=0 aqm=0 adm=0\nm1 remove`;
  const bad = steps(noLinkCheck, lines);
  assert.ok(bad.at(-2)!.state.queues[0]!.dup, 'the second hash_add marks 00.0000');
  assert.is(bad.at(-1)!.result, 'EFAULT');
  assert.equal(
    bad.at(-1)!.events.map((e) => e.kind),
    ['hang'],
  );
  const good = steps(upstream, lines);
  assert.is(good.at(-1)!.result, 'ok');
  assert.ok(good.every((x) => x.events.every((e) => e.kind !== 'hang')));
});

table('every walk hangs: detach, VFIO reset; unlink of a dup leaves the table holding the queue', () => {
  const linked = `${TO_VFIO}\nm1 ap_config apm=0 aqm=0 adm=0\nstart m1 vm1`;
  for (const tail of ['stop m1', 'vfio_reset m1']) {
    const ss = steps(noLinkCheck, `${linked}\n${tail}`);
    assert.equal(ss.at(-1)!.events.at(-1)?.kind, 'hang', tail);
  }
  const ss = steps(noLinkCheck, `${linked}\nm1 unassign_adapter 0`);
  const s = last(ss);
  assert.is(s.queues[0]!.link, null);
  assert.is(s.queues[0]!.dup, false);
  assert.is(s.mdevs['m1']!.qtable[0], 1, "m1's table still holds 00.0000");
  assert.ok(linksHalvesAgree.check(cfgOf(noLinkCheck), s));
  assert.is(linksHalvesAgree.check(cfgOf(upstream), last(steps(upstream, `${linked}\nm1 unassign_adapter 0`))), null);
});

table('no built-in links a queue twice (ap_config, assign, probe)', () => {
  const rebind = 'unbind 01.0001\nbind 01.0001 vfio_ap';
  const lines = `${TO_VFIO}\nm1 ap_config apm=0,1 aqm=0,1 adm=0\nm1 assign_adapter 1\n${rebind}`;
  for (const p of [upstream, upstream619, d0]) {
    const ss = steps(p, lines);
    assert.ok(
      ss.every((x) => x.state.queues.every((q) => !q?.dup)),
      p.name,
    );
  }
});

const override = suite('driver_override');

override('an override binds a queue against the masks, and only to the driver it names', () => {
  const ss = steps(
    upstream619,
    'driver_override 00.0001 vfio_ap\nunbind 00.0001\nbind 00.0001 cex4queue\nbind 00.0001 vfio_ap\n' +
      'unbind 00.0001\nbind 00.0001 vfio_ap',
  );
  assert.equal(results(ss), ['ok', 'ok', 'ENODEV', 'ok', 'ok', 'ok']);
  const q = last(ss).queues[1]!;
  assert.is(q.driver, 'vfio_ap', 'bound against apmask/aqmask all ones');
  assert.is(q.override, 'vfio_ap', 'the override survives unbind and bind');
  assert.is(results(steps(upstream, 'unbind 00.0001\nbind 00.0001 vfio_ap'))[1], 'ENODEV');
  assert.is(results(steps(upstream, 'driver_override 00.0001 vfio_ap'))[0], 'ENOENT');
});

override('6.19 restriction: no override while a mask is in use, no mask edit while an override is active', () => {
  assert.equal(results(steps(upstream619, 'apmask -0\ndriver_override 00.0001 vfio_ap')), ['ok', 'EINVAL']);
  const ss = steps(
    upstream619,
    'driver_override 00.0001 vfio_ap\napmask -0\naqmask -1\ndriver_override 00.0001 none\napmask -0',
  );
  assert.equal(results(ss), ['ok', 'EBUSY', 'EBUSY', 'ok', 'ok']);
  assert.equal(results(steps(unrestricted, 'apmask -0\ndriver_override 00.0001 vfio_ap\naqmask -1')), [
    'ok',
    'ok',
    'ok',
  ]);
});

override('override-within-rules: holds under 6.19, broken without 46030379 (an assigned queue goes to zcrypt)', () => {
  const assign = 'm1 assign_adapter 0\nm1 assign_domain 0';
  const lines = `${TO_VFIO}\n${assign}\ndriver_override 00.0000 cex4queue\nreprobe 00.0000`;
  const bad = last(steps(unrestricted, lines));
  assert.is(bad.queues[0]!.driver, 'cex4queue');
  assert.match(overrideWithinRules.check(cfgOf(unrestricted), bad) ?? '', 'assigned to m1');
  const good = steps(upstream619, lines);
  assert.is(good.at(-2)!.result, 'EINVAL');
  assert.ok(good.every((x) => overrideWithinRules.check(cfgOf(upstream619), x.state) === null));
});

const halves = suite('re-probe halves');

halves('unbind then bind ends where the whole re-probe ends; nothing pending between them is lost', () => {
  for (const p of [upstream, d0, upstream619]) {
    const whole = last(steps(p, 'apmask -0 &\nreprobe 00.0000'));
    const apart = steps(p, 'apmask -0 &\nreprobe 00.0000 unbind\nreprobe 00.0000 bind\nreprobe 00.0000 bind');
    assert.equal(results(apart), ['ok', 'ok', 'ok', 'EAGAIN'], p.name);
    assert.is(apart[1]!.state.queues[0]!.driver, null);
    assert.ok(apart[1]!.state.queues[0]!.rebind);
    assert.equal(apart[2]!.state, whole, p.name);
  }
  const between = steps(upstream, 'apmask -0 &\nreprobe 00.0000 unbind\napmask +0\nreprobe 00.0000 bind');
  assert.is(last(between).queues[0]!.driver, 'cex4queue', 'the bind half takes the driver the masks select then');
});

table.run();
override.run();
halves('a pending bind half is outstanding work: not quiescent; settling (or a whole re-probe) runs it', () => {
  const ss = steps(upstream, 'apmask -0 &\nreprobe 00.0000 unbind');
  const mid = last(ss);
  assert.not.ok(quiescent(cfgOf(upstream), mid));
  assert.is(settle(cfgOf(upstream), mid).queues[0]!.driver, 'vfio_ap');
  const whole = run(cfgOf(upstream), mid, [parseOpLine('reprobe 00.0000')]);
  assert.equal(whole[0]!.state.queues[0], settle(cfgOf(upstream), mid).queues[0]);
});

halves.run();
