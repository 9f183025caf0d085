/**
 * The parts of a replay script that depend on the trace: the checks before anything changes, the
 * cleanup, the steps, and the final comparison with the model (render/sh.ts puts them together).
 */
import { has } from '../model/bits.ts';
import { formatEvent, type KernelEvent } from '../model/events.ts';
import { crycbApqns, observe } from '../model/observe.ts';
import type { Policy } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import type { Executed } from '../trace/exec.ts';
import type { Trace } from '../trace/types.ts';
import { domainWords, matrixWords, stepLines, type ShNames } from './sh-steps.ts';
import { shComment, shLine, shWord } from './shell-quote.ts';

/** What every section needs. */
export interface ShContext {
  readonly trace: Trace;
  readonly policy: Policy;
  readonly run: Executed;
  readonly n: ShNames;
  readonly title: string;
  /** Each step as a trace line. */
  readonly texts: readonly string[];
}

/** Per kind of id: shell prefix, scope key, environment name, word, maximum variable, hex function. */
export const KINDS = [
  ['A', 'adapters', 'ADAPTER', 'adapter', 'MAXA', 'ahex'],
  ['D', 'domains', 'DOMAIN', 'domain', 'MAXD', 'dhex'],
  ['C', 'control_domains', 'CONTROL_DOMAIN', 'control domain', 'MAXD', 'dhex'],
] as const;

/** The trace grammar's mdev and guest names: the only ones that may become part of a variable name. */
const NAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** Refuse a name outside the trace grammar (a Trace built without the parser): it would be script text. */
export function checkName(what: 'mdev' | 'guest', name: string): string {
  if (!NAME.test(name)) throw new Error(`renderSh: ${what} name ${JSON.stringify(name)} is not [A-Za-z][A-Za-z0-9_-]*`);
  return name;
}
/** Environment-variable suffix for an mdev or VM name (checked with checkName). */
export const envName = (name: string): string => name.replace(/-/g, '_');
export const range = (k: number): number[] => Array.from({ length: k }, (_, i) => i);

