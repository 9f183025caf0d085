import type { Policy } from '../policy.ts';
import { d0 } from './d0.ts';
import { linux2025 } from './linux-2025/index.ts';
import { staticPolicy } from './static.ts';
import { upstream } from './upstream.ts';
import { upstream619 } from './upstream-6-19.ts';
import { v12Fcfs } from './v12-fcfs.ts';

/** The built-in designs, oldest first. */
export const POLICIES: Readonly<Record<string, Policy>> = {
  static: staticPolicy,
  'v12-fcfs': v12Fcfs,
  d0,
  upstream,
  'upstream-6.19': upstream619,
  'linux-2025': linux2025,
};

export { d0, linux2025, staticPolicy, upstream, upstream619, v12Fcfs };

/** Whether p is a built-in design itself (not a policy file's, nor a copy of one). */
export const isBuiltIn = (p: Policy): boolean => Object.hasOwn(POLICIES, p.name) && POLICIES[p.name] === p;
