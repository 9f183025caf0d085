/**
 * What the policy sandbox (bin/sandbox.ts) reports when a policy is stopped: the trace to the step it hung on,
 * rebuilt from what the worker recorded or from the exhaustive search's position, and the policy-error block.
 */
import { Worker } from 'node:worker_threads';
import { freshBundle } from './bundle.mjs';
import type { Command, FromWorker, SandboxOptions } from './sandbox-types.ts';
import type { Op } from '../model/ops.ts';
import { alphabet } from '../exhaustive/alphabet.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { formatOp } from '../trace/format.ts';
import { traceToJson } from '../trace/json.ts';
import { foundTrace } from '../properties/counterexample.ts';
import { isPolicyFile } from './load-policy.ts';
import { policyErrorHeading } from './render-robust.ts';
import {
  CALLBACK,
  DEPTH,
  makeShared,
  SLOT,
  SLOTS,
  TEXT_LEN,
  WATCHED,
  WHERE,
  WHERE_A,
  WHERE_B,
  WHERE_C,
  W_CASE,
  W_STATE,
  W_STEP,
  type WatchShared,
} from './sandbox-watch.ts';

/**
 * A sandbox thread running `data` (see bin/sandbox-worker.ts): from the bundle when it is up to date with the
 * sources (bin/bundle.mjs; a thread shares no module with the main thread, which may run from either).
 */
export function spawn(data: Record<string, unknown> & { heapMb: number }): Worker {
  const dir = freshBundle();
  const entry = dir === null ? new URL('./sandbox-worker.js', import.meta.url) : new URL('sandbox-thread.js', dir);
  const worker = new Worker(entry, {
    workerData: data,
    execArgv: [],
    stdout: true,
    resourceLimits: { maxOldGenerationSizeMb: data.heapMb },
  });
  // What the policy prints is not the command's output: it goes to stderr.
  worker.stdout.pipe(process.stderr);
  return worker;
}

/** The state of a one-thread exhaustive search that the policy stopped on (slot 0), with its policy. */
export function stateTarget(ints: Int32Array, shared: WatchShared): { policy: string; state: number } | null {
  if (Atomics.load(ints, WHERE) !== W_STATE || Atomics.load(ints, DEPTH) === 0) return null;
  const rec = recorded(ints, shared);
  return rec === null ? null : { policy: rec.policy, state: Atomics.load(ints, WHERE_A) };
}

/**
 * The trace to state `target.state`: the same search run again in a new sandbox (one thread: the
 * state numbers are the same) up to that state; null if it does not get there within `budgetMs`.
 */
export function rebuildTrace(
  command: Command,
  args: readonly string[],
  heapMb: number,
  target: { policy: string; state: number },
  budgetMs: number,
): Promise<Op[] | null> {
  const shared = makeShared();
  const worker = spawn({ command, args: [...args], shared, tty: false, heapMb, rebuild: target });
  return new Promise((resolveOps) => {
    const end = (ops: Op[] | null): void => {
      clearTimeout(timer);
      void worker.terminate();
      resolveOps(ops);
    };
    const timer = setTimeout(() => end(null), budgetMs);
    worker.on('message', (m: FromWorker) => {
      if (m.t === 'trace') end(m.ops);
      else if (m.t === 'done' || m.t === 'fail') end(null);
    });
    worker.on('error', () => end(null));
    worker.on('exit', () => end(null));
  });
}

export function recorded(ints: Int32Array, shared: WatchShared): Recorded | null {
  const n = Atomics.load(ints, TEXT_LEN);
  try {
    return JSON.parse(new TextDecoder().decode(new Uint8Array(shared.text).slice(0, n))) as Recorded;
  } catch {
    return null;
  }
}

export interface Recorded {
  readonly policy: string;
  readonly ops: Op[];
}

