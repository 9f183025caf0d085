/**
 * One trace step as replay-script lines: the sysfs write (or guest action, or manual step) that does
 * on a real LPAR what the op does in the model, with the model's result as the expectation (spec §12).
 */
import { has, ids, type Mask } from '../model/bits.ts';
import { parseMaskWrite } from '../model/mask-syntax.ts';
import { assertNever, type Op } from '../model/ops.ts';
import type { Config } from '../model/policy.ts';
import { queueAt } from '../model/blocks/queries.ts';
import type { Matrix, State } from '../model/state.ts';
import type { Result } from '../model/step.ts';
import { formatOp } from '../trace/format.ts';
import { shLine, shWord } from './shell-quote.ts';

/** Names in the script for model ids, mdevs and VMs. */
export interface ShNames {
  readonly cfg: Config;
  readonly mdev: ReadonlyMap<string, number>;
  readonly vm: ReadonlyMap<string, number>;
}

/** The shell variable holding the real id of a model id: A0 in the scope, XA5 outside it. */
export function idVar(n: ShNames, kind: 'A' | 'D' | 'C', id: number): string {
  const size = kind === 'A' ? n.cfg.scope.adapters : kind === 'D' ? n.cfg.scope.domains : n.cfg.scope.control_domains;
  return id < size ? `${kind}${id}` : `X${kind}${id}`;
}
const ref = (n: ShNames, kind: 'A' | 'D' | 'C', id: number): string => `"$${idVar(n, kind, id)}"`;
/** `$(apqn "$A0" "$D1")`, to use inside double quotes; apqnExpr is the quoted word. */
const apqnSub = (n: ShNames, a: number, d: number): string => `$(apqn ${ref(n, 'A', a)} ${ref(n, 'D', d)})`;
const apqnExpr = (n: ShNames, a: number, d: number): string => `"${apqnSub(n, a, d)}"`;
const hexExpr = (n: ShNames, kind: 'A' | 'D' | 'C', id: number): string =>
  `"$(${kind === 'A' ? 'ahex' : 'dhex'} ${ref(n, kind, id)})"`;

/** A matrix in the matrix / guest_matrix file format (spec §12.2), as shell words over the real ids. */
export function matrixWords(n: ShNames, m: Pick<Matrix, 'apm' | 'aqm'>): string[] {
  const as = ids(m.apm);
  const ds = ids(m.aqm);
  if (as.length > 0 && ds.length === 0) return as.map((a) => `"$(printf '%02x.' ${ref(n, 'A', a)})"`);
  if (as.length === 0) return ds.map((d) => `"$(printf '.%04x' ${ref(n, 'D', d)})"`);
  return as.flatMap((a) => ds.map((d) => apqnExpr(n, a, d)));
}

/** The control_domains file: one %04x line per control domain. */
export const domainWords = (n: ShNames, adm: Mask): string[] =>
  ids(adm).map((c) => `"$(printf '%04x' ${ref(n, 'C', c)})"`);

/**
 * A mask write as relative terms over the mapped ids (spec §12.4 note 1): what the model's write
 * sets and clears inside the scope. Bits outside the scope map to nothing and are left alone.
 */
function maskTerms(n: ShNames, s: State, which: 'apmask' | 'aqmask', value: string): string | null {
  const isAp = which === 'apmask';
  const cur = { mask: isAp ? s.bus.apmask : s.bus.aqmask, high: isAp ? s.bus.apmaskHigh : s.bus.aqmaskHigh };
  const next = parseMaskWrite(value, cur);
  if (next === 'EINVAL') return null;
  const size = isAp ? n.cfg.scope.adapters : n.cfg.scope.domains;
  const terms: string[] = [];
  for (let id = 0; id < size; id++) {
    const was = has(cur.mask, id);
    if (was !== has(next.mask, id)) terms.push(`${was ? '-' : '+'}$${idVar(n, isAp ? 'A' : 'D', id)}`);
  }
  return terms.join(',');
}

const HOST_WHAT = { adapter: 'adapter', domain: 'usage domain', control_domain: 'control domain' } as const;
const FAULT_WHAT = {
  none: 'answer normally again (undo the earlier fault)',
  checkstop: 'be checkstopped (ZAPQ and TAPQ answer response code 0x04)',
  reset_fails: 'fail its resets (ZAPQ answers an error response code)',
  busy: 'answer "reset in progress" to ZAPQ and TAPQ (response code 0x02) until undone',
} as const;

/**
 * A malformed mask write, written as it is (the kernel refuses it whatever the mapping). Shown escaped when
 * it holds characters a terminal should not get; a NUL cannot be in a shell word, so that write is not made.
 */
