/** Where a random search found its case, as the reports print it. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { foundWhere } from './budget.ts';

test("the guided generator's case number; fast-check's path from the other explorers", () => {
  assert.is(foundWhere(3, '3804'), 'seed 3, case 3804');
  assert.is(foundWhere(-7, '12:0:1'), 'fast-check seed -7, path 12:0:1');
  assert.is(foundWhere(1, ''), 'fast-check seed 1, path ');
});

test.run();
