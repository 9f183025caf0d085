#!/usr/bin/env node
// The `apmc` command: the bundle of apmc's modules (bin/bundle.mjs), or else the TypeScript sources through tsx.
import { bundle } from './bundle.mjs';

const dir = await bundle();
if (dir !== null) await import(new URL('main.js', dir).href);
else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('./main.ts');
}