/** Validate the mapping, check the system is in the trace's initial state, show the table, ask. */
export function setupLines(c: ShContext, outside: Readonly<Record<'A' | 'D' | 'C', readonly number[]>>): string[] {
  const { n, run, title } = c;
  const scope = c.trace.scope;
  const sizes = { A: scope.adapters, D: scope.domains, C: scope.control_domains };
  const L: string[] = [];
  const push = (...xs: string[]) => {
    for (const x of xs) L.push(x);
  };
  push(
    '# --- setup: nothing is changed until every check here has passed ---------------------------------',
    '[ -d "$AP" ] || die "$AP: no AP bus here (SYSFS=$SYSFS)"',
    '[ -d "$AP/drivers/vfio_ap" ] || die "vfio_ap is not loaded (modprobe vfio_ap)"',
    '[ -d "$T" ] || die "$T: no vfio_ap-passthrough mdev type"',
    '[ -w "$AP/apmask" ] || die "$AP/apmask: not writable (run as root)"',
    'MAXA=$(maxid "$AP/ap_max_adapter_id" 63) || exit 2',
    'MAXD=$(maxid "$AP/ap_max_domain_id" 15) || exit 2',
  );
  for (const [k, key, env, word, max] of KINDS) {
    for (const i of range(scope[key])) push(`${k}${i}=$(realid APMC_${env}_${i} "$${k}${i}" "$${max}") || exit 2`);
    push(
      `distinct ${shWord(word)} ${range(scope[key])
        .map((i) => `"$${k}${i}"`)
        .join(' ')}`,
    );
    for (const id of outside[k]) {
      push(
        `X${k}${id}=$((${max} + 1 + ${id - sizes[k]}))` +
          `   # model ${word} ${id} is outside the scope: above the maximum (ENODEV)`,
      );
    }
  }
  for (const [m, i] of n.mdev) {
    push(
      `[ -n "$U_${i}" ] || U_${i}=$(gen_uuid) || exit 2`,
      `case $U_${i} in *[!0-9a-fA-F-]*) die "APMC_UUID_${envName(m)}=$U_${i}: not a UUID" ;; esac`,
      `N_${i}=${shWord(m)}; MINE_${i}=0; ON_${i}=''; RM_${i}=''`,
    );
  }
  for (const [v, i] of n.vm) {
    push(
      `case $V_${i} in ''|*[!A-Za-z0-9_.-]*) die "APMC_VM_${envName(v)}=$V_${i}: not a plain name" ;; esac`,
      `UP_${i}=0; NDEV_${i}=0`,
    );
  }
  const init = run.initial;
  for (const a of range(scope.adapters)) {
    push(`owned "$AP/apmask" "$A${a}" "model adapter ${a}"`);
    push(
      `hostcfg "$AP/ap_adapter_mask" "$A${a}" ${has(init.host.apm, a) ? 1 : 0}` +
        ` "adapter $(ahex "$A${a}") (model adapter ${a})"`,
    );
  }
  for (const d of range(scope.domains)) {
    push(`owned "$AP/aqmask" "$D${d}" "model domain ${d}"`);
    push(
      `hostcfg "$AP/ap_usage_domain_mask" "$D${d}" ${has(init.host.aqm, d) ? 1 : 0}` +
        ` "domain $(dhex "$D${d}") (model domain ${d})"`,
    );
  }
  for (const c of range(scope.control_domains)) {
    push(
      `hostcfg "$AP/ap_control_domain_mask" "$C${c}" ${has(init.host.adm, c) ? 1 : 0}` +
        ` "control domain $(dhex "$C${c}") (model control domain ${c})"`,
    );
  }
  push(
    'if [ "$APMC_NONINTERACTIVE" != 1 ]; then',
    '  { : < "$APMC_TTY"; } 2>/dev/null ||' +
      ' die "$APMC_TTY: no terminal to ask the operator on (set APMC_NONINTERACTIVE=1 to run without)"',
    '  exec 3< "$APMC_TTY"',
    'fi',
    'run_dir',
    '',
    `printf 'apmc replay: %s\\n' ${shWord(shLine(title))}`,
    `printf 'model id -> real id\\n'`,
  );
  for (const [k, key, , word, , hex] of KINDS) {
    for (const i of range(scope[key])) push(`printf '  %-17s %s\\n' ${shWord(`${word} ${i}`)} "$(${hex} "$${k}${i}")"`);
  }
  for (const [m, i] of n.mdev) push(`printf '  %-17s %s\\n' ${shWord(`mdev ${m}`)} "$U_${i}"`);
  for (const [v, i] of n.vm) push(`printf '  %-17s QEMU -name %s\\n' ${shWord(`guest ${v}`)} "$V_${i}"`);
  push(
    'if [ "$APMC_NONINTERACTIVE" != 1 ]; then',
    `  printf 'This changes apmask, aqmask, queue drivers and mdevs for the ids above. Go on? [y/N] '`,
    '  read -r _ans <&3 || _ans=n',
    '  case $_ans in y|Y|yes) ;; *) [ $own_run = 0 ] || rmdir "$APMC_RUN"; echo "$ME: nothing done"; exit 3 ;; esac',
    'fi',
    '',
  );
  return L;
}

/**
 * What puts the LPAR back as the trace found it: stop the guests, remove the mdevs this script created,
 * clear the driver_overrides it may have set, configure the cards it deconfigured, set the mask bits again,
 * bind unbound queues to cex4queue.
 */
