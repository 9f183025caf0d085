/**
 * The worker side of the policy sandbox (bin/sandbox.ts): what a sandbox thread shares with the
 * watchdog in the main thread, through one SharedArrayBuffer.
 *
 * - Every callback of a loaded policy file is wrapped (`watched`): on entry the thread's slot counts
 *   the call and its depth, and names the callback; on exit the depth goes down. The watchdog polls
 *   the slot: a depth above zero with a count that has not moved for longer than the call limit is a
 *   callback that does not return. Three stores per call; no clock on the hot path.
 * - Where the computation is (`record*`): the ops of the case being checked (random engine, once per
 *   case, as text), the steps done of that case, or the step of a trace being run. The watchdog reads
 *   it after it has stopped the thread, to report the policy error with its trace.
 * - The stop request (`sharedAbort`): the watchdog sets it on SIGINT/SIGTERM; the engines poll it.
 * - process.exit is replaced before a policy loads (`interceptExit`): a call throws PolicyExit, which
 *   the policy guard reports as a policy error like any other throw.
 *
 * Outside a sandbox nothing is set and `watched` returns the policy as it is.
 */
import { createRequire, syncBuiltinESMExports } from 'node:module';
import type { Op } from '../model/ops.ts';
import { CALLBACK_NAMES, type Policy } from '../model/policy.ts';
import type { AbortFlag } from '../properties/abort.ts';

/** Int32 words per thread slot, and their meaning. */
export const SLOT = 8;
export const DEPTH = 0;
export const COUNT = 1;
export const CALLBACK = 2;
/** What WHERE_A/B/C hold: nothing yet, a random case (text; steps done in A), a trace step (A), an exhaustive state. */
export const WHERE = 3;
export const WHERE_A = 4;
export const WHERE_B = 5;
export const WHERE_C = 6;
export const W_NONE = 0;
export const W_CASE = 1;
export const W_STEP = 2;
export const W_STATE = 3;
/** Slot 0: the sandbox thread; 1..: the threads of a parallel exhaustive search. */
export const SLOTS = 17;
/** After the slots: the stop request (0, or 1 + index in SIGNALS), and the length of the text. */
export const ABORT = SLOTS * SLOT;
export const TEXT_LEN = ABORT + 1;
export const INTS = TEXT_LEN + 2;
/** Bytes of the text area (the case's ops and its policy, as JSON). */
export const TEXT_BYTES = 1 << 16;
export const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** The callbacks a slot's CALLBACK word names (by index). */
export const WATCHED = CALLBACK_NAMES;

export interface WatchShared {
  readonly ints: SharedArrayBuffer;
  readonly text: SharedArrayBuffer;
}

export const makeShared = (): WatchShared => ({
  ints: new SharedArrayBuffer(INTS * 4),
  text: new SharedArrayBuffer(TEXT_BYTES),
});

let ints: Int32Array | null = null;
let text: Uint8Array | null = null;
let base = 0;
let current: { readonly shared: WatchShared; readonly slot: number; readonly heapMb: number } | null = null;

/** In a sandbox thread: share `sh`, this thread's words at slot `slot`; its heap limit, for the threads it starts. */
export function setWatch(sh: WatchShared, slot: number, heapMb: number): void {
  ints = new Int32Array(sh.ints);
  text = new Uint8Array(sh.text);
  base = slot * SLOT;
  current = { shared: sh, slot, heapMb };
}

/** The watch of this thread, to give a thread it starts (a worker of a parallel search) a slot of its own. */
export const watch = (): typeof current => current;

/** A sandbox rebuilding the trace to a state (bin/sandbox.ts): the policy and state, and where the trace goes. */
type Give = (ops: Op[]) => void;
type Watched = { where?: Int32Array; traceTo?: { state: number; give: Give } };
let rebuild: { readonly policy: string; readonly state: number; readonly give: Give } | null = null;
export function setRebuild(r: typeof rebuild): void {
  rebuild = r;
}

/**
 * The options of an exhaustive search of `policy` in a sandbox thread: `where` (the state and op being
 * expanded, in this thread's slot) and, when rebuilding a trace, `traceTo`. Nothing outside a sandbox.
 */
export function exhaustiveWatch(policy: string | null): Watched {
  if (ints === null) return {};
  if (policy !== null) {
    ints[TEXT_LEN] = encoder.encodeInto(JSON.stringify({ policy, ops: [] }), text!).written;
  }
  ints[base + WHERE] = W_STATE;
  const where = new Int32Array(ints.buffer, (base + WHERE_A) * 4, 3);
  if (rebuild === null || rebuild.policy !== policy) return { where };
  return { where, traceTo: { state: rebuild.state, give: rebuild.give } };
}

/** Thrown by the replaced process.exit: the policy guard turns it into a policy error. */
export class PolicyExit extends Error {
  readonly code: unknown;
  constructor(code: unknown) {
    const plain = typeof code === 'number' || code === undefined;
    const shown = plain ? String(code ?? '') : (JSON.stringify(code) ?? typeof code);
    super(`called process.exit(${shown.slice(0, 40)})`);
    this.name = 'PolicyExit';
    this.code = code;
  }
}

let exitCalled: string | null = null;
/** The first process.exit call in this thread ('called process.exit(0)'), or null; also when the policy caught it. */
export const exitAttempt = (): string | null => exitCalled;

/** Replace process.exit (and process.reallyExit) in this thread: a call throws PolicyExit, and is remembered. */
export function interceptExit(): void {
  const exit = (code?: unknown): never => {
    const e = new PolicyExit(code);
    exitCalled ??= e.message;
    throw e;
  };
  Object.defineProperty(process, 'exit', { value: exit, writable: false, configurable: false });
  Object.defineProperty(process, 'reallyExit', { value: exit, writable: false, configurable: false });
}