function malformed(file: string, value: string, exp: Result): string[] {
  if (value.includes('\0')) {
    const why = `the value holds a NUL byte, which a shell script cannot write (expected ${exp}): ${shLine(value)}`;
    return [`model_only ${shWord(why)}`];
  }
  const shown = shLine(value);
  return [`wr ${file} ${shWord(value)} ${exp}${shown === value ? '' : ` ${shWord(shown)}`}  # malformed`];
}

/** The script lines for step `i` (1-based): `before` and `after` are the model states around it. */
export function stepLines(
  n: ShNames,
  i: number | string,
  op: Op,
  before: State,
  res: Result,
  after: State,
  text: string,
): string[] {
  const out = [`step ${i} ${shWord(shLine(text))}`];
  const exp = res;
  const mi = 'mdev' in op ? n.mdev.get(op.mdev)! : -1;
  const mdir = `"$MX/$U_${mi}"`;
  switch (op.kind) {
    case 'apmask':
    case 'aqmask': {
      const terms = maskTerms(n, before, op.kind, op.value);
      const file = `"$AP/${op.kind}"`;
      if (terms === null) out.push(...malformed(file, op.value, exp));
      else if (terms === '') {
        const what = op.kind === 'apmask' ? 'adapter' : 'domain';
        out.push(`model_only ${shWord(`the write changes no mapped ${what} (expected ${exp})`)}`);
      } else out.push(`wr ${file} "${terms}" ${exp}`);
      if (op.async) {
        out.push(`printf '  (model: re-probes left pending; the kernel re-probes before the write returns)\\n'`);
      } else if (terms) out.push('settle');
      return out;
    }
    case 'reprobe':
      if (op.half !== undefined) {
        // device_reprobe runs both halves inside the kernel; user space cannot stop between them.
        const why = `${formatOp(op)}: the kernel runs this half of a re-probe by itself (expected ${exp})`;
        out.push(`model_only ${shWord(why)}`);
        return out;
      }
      out.push(`model_only 'the kernel re-probes by itself after a mask write; waiting for the bindings'`, 'settle');
      return out;
    case 'driver_override': {
      // A queue the bus has no device for has no directory: the model says ENODEV, the shell finds no file.
      const want = exp === 'ENODEV' ? "'ENODEV|ENOENT'" : exp;
      const file = `"$AP/devices/${apqnSub(n, op.apid, op.apqi)}/driver_override"`;
      out.push(`wr ${file} ${shWord(op.driver ?? '')} ${want}`);
      return out;
    }
    case 'bind':
      out.push(`wr "$AP/drivers/${op.driver}/bind" ${apqnExpr(n, op.apid, op.apqi)} ${exp}`);
      return out;
    case 'unbind': {
      // Without a driver the trace means "whichever driver": the model's, so that a different real driver shows.
      const q0 = queueAt(n.cfg, before, op.apid, op.apqi);
      const drv = op.driver ?? q0?.driver ?? `$(qdriver_or ${apqnExpr(n, op.apid, op.apqi)} cex4queue)`;
      out.push(`wr "$AP/drivers/${drv}/unbind" ${apqnExpr(n, op.apid, op.apqi)} ${exp}`);
      return out;
    }
    case 'scan':
    case 'scan_complete':
      out.push(`printf '  model: %s\\n' ${shWord(`${op.kind} ${exp}`)}`, 'force_scan');
      return out;
    case 'scan_start':
    case 'scan_step':
      out.push(`model_only 'a scan cannot be stepped from user space; the next scan or scan complete runs it all'`);
      return out;
    case 'host': {
      const k = op.resource === 'adapter' ? 'apm' : op.resource === 'domain' ? 'aqm' : 'adm';
      const kind = op.resource === 'adapter' ? 'A' : op.resource === 'domain' ? 'D' : 'C';
      const real = `$(${kind === 'A' ? 'ahex' : 'dhex'} ${ref(n, kind, op.id)})`;
      const what = `${HOST_WHAT[op.resource]} ${real} (model ${op.resource} ${op.id})`;
      if (has(before.host[k], op.id) === has(after.host[k], op.id)) {
        out.push(`printf '  %s\\n' 'nothing to change on the host: the model already has it that way'`);
      } else {
        const verb = op.action === 'add' ? 'add' : 'remove';
        const to = op.action === 'add' ? 'to' : 'from';
        out.push(
          `if manual "On the HMC/SE (Change LPAR Cryptographic Controls), ${verb} ${what} ${to}` +
            ` this LPAR's configuration"; then`,
          `  undo="$undo; ${op.action === 'add' ? 'remove' : 'add back'} ${what}"`,
          'fi',
        );
      }
      if (op.async) out.push(`printf '  (model: the scan runs later, in steps; the kernel may scan at any time)\\n'`);
      else out.push('force_scan');
      return out;
    }
    case 'card_config':
      // A card the bus does not have: the model says ENODEV, the shell finds no card directory (ENOENT).
      out.push(`card_config ${ref(n, 'A', op.apid)} ${op.config} ${exp === 'ENODEV' ? "'ENODEV|ENOENT'" : exp}`);
      return out;
    case 'fault': {
      const qi = before.fault[op.apid * n.cfg.scope.domains + op.apqi];
      if (qi === op.fault)
        out.push(`printf '  %s\\n' 'nothing to do: the queue already behaves that way in the model'`);
      else {
        out.push(
          `if manual "Make queue ${apqnSub(n, op.apid, op.apqi)} ${FAULT_WHAT[op.fault]}"; then`,
          `  undo="$undo; queue ${apqnSub(n, op.apid, op.apqi)}: undo the fault"`,
          'fi',
        );
      }
      return out;
    }
    case 'create':
      if (exp === 'EUSERS') {
        const limit = `the model's instance limit (scope mdevs=${n.cfg.scope.mdevs})`;
        const why = `${limit} refuses it (EUSERS); the real limit is higher`;
        out.push(`model_only ${shWord(why)}`);
      } else out.push(`create_mdev ${mi} ${exp}`);
      return out;
    case 'remove':
      // While the device is open the kernel blocks the write until it is closed, calling the request (§8.3).
      out.push(before.mdevs[op.mdev]?.open ? `bg_remove ${mi} ${exp}` : `remove_mdev ${mi} ${exp}`);
      if (op.async && after.mdevs[op.mdev]?.removing) {
        out.push(`printf '  (model: the request is left to its own step; the kernel calls it at once)\\n'`);
      }
      return out;
    case 'assign_adapter':
    case 'unassign_adapter':
      out.push(`wr ${mdir}/${op.kind} ${hexExpr(n, 'A', op.id)} ${exp}`);
      return out;
    case 'assign_domain':
    case 'unassign_domain':
      out.push(`wr ${mdir}/${op.kind} ${hexExpr(n, 'D', op.id)} ${exp}`);
      return out;
    case 'assign_control_domain':
    case 'unassign_control_domain':
      out.push(`wr ${mdir}/${op.kind} ${hexExpr(n, 'C', op.id)} ${exp}`);
      return out;
    case 'ap_config': {
      const field = (kind: 'A' | 'D' | 'C', xs: readonly number[]) =>
        `0x$(mask64${xs.map((x) => ` ${ref(n, kind, x)}`).join('')})`;
      out.push(`wr ${mdir}/ap_config "${field('A', op.apm)},${field('D', op.aqm)},${field('C', op.adm)}" ${exp}`);
      return out;
    }
    case 'start':
      out.push(`attach ${mi} ${n.vm.get(op.vm)!} ${exp}`);
      return out;
    case 'stop':
      out.push(`detach ${mi} ${exp}`);
      // A remove that waited for this guest completes now (§8.3).
      if (before.mdevs[op.mdev]?.removing && !after.mdevs[op.mdev]) out.push(`bg_wait ${mi} ok`);
      return out;
    case 'vfio_reset':
      out.push(`vfio_reset ${mi} ${exp}`);
      return out;
    case 'request': {
      // The vfio core calls it while `echo 1 > remove` waits (every 10 s), and QEMU may answer by letting go.
      const why = `${formatOp(op)}: the kernel calls the request on its own while the remove waits (${exp})`;
      out.push(`model_only ${shWord(why)}`);
      return out;
    }
    case 'kvm_gone':
      // No sysfs action: the KVM side of QEMU drops the device's group while the device stays open.
      if (exp === 'ok') {
        out.push(
          `if manual "Make the KVM notifier report the KVM gone for mdev $U_${mi} while QEMU keeps its VFIO device` +
            ` open (delete the device's group from the guest's KVM VFIO device, KVM_DEV_VFIO_GROUP_DEL)"; then`,
          `  printf '  %s\\n' 'done; the guest stop later only closes the device'`,
          'fi',
        );
      } else out.push(`model_only ${shWord(`${formatOp(op)}: nothing to do, the model answers ${exp}`)}`);
      return out;
    case 'reset_poll':
      out.push(`model_only ${shWord(`${formatOp(op)}: the kernel does this on its own`)}`);
      return out;
    default:
      return assertNever(op);
  }
}