function restoreLines(c: ShContext): string[] {
  const { n } = c;
  const scope = c.trace.scope;
  const L: string[] = [];
  const push = (...xs: string[]) => {
    for (const x of xs) L.push(x);
  };
  const apqns = range(scope.adapters).flatMap((a) => range(scope.domains).map((d) => `"$(apqn "$A${a}" "$D${d}")"`));
  if (n.vm.size > 0) {
    push(
      `  _j=0; while [ "$_j" -lt ${n.vm.size} ]; do`,
      '    if [ "$(getv "UP_$_j")" = 1 ]; then' +
        ' log vm "stop $(getv "V_$_j")"; vm_stop "$(getv "V_$_j")"; setv "UP_$_j" 0; fi',
      '    _j=$((_j + 1))',
      '  done',
      '  wait   # removes that waited for a guest',
    );
  }
  if (n.mdev.size > 0) {
    push(
      `  _i=0; while [ "$_i" -lt ${n.mdev.size} ]; do`,
      '    [ "$(getv "MINE_$_i")" = 1 ] && [ -d "$MX/$(getv "U_$_i")" ] && quiet "$MX/$(getv "U_$_i")/remove" 1',
      '    _i=$((_i + 1))',
      '  done',
    );
  }
  // driver_override (6.19): cleared first, as 46030379 refuses mask writes while an override is set.
  if (c.trace.steps.some((t) => t.op.kind === 'driver_override')) {
    push(
      `  for _q in ${apqns.join(' ')}; do`,
      '    [ -f "$AP/devices/$_q/driver_override" ] && quiet "$AP/devices/$_q/driver_override" \'\'',
      '  done',
    );
  }
  push(
    '  for _a in $cards_off; do quiet "$AP/devices/card$(printf %02x "$_a")/config" 1; done',
    `  quiet "$AP/apmask" "${range(scope.adapters)
      .map((a) => `+$A${a}`)
      .join(',')}"`,
    `  quiet "$AP/aqmask" "${range(scope.domains)
      .map((d) => `+$D${d}`)
      .join(',')}"`,
    '  settle',
    `  for _q in ${apqns.join(' ')}; do`,
    '    [ "$(qdriver "$_q")" = unbound ] && quiet "$AP/drivers/cex4queue/bind" "$_q"',
    '  done',
  );
  return L;
}

/** cleanup(): defined before the steps, because an abort calls it. */
export function cleanupLines(c: ShContext): string[] {
  const L: string[] = [
    'cleanup() {  # stop the guests, remove the mdevs this script created, give the ids back to the host',
    '  APMC_STEP=cleanup',
    '  trap - INT TERM HUP',
    `  printf '\\n== cleanup\\n'`,
    `  if [ "$APMC_KEEP" = 1 ]; then printf '  skipped (APMC_KEEP=1)\\n'; return 0; fi`,
    ...restoreLines(c),
    `  [ -z "$undo" ] || { printf '  undo by hand on the HMC/SE:\\n';` +
      ` printf '%s\\n' "$undo" | tr ';' '\\n' | sed '/^ *$/d; s/^ */    /'; }`,
    '  if [ $own_run = 1 ] && [ $((fail_real + fail_after)) -eq 0 ]; then rm -rf "$APMC_RUN"',
    `  else printf '  QEMU logs: %s\\n' "$APMC_RUN"; fi`,
    '}',
    `trap 'abort interrupted' INT TERM HUP`,
    '',
    '# --- the trace, one step per op ---------------------------------------------------------------',
  ];
  return L;
}

/**
 * Two histories (an order-independence counterexample): between them, the LPAR goes back to the state the
 * first one started from, whatever APMC_KEEP says, and the script forgets the mdevs and guests of the first.
 * Host changes made by hand are undone by hand (a manual step) before the second history starts.
 */
export function betweenLines(c: ShContext): string[] {
  const { n } = c;
  const L: string[] = [
    '',
    '# --- between the histories: back to the initial state ------------------------------------------',
    'APMC_STEP=between',
    `printf '\\n== back to the initial state for history B\\n'`,
    ...restoreLines(c).map((l) => l.replace(/^ {2}/, '')),
  ];
  for (const i of n.mdev.values()) L.push(`MINE_${i}=0; ON_${i}=''; RM_${i}=''`);
  for (const i of n.vm.values()) L.push(`UP_${i}=0; NDEV_${i}=0`);
  L.push(
    "cards_off=''",
    'if [ -n "$undo" ]; then',
    `  manual "undo these host changes before history B: $undo" || :`,
    "  undo=''",
    'fi',
    '',
    '# --- history B, one step per op -----------------------------------------------------------------',
  );
  return L;
}

