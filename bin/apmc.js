#!/usr/bin/env node
// The `apmc` command: registers tsx so that the TypeScript sources (and users' .ts policy files) load on Node 20.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