/** The one stderr line (and, for a check, the stdout block) for a worker stopped because of its policy. */
export function policyFailure(
  ints: Int32Array,
  shared: WatchShared,
  opt: SandboxOptions,
  what: string,
  rebuilt: Op[] | null,
): { line: string; out: string | null } {
  let slot = 0;
  for (let s = 0; s < SLOTS; s++) if (Atomics.load(ints, s * SLOT + DEPTH) > 0) slot = s;
  const b = slot * SLOT;
  const inCb = Atomics.load(ints, b + DEPTH) > 0;
  const cb = inCb ? `'${WATCHED[Atomics.load(ints, b + CALLBACK)] ?? '?'}'` : 'the policy';
  const where = Atomics.load(ints, b + WHERE);
  const message = `${cb} ${what}`;
  if (where === W_STEP && opt.locate) {
    const i = Atomics.load(ints, b + WHERE_A);
    const policy = opt.policies[Atomics.load(ints, b + WHERE_B)] ?? opt.policies[0] ?? '?';
    const at = opt.locate(i);
    const op = at.op ? ` (at '${at.op}')` : '';
    return { line: `apmc: ${at.where}: policy error in '${policy}': ${message}${op}`, out: null };
  }
  const rec = recorded(ints, shared);
  if (where === W_CASE) {
    if (rec !== null) {
      const done = Atomics.load(ints, b + WHERE_A);
      const at = done < rec.ops.length ? done : null;
      const ops = at === null ? rec.ops : rec.ops.slice(0, at + 1);
      const out = caseBlock(opt, rec.policy, message, ops, at);
      return { line: `apmc: policy error in '${rec.policy}': ${message}`, out };
    }
  }
  if (where === W_STATE && inCb) {
    const depth = Atomics.load(ints, b + WHERE_C);
    const policy = rec?.policy ?? opt.policies[0] ?? '?';
    const mechanisms = new Set(opt.mechanisms ?? MECHANISMS);
    const op = opt.scope ? alphabet(opt.scope, mechanisms)[Atomics.load(ints, b + WHERE_B)] : undefined;
    const line = `apmc: policy error in '${policy}': ${message}`;
    if (rebuilt !== null && op !== undefined) return { line, out: stateBlock(opt, policy, message, [...rebuilt, op]) };
    // A parallel search numbers its states anew each run, so its state cannot be rebuilt: one thread can.
    const why = slot > 0 ? 'with --workers (use 1)' : '(the search did not get there)';
    const at = `   on '${op ? formatOp(op) : '?'}' at depth ${depth}; no trace ${why}`;
    return { line, out: opt.json ? null : [...policyErrorHeading(policy, message), at].join('\n') };
  }
  // Only a policy file can misbehave: the built-in policies of the command are not named.
  const files = opt.policies.filter(isPolicyFile);
  const named = files.length > 0 ? files : opt.policies;
  return { line: `apmc: policy error in '${named.join("', '")}': ${message}`, out: null };
}

/** A check's report of a stopped exhaustive search: a shortest trace to the state, then the op. */
export function stateBlock(opt: SandboxOptions, policy: string, message: string, ops: readonly Op[]): string {
  const at = ops.length - 1;
  if (opt.json) {
    const trace = opt.scope ? traceToJson(foundTrace(opt.scope, policy, ops)) : { ops: ops.map(formatOp) };
    const callback = /^'(\w+)'/.exec(message)?.[1] ?? '(unknown)';
    const pe = { policy, kind: 'stopped', callback, message, at, trace };
    return JSON.stringify({ format: 'apmc-check/1', exit: 7, policy_errors: [pe] }, null, 2);
  }
  const lines = policyErrorHeading(policy, message);
  lines.push(`   a shortest trace to the state being expanded, then the op (${ops.length} ops):`);
  for (const [i, op] of ops.entries()) lines.push(`   ${formatOp(op)}${i === at ? '  # <-- policy error' : ''}`);
  return lines.join('\n');
}

/** A check's report of a stopped case: the case's ops up to the one that did not return. */
export function caseBlock(opt: SandboxOptions, policy: string, message: string, ops: readonly Op[], at: number | null) {
  if (opt.json) {
    const trace = opt.scope ? traceToJson(foundTrace(opt.scope, policy, ops)) : { ops: ops.map(formatOp) };
    const callback = /^'(\w+)'/.exec(message)?.[1] ?? '(unknown)';
    const pe = { policy, kind: 'stopped', callback, message, ...(at !== null ? { at } : {}), trace };
    return JSON.stringify({ format: 'apmc-check/1', exit: 7, policy_errors: [pe] }, null, 2);
  }
  const lines = policyErrorHeading(policy, message);
  lines.push(
    at === null
      ? `   the case being checked (${ops.length} ops, not shrunk); it stopped after its last op (settling, replaying):`
      : `   the case being checked, up to the op that did not finish (${ops.length} ops, not shrunk):`,
  );
  for (const [i, op] of ops.entries()) lines.push(`   ${formatOp(op)}${i === at ? '  # <-- policy error' : ''}`);
  return lines.join('\n');
}