/**
 * After both histories: what each mdev's guest_matrix gave after A (GA_<m>) and after B (GB_<m>), its full
 * APQNs as a sorted set, compared with each other and with what the model predicts: the same, or other
 * guests (order independence). Control domains are not compared: sysfs shows only the mdev's own.
 */
export function compareLines(c: ShContext, a: State, b: State): string[] {
  const { n } = c;
  const gives = (s: State, m: string): string => {
    const x = s.mdevs[m];
    return x?.shadow ? crycbApqns(x.shadow).join(' ') : 'none';
  };
  const L: string[] = [
    '',
    '# --- the two histories compared: the same configuration, the same guests? -----------------------',
    'APMC_STEP=compare',
    `printf '\\n== the two histories compared (order independence)\\n'`,
    'orders_differ=0',
  ];
  for (const [m, i] of n.mdev) {
    const predicted = gives(a, m) === gives(b, m) ? 'same' : 'different';
    L.push(shComment(`mdev ${m}: the model gives {${gives(a, m)}} after A, {${gives(b, m)}} after B`));
    L.push(`compare_guests ${i} "$GA_${i}" "$GB_${i}" ${predicted}`);
  }
  L.push(
    'if [ "$orders_differ" = 1 ]; then',
    `  printf '  on this system the two orders give other guests: order independence is violated\\n'`,
    `else printf '  on this system the two orders give the same guests\\n'; fi`,
  );
  return L;
}

/** After a history: each mdev's guest_matrix, as compareLines compares it, into G<history>_<m>. */
export function recordGuestsLines(c: ShContext, h: 'A' | 'B'): string[] {
  return [...c.n.mdev.values()].map((i) => `G${h}_${i}=$(guests_of ${i})`);
}

/** The functions only a two-history script needs. */
export const TWO_HISTORY_FUNCTIONS = String.raw`guests_of() {  # guests_of <m>: the full APQNs of its guest_matrix
  _g="$MX/$(getv "U_$1")/guest_matrix"
  [ -r "$_g" ] || { echo none; return; }
  _l=$(grep -E '^[0-9a-f]{2}\.[0-9a-f]{4}$' "$_g" | LC_ALL=C sort | tr '\n' ' ')
  printf '%s' "${'$'}{_l% }"
}
compare_guests() {  # compare_guests <m> <after A> <after B> <the model: same|different>
  if [ "$2" = "$3" ]; then _got=same; else _got=different; orders_differ=1; fi
  if [ "$_got" = "$4" ]; then
    printf '  %s: {%s} after A, {%s} after B: %s, as the model predicts\n' "$(getv "N_$1")" "$2" "$3" "$_got"
  else mismatch "$(getv "N_$1") guests: {$2} after A, {$3} after B: $_got; the model predicts $4"; fi
}`;

/** Each step, and with APMC_CHECK_STEPS=1 the guest_matrix of every mdev the step changes. */
/**
 * A log line's text as a shell word with the real names: each APQN of the scope (`aa.dddd`) becomes
 * $(apqn "$Ai" "$Dj"), each mdev name of the script "$U_i" (the kernel prints the UUID); the rest is shWord'd.
 */
