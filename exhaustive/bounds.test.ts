import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Due } from './bounds.ts';

const due = suite('when the bounds are due');

/** A clock that moves `step` ms at each read (changed as the test goes), and counts the reads. */
function fakeClock(): { now: () => number; reads: number; step: number; t: number } {
  const c = {
    t: 1000,
    reads: 0,
    step: 0,
    now: (): number => {
      c.reads++;
      c.t += c.step;
      return c.t;
    },
  };
  return c;
}

due('fast calls: the clock is read on about one call in 16, and not due while no time passes', () => {
  const c = fakeClock();
  const d = new Due(20, c.now);
  assert.ok(d.due(), 'due at once');
  d.checked(1000);
  let dueCalls = 0;
  for (let i = 0; i < 1000; i++) if (d.due()) dueCalls++;
  assert.is(dueCalls, 0);
  assert.ok(c.reads >= 60 && c.reads <= 70, `${c.reads} clock reads for 1001 calls`);
});

due('slow calls (5 ms each): the clock is read on every call again, and the bound comes due 20 ms on', () => {
  const c = fakeClock();
  const d = new Due(20, c.now);
  for (let i = 0; i < 100; i++) d.due(); // fast calls: the widest stride
  c.step = 5;
  for (let i = 0; i < 40; i++) d.due(); // the stride shrinks to one call
  const before = c.reads;
  for (let i = 0; i < 10; i++) d.due();
  assert.is(c.reads - before, 10, 'one read a call');
  d.checked(c.t);
  let calls = 1;
  while (!d.due()) calls++;
  assert.is(calls, 4, 'due on the fourth 5 ms call after the check');
});

due.run();