const require = createRequire(import.meta.url);

/** Thrown by the sandbox's file and process functions: a policy runs without writing files or starting programs. */
export class PolicyWrite extends Error {
  constructor(what: string, target: unknown) {
    const shown = typeof target === 'string' ? JSON.stringify(target.slice(0, 60)) : '';
    super(`tried to ${what}${shown ? ` ${shown}` : ''}: a policy runs without writing files or starting programs`);
    this.name = 'PolicyWrite';
  }
}

/** The node:fs functions that change the file system, in their callback, sync and promise forms. */
const FS_WRITES = [
  'appendFile',
  'chmod',
  'chown',
  'copyFile',
  'cp',
  'createWriteStream',
  'lchmod',
  'lchown',
  'link',
  'lutimes',
  'mkdir',
  'mkdtemp',
  'rename',
  'rm',
  'rmdir',
  'symlink',
  'truncate',
  'unlink',
  'utimes',
  'writeFile',
  'write',
  'writev',
  'ftruncate',
  'fchmod',
  'fchown',
  'futimes',
] as const;
const CHILD = ['exec', 'execFile', 'execFileSync', 'execSync', 'fork', 'spawn', 'spawnSync'] as const;

/**
 * Replace, in this thread, the node:fs functions that write (and `open` for writing) and node:child_process's
 * program starters with ones that throw PolicyWrite; ES-module imports of them see the change too
 * (syncBuiltinESMExports). The sandbox's own output goes to the main thread as messages, so nothing here
 * needs them. Code that goes around node:fs (process.binding) is not stopped: this catches a policy's
 * mistakes, it is not a security boundary against a hostile one.
 */
export function refuseWrites(): void {
  const fs = require('node:fs') as Record<string, unknown> & { promises: Record<string, unknown> };
  const cp = require('node:child_process') as Record<string, unknown>;
  const refuse =
    (what: string) =>
    (target?: unknown): never => {
      throw new PolicyWrite(what, target);
    };
  for (const name of FS_WRITES) {
    for (const key of [name, `${name}Sync`]) if (typeof fs[key] === 'function') fs[key] = refuse(`${key}`);
    if (typeof fs.promises[name] === 'function') fs.promises[name] = refuse(`fs.promises.${name}`);
  }
  // open for reading stays (tsx reads the policy's imports); a flag that writes, creates or truncates throws.
  const writes = (flags: unknown): boolean =>
    typeof flags === 'number' ? (flags & 3) !== 0 || (flags & 0o1000) !== 0 : /[wa+]/.test(String(flags ?? 'r'));
  for (const [obj, key] of [
    [fs, 'open'],
    [fs, 'openSync'],
    [fs.promises, 'open'],
  ] as const) {
    const real = obj[key] as (...a: unknown[]) => unknown;
    obj[key] = (path: unknown, flags?: unknown, ...rest: unknown[]): unknown => {
      if (writes(flags)) throw new PolicyWrite(`open for writing`, path);
      return real.call(obj, path, flags, ...rest);
    };
  }
  for (const key of CHILD) if (typeof cp[key] === 'function') cp[key] = refuse(`start a program (${key})`);
  syncBuiltinESMExports();
}

/** The policy with every callback counted in this thread's slot (see the module comment). */
export function watched(p: Policy): Policy {
  const w = ints;
  if (w === null) return p;
  const b = base;
  const out: Record<string, unknown> = { ...p };
  WATCHED.forEach((cb, n) => {
    const raw = (p as unknown as Record<string, unknown>)[cb];
    if (typeof raw !== 'function') return;
    const f = raw as (...a: unknown[]) => unknown;
    // Fixed arity, as the guard: `passable` runs once per queue.
    out[cb] = (a: unknown, b2: unknown, c: unknown, d: unknown, e: unknown): unknown => {
      if (w[b + DEPTH]!++ === 0) w[b + CALLBACK] = n;
      w[b + COUNT]!++;
      try {
        return f(a, b2, c, d, e);
      } finally {
        w[b + DEPTH]!--;
      }
    };
  });
  return out as unknown as Policy;
}

const encoder = new TextEncoder();

/** The case being checked: its policy and ops (as JSON), and how many of its steps are done (none yet). */
export function recordCase(policy: string, ops: readonly Op[], done = 0): void {
  if (ints === null) return;
  const n = encoder.encodeInto(JSON.stringify({ policy, ops }), text!).written;
  ints[base + WHERE_A] = done;
  ints[TEXT_LEN] = n;
  ints[base + WHERE] = W_CASE;
}

/** One more step of the recorded case is done. */
export function recordStepDone(): void {
  if (ints !== null) ints[base + WHERE_A]!++;
}

/** Step `i` of a trace (of policy number `which` of a diff) is being run. */
export function recordTraceStep(i: number, which = 0): void {
  if (ints === null) return;
  ints[base + WHERE_A] = i;
  ints[base + WHERE_B] = which;
  ints[base + WHERE] = W_STEP;
}

/** The stop request the watchdog sets, as the engines' AbortFlag; a plain flag outside a sandbox. */
export function sharedAbort(): AbortFlag | null {
  const w = ints;
  if (w === null) return null;
  return {
    get aborted() {
      return Atomics.load(w, ABORT) !== 0;
    },
    set aborted(_v: boolean) {
      // Only the watchdog sets it.
    },
    get reason() {
      const r = Atomics.load(w, ABORT);
      return r === 0 ? null : (SIGNALS[r - 1] ?? 'signal');
    },
    set reason(_v: string | null) {
      // Only the watchdog sets it.
    },
  };
}