function realText(n: ShNames, text: string): string {
  const names = [...n.mdev.keys()]
    .sort((a, b) => b.length - a.length)
    .map((m) => m.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  const re = new RegExp(`\\b([0-9a-f]{2})\\.([0-9a-f]{4})\\b${names.length ? `|${names.join('|')}` : ''}`, 'g');
  const parts: string[] = [];
  let from = 0;
  for (const m of text.matchAll(re)) {
    let real: string | null = null;
    if (m[1] !== undefined) {
      const a = Number.parseInt(m[1], 16);
      const d = Number.parseInt(m[2]!, 16);
      if (a < n.cfg.scope.adapters && d < n.cfg.scope.domains) real = `"$(apqn "$A${a}" "$D${d}")"`;
    } else real = `"$U_${n.mdev.get(m[0])!}"`;
    if (real === null) continue;
    if (m.index > from) parts.push(shWord(text.slice(from, m.index)));
    parts.push(real);
    from = m.index + m[0].length;
  }
  if (from < text.length || parts.length === 0) parts.push(shWord(text.slice(from)));
  return parts.join('');
}

/**
 * The kernel events of a step as expectations: a log line or a WARN is looked for in dmesg (kmsg), an
 * oops or a hang is for the tester to see. Every byte of the text goes through shWord / shLine.
 */
export function eventLines(n: ShNames, events: readonly KernelEvent[]): string[] {
  return events.map((e) => {
    const shown = shWord(shLine(formatEvent(e)));
    if (e.kind === 'log') return `kmsg ${shWord(`a ${e.level} line`)} ${realText(n, e.text)} ${shown}`;
    if (e.kind === 'warn') return `kmsg 'a WARNING' 'WARNING:' ${shown}`;
    return `kmsg ${shWord(`an ${e.kind}`)} '' ${shown}`;
  });
}

export function traceLines(c: ShContext, prefix = ''): string[] {
  const { n, run, trace, texts } = c;
  const L: string[] = [];
  const push = (...xs: string[]) => {
    for (const x of xs) L.push(x);
  };
  let before: State = run.initial;
  trace.steps.forEach((ts, i) => {
    const r = run.steps[i]!;
    for (const c of ts.before ?? []) push(shComment(c));
    if (ts.comment) push(shComment(ts.comment));
    push(...stepLines(n, `${prefix}${i + 1}`, ts.op, before, r.result, r.state, texts[i]!));
    push(...eventLines(n, r.events));
    for (const [m, mi] of n.mdev) {
      const x = r.state.mdevs[m];
      const was = before.mdevs[m];
      if (!x?.shadow || (was?.shadow && was.shadow.apm === x.shadow.apm && was.shadow.aqm === x.shadow.aqm)) continue;
      push(`step_gm ${mi} guest_matrix ${matrixWords(n, x.shadow).join(' ')}`.trimEnd());
    }
    before = r.state;
  });
  return L;
}

/** The end: every queue's driver and every mdev's files against the model's final state. */
export function endLines(c: ShContext, history: 'A' | 'B' | null = null): string[] {
  const { n, run, policy } = c;
  const scope = c.trace.scope;
  const L: string[] = [];
  const push = (...xs: string[]) => {
    for (const x of xs) L.push(x);
  };
  const fin = run.final;
  const obs = observe(run.cfg, fin);
  push(
    '',
    '# --- the end: every queue and every mdev against the model -------------------------------------',
    `APMC_STEP=end${history ?? ''}`,
    history === null
      ? `printf '\\n== the end: sysfs against the model\\n'`
      : `printf '\\n== the end of history ${history}: sysfs against the model\\n'`,
    'settle',
  );
  for (const a of range(scope.adapters)) {
    for (const d of range(scope.domains)) {
      const name = `${a.toString(16).padStart(2, '0')}.${d.toString(16).padStart(4, '0')}`;
      const st = name in obs.queues ? (obs.queues[name] ?? 'unbound') : 'none';
      push(`queue_is "$(apqn "$A${a}" "$D${d}")" ${st}`);
    }
  }
  for (const [m, mi] of n.mdev) {
    const x = fin.mdevs[m];
    if (!x) {
      push(shComment(`mdev ${m}: removed in the model (its remove was checked when it completed)`));
      continue;
    }
    if (x.removing) {
      // The model's guest holds on until a stop; QEMU (6.5+) answers the remove request by unplugging at once.
      const why = `mdev ${m}: remove pending in the model (QEMU may already have let go on the request): not compared`;
      push(`printf '  %s\\n' ${shWord(why)}`);
      continue;
    }
    push(`mdev_file ${mi} matrix ${matrixWords(n, x.matrix).join(' ')}`.trimEnd());
    if (x.shadow) push(`mdev_file ${mi} guest_matrix ${matrixWords(n, x.shadow).join(' ')}`.trimEnd());
    else push(shComment(`mdev ${m}: no guest_matrix in this design (${policy.name}): not compared`));
    push(`mdev_file ${mi} control_domains ${domainWords(n, x.matrix.adm).join(' ')}`.trimEnd());
  }
  return L;
}
