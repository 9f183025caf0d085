/**
 * `apmc explain --format sh`: a POSIX shell script that replays a trace on a real LPAR through sysfs
 * (spec §12.4), checks every step's result and, at the end, every mdev's files and every queue's
 * driver against the model, cleans up, and exits non-zero when reality disagrees with the model.
 */
import { formatEvent } from '../model/events.ts';
import type { Op } from '../model/ops.ts';
import { POLICIES } from '../model/policies/index.ts';
import type { Policy } from '../model/policy.ts';
import { settle } from '../properties/quiescence.ts';
import { execTrace } from '../trace/exec.ts';
import { formatOp, formatTrace } from '../trace/format.ts';
import type { Trace } from '../trace/types.ts';
import { SH_FUNCTIONS, SH_SETTINGS } from './sh-lib.ts';
import {
  betweenLines,
  checkName,
  cleanupLines,
  compareLines,
  recordGuestsLines,
  TWO_HISTORY_FUNCTIONS,
  endLines,
  envName,
  setupLines,
  traceLines,
  type ShContext,
} from './sh-sections.ts';
import type { ShNames } from './sh-steps.ts';
import { freeLines, mappingLines, uuidLines } from './sh-machine.ts';
import { shComment, shWord } from './shell-quote.ts';

export interface ShOptions {
  /** The design the expectations come from. Default: the trace's built-in policy, else upstream. */
  readonly policy?: Policy;
  /** Where the trace came from (a file name), for the header. */
  readonly source?: string;
  /** For a counterexample: the property it is about, and its note. */
  readonly property?: string;
  readonly note?: string;
  /**
   * An order-independence counterexample's second history (its "other_ops"): the script replays the trace
   * (history A), goes back to the initial state, replays this (history B), and compares the guests.
   */
  readonly other?: readonly Op[];
}

/** The ops an LPAR cannot script: they become manual steps that wait for the operator. */
const MANUAL: ReadonlySet<Op['kind']> = new Set(['host', 'fault']);
/** The ops whose interleaving the kernel decides, not the script. */
const timing = (op: Op): boolean =>
  op.kind === 'reprobe' || op.kind === 'scan_start' || op.kind === 'scan_step' || ('async' in op && op.async === true);

function resolvePolicy(t: Trace, p: Policy | undefined): Policy {
  if (p) return p;
  const builtin = POLICIES[t.policy ?? 'upstream'];
  if (!builtin)
    throw new Error(`renderSh: policy '${t.policy}' is not built in; pass the loaded policy as opts.policy`);
  return builtin;
}

/** Model ids outside the scope that the traces name, per kind (they map above the real maximum: ENODEV). */
function outsideIds(...ts: Trace[]): Record<'A' | 'D' | 'C', number[]> {
  const out = { A: new Set<number>(), D: new Set<number>(), C: new Set<number>() };
  const s = ts[0]!.scope;
  const note = (k: 'A' | 'D' | 'C', id: number) => {
    if (id >= (k === 'A' ? s.adapters : k === 'D' ? s.domains : s.control_domains)) out[k].add(id);
  };
  for (const { op } of ts.flatMap((t) => t.steps)) {
    if ('apid' in op) note('A', op.apid);
    if ('apqi' in op) note('D', op.apqi);
    if (op.kind === 'assign_adapter' || op.kind === 'unassign_adapter') note('A', op.id);
    if (op.kind === 'assign_domain' || op.kind === 'unassign_domain') note('D', op.id);
    if (op.kind === 'assign_control_domain' || op.kind === 'unassign_control_domain') note('C', op.id);
    if (op.kind === 'ap_config') {
      for (const x of op.apm) note('A', x);
      for (const x of op.aqm) note('D', x);
      for (const x of op.adm) note('C', x);
    }
  }
  const sorted = (x: Set<number>) => [...x].sort((a, b) => a - b);
  return { A: sorted(out.A), D: sorted(out.D), C: sorted(out.C) };
}

/** The script. Pure: the same trace and options always give the same text. */
export function renderSh(trace: Trace, opts: ShOptions = {}): string {
  const policy = resolvePolicy(trace, opts.policy);
  // Two histories: the second is a trace of its own, from the same initial state.
  const other: Trace | null = opts.other
    ? { ...trace, header: [], trailer: [], steps: opts.other.map((op) => ({ op })) }
    : null;
  const all = other ? [...trace.steps, ...other.steps] : trace.steps;
  const mdevNames = [...new Set(all.flatMap(({ op }) => ('mdev' in op ? [op.mdev] : [])))];
  const vmNames = [...new Set(all.flatMap(({ op }) => (op.kind === 'start' ? [op.vm] : [])))];
  for (const m of mdevNames) checkName('mdev', m);
  for (const v of vmNames) checkName('guest', v);
  const run = execTrace(trace, policy);
  const n: ShNames = {
    cfg: run.cfg,
    mdev: new Map(mdevNames.map((m, i) => [m, i])),
    vm: new Map(vmNames.map((v, i) => [v, i])),
  };
  const outside = other ? outsideIds(trace, other) : outsideIds(trace);
  const texts = trace.steps.map(({ op }) => formatOp(op));
  // Step labels: 1, 2 … for one history; A1 … and B1 … for two.
  const label = (h: string, i: number) => `${other ? h : ''}${i + 1}`;
  const marked = (t: Trace, h: string, f: (op: Op) => boolean) =>
    t.steps.flatMap((st, i) => (f(st.op) ? [label(h, i)] : []));
  const byHistory = (f: (op: Op) => boolean) => [...marked(trace, 'A', f), ...(other ? marked(other, 'B', f) : [])];
  const manualSteps = byHistory((op) => MANUAL.has(op.kind));
  const timingSteps = byHistory(timing);
  const title = opts.property ? `${opts.property} (${policy.name})` : `${opts.source ?? 'a trace'} (${policy.name})`;
  const c: ShContext = { trace, policy, run, n, title, texts };
  const runB = other ? execTrace(other, policy) : null;
  const cB: ShContext | null =
    other && runB
      ? { trace: other, policy, run: runB, n, title, texts: other.steps.map(({ op }) => formatOp(op)) }
      : null;

  // Lines are added one at a time: a trace's steps are too many to spread into a call's arguments.
  const L: string[] = [];
  const push = (...xs: string[]) => {
    for (const x of xs) L.push(x);
  };
  const pushAll = (xs: Iterable<string>) => {
    for (const x of xs) L.push(x);
  };

  // --- header: every text from data is a comment through shComment ------------------------------
  push(
    '#!/bin/sh',
    shComment(`apmc replay: ${title}; generated by apmc, review before running on a real LPAR.`),
    shComment(`Design: ${policy.name}: ${policy.summary}`),
  );
  if (opts.note) push(shComment(opts.note));
  if (opts.source) push(shComment(`Source: ${opts.source}`));
  if (other) {
    push(
      '#',
      '# Two histories from the same initial state: history A (the trace) and history B (the other order).',
      '# The script replays A, puts the LPAR back as A found it, replays B, then compares what each mdev',
      '# gives its guest after each history (its guest_matrix) with each other and with the model.',
    );
  }
  push('#', `# The ${other ? 'trace, history A' : 'trace'} (model ids), and the result of each step in the model:`);
  for (const l of formatTrace(trace).trimEnd().split('\n')) L.push(shComment(`  ${l}`));
  push('# Results:');
  run.steps.forEach((s, i) => {
    L.push(shComment(`  [${label('A', i)}] ${texts[i]}: ${s.result}`));
    for (const e of s.events) L.push(shComment(`      ! ${formatEvent(e)}`));
  });
  if (cB && runB) {
    push('# History B, and the result of each step in the model:');
    runB.steps.forEach((s, i) => {
      L.push(shComment(`  [${label('B', i)}] ${cB.texts[i]}: ${s.result}`));
      for (const e of s.events) L.push(shComment(`      ! ${formatEvent(e)}`));
    });
  }
  if (manualSteps.length > 0) {
    push(
      '# Manual steps (host configuration or queue faults: HMC/SE, not scriptable from the LPAR): ' +
        `${manualSteps.join(', ')}.`,
    );
  }
  if (timingSteps.length > 0) {
    push(
      `# Timing: steps ${timingSteps.join(', ')} are asynchronous in the model; the kernel orders that work itself,`,
      '# so a disagreement after them may be an interleaving the real system did not take.',
    );
  }
  push(
    '#',
    '# Run as root on an LPAR with vfio_ap loaded. Environment (defaults in brackets):',
    '#   APMC_ADAPTER_<i>, APMC_DOMAIN_<i>, APMC_CONTROL_DOMAIN_<i>  real id of model id i (0x hex or decimal)',
    '#   APMC_UUID_<mdev>      UUID of an mdev [generated]      APMC_VM_<vm>  QEMU -name of a guest [apmc-<vm>]',
    '#   SYSFS [/sys]  QEMU [qemu-system-s390x]  SOCAT [socat]  APMC_QEMU_ARGS' +
      '  APMC_VM_HOOKS (file sourced to redefine vm_*)',
    '#   APMC_NONINTERACTIVE=1  do not ask; skip manual steps (APMC_MANUAL=abort: stop there instead, exit 3)',
    '#   APMC_TTY [/dev/tty]    where the operator answers          APMC_ERRNO=loose  compare success/failure only',
    '#   APMC_CHECK_STEPS=1     check guest_matrix after each step' +
      '  APMC_TIMEOUT [30] seconds to wait for the bus and QEMU',
    `#   APMC_KEEP=1  no cleanup${other ? ' at the end' : ''}   APMC_LOG  file: "path<TAB>value" per write`,
    '#   APMC_RUN [mktemp -d]  directory for QEMU pidfiles, sockets, logs: an absolute path without symlinks, a',
    '#                         directory of this user that no other can write (created, mode 700, if missing)',
    '# Exit: 0 reality agrees with the model; 1 it disagrees; 2 setup problem (nothing changed); 3 aborted;',
    '#       4 no disagreement, but manual steps were skipped (not a full replay).',
    '# Indexed variables (U_0, ON_1 …) are read through getv (eval); the functions are a library, not all used.',
    '# Text from the trace, the counterexample or the policy is in single quotes: SC2016 is what is meant.',
    '# shellcheck disable=SC2034,SC2317,SC2016',
    'set -u',
    '',
    '# --- model id -> real id: edit here, or set the environment variables ------------------------------',
    "# Choose adapters of type >= 10 (CEX4) in this LPAR's configuration that the host does not use (spec §12.4).",
  );
  pushAll(mappingLines(trace));
  for (const [m, i] of n.mdev) {
    push(`U_${i}=\${APMC_UUID_${envName(m)}:-}   ${shComment(`mdev ${m} (empty: a generated UUID)`)}`);
  }
  pushAll(uuidLines(trace, n.mdev));
  for (const [v, i] of n.vm) {
    push(`V_${i}=\${APMC_VM_${envName(v)}:-}   ${shComment(`guest ${v} (QEMU -name; empty: apmc-${v})`)}`);
    push(`[ -n "$V_${i}" ] || V_${i}=${shWord(`apmc-${v}`)}`);
  }
  push(
    '',
    SH_SETTINGS,
    '',
    SH_FUNCTIONS,
    ...(other ? [TWO_HISTORY_FUNCTIONS] : []),
    '# shellcheck source=/dev/null',
    '[ -z "${APMC_VM_HOOKS:-}" ] || . "$APMC_VM_HOOKS"',
    '',
  );

  pushAll(setupLines(c, outside));
  pushAll(freeLines(trace, run.initial.host.apm, n.mdev));
  pushAll(cleanupLines(c));
  if (cB && runB) {
    pushAll(traceLines(c, 'A'));
    pushAll(endLines(c, 'A'));
    pushAll(recordGuestsLines(c, 'A'));
    pushAll(betweenLines(c));
    pushAll(traceLines(cB, 'B'));
    pushAll(endLines(cB, 'B'));
    pushAll(recordGuestsLines(c, 'B'));
    pushAll(compareLines(c, settle(run.cfg, run.final), settle(run.cfg, runB.final)));
  } else {
    pushAll(traceLines(c));
    pushAll(endLines(c));
  }
  push('', 'cleanup', 'summary', 'exit $?', '');
  return L.join('\n');
}
