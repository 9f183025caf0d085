/**
 * The body of each op's d_step in the generated model: the bus's and the host's ops here, vfio_ap's in
 * pml-vfio-ops.ts. A rejected op changes nothing (`skip`, with the errno as a comment).
 */
import type { BusOp, HostOp, Op } from '../../model/ops.ts';
import { full, type PmlScope } from './pml-scope.ts';
import { vfioOpCode } from './pml-vfio-ops.ts';

const DRIVER = { cex4queue: 'CEX', vfio_ap: 'VFIO' } as const;
const FAULT = { none: 'F_NONE', checkstop: 'F_CHECKSTOP', reset_fails: 'F_RESET_FAILS' } as const;
const HOSTVAR = { adapter: 'hostApm', domain: 'hostAqm', control_domain: 'hostAdm' } as const;

/** A relative apmask/aqmask write, `+id` or `-id`; re-probes unless `async`. */
function maskWrite(p: PmlScope, op: Extract<BusOp, { kind: 'apmask' | 'aqmask' }>): string {
  const m = /^([+-])(\d+)$/.exec(op.value);
  if (!m) throw new Error(`gen-pml: unsupported mask write ${op.value}`);
  const id = Number(m[2]);
  const w = op.kind === 'apmask' ? p.A : p.D;
  const v = m[1] === '+' ? `(${op.kind} | ${1 << id})` : `(${op.kind} & ${full(w) & ~(1 << id)})`;
  return `write_${op.kind}(${v}, ${op.async ? 0 : 1})`;
}

/** A host configuration change; a removal forgets the dirty marks outside; unless `async`, the whole scan. */
function hostChange(p: PmlScope, op: Extract<HostOp, { kind: 'host' }>): string {
  const v = HOSTVAR[op.resource];
  const w = op.resource === 'adapter' ? p.A : op.resource === 'domain' ? p.D : p.C;
  const set = op.action === 'add' ? `${v} = ${v} | ${1 << op.id}` : `${v} = ${v} & ${full(w) & ~(1 << op.id)}`;
  const forget = op.action === 'remove' && op.resource !== 'control_domain';
  let s = forget
    ? `xt = ${v}; ${set};\n    if\n    :: (xt != ${v}) -> forgetDirtyOutside()\n    :: else -> skip\n    fi`
    : `${set}`;
  if (!op.async) s += `;\n    scanAll()`;
  return s;
}

/** cardXX/config: ENODEV outside the last QCI; configuring a card clears its queues' dirty marks. */
function cardConfig(p: PmlScope, op: Extract<HostOp, { kind: 'card_config' }>): string {
  const b = 1 << op.apid;
  const on = p.all
    .filter(([a]) => a === op.apid)
    .map(([a, d]) => `dirty[${p.qi(a, d)}] = 0`)
    .join('; ');
  const body =
    op.config === 0
      ? `cardOff = cardOff | ${b}`
      : `if\n      :: (BIT(cardOff, ${op.apid}) != 0) -> cardOff = cardOff & ${full(p.A) & ~b}; ${on}\n` +
        `      :: else -> skip\n      fi`;
  return `if\n    :: (BIT(qciApm, ${op.apid}) == 0) -> skip /* ENODEV */\n    :: else -> ${body}\n    fi`;
}

/** The scan ops: the whole scan, or one of its steps (EAGAIN when it does not apply). */
function scanOp(op: Extract<BusOp, { kind: 'scan' | 'scan_start' | 'scan_step' | 'scan_complete' }>): string {
  switch (op.kind) {
    case 'scan':
      return `scanAll()`;
    case 'scan_start':
      return `if\n    :: (scanOn) -> skip /* EAGAIN */\n    :: else -> scanStart()\n    fi`;
    case 'scan_step':
      return `if\n    :: (scanOn) -> scanStep()\n    :: else -> skip /* EAGAIN */\n    fi`;
    case 'scan_complete':
      return `if\n    :: (scanOn && !ANY_MISMATCH) -> scanEnd()\n    :: else -> skip /* EAGAIN */\n    fi`;
  }
}

/** The body of op's d_step. */
export function opCode(p: PmlScope, op: Op): string {
  switch (op.kind) {
    case 'apmask':
    case 'aqmask':
      return maskWrite(p, op);
    case 'reprobe':
      return `reprobe(${op.apid}, ${op.apqi}, ${p.qi(op.apid, op.apqi)})`;
    case 'bind':
      return `bind(${op.apid}, ${op.apqi}, ${p.qi(op.apid, op.apqi)}, ${DRIVER[op.driver]})`;
    case 'unbind':
      if (op.driver !== undefined) throw new Error('gen-pml: unbind with a driver');
      return `unbind(${op.apid}, ${op.apqi}, ${p.qi(op.apid, op.apqi)})`;
    case 'scan':
    case 'scan_start':
    case 'scan_step':
    case 'scan_complete':
      return scanOp(op);
    case 'host':
      return hostChange(p, op);
    case 'card_config':
      return cardConfig(p, op);
    case 'fault': {
      if (op.fault === 'busy') throw new Error('the Spin model has no busy fault');
      // Leaving a checkstop resets the queue (model/step.ts): its dirty mark goes.
      const i = p.qi(op.apid, op.apqi);
      const set = `fault[${i}] = ${FAULT[op.fault]}`;
      return op.fault === 'checkstop'
        ? set
        : `if :: fault[${i}] == F_CHECKSTOP -> dirty[${i}] = 0 :: else -> skip fi; ${set}`;
    }
    case 'reset_poll':
    case 'request':
    case 'kvm_gone':
    case 'driver_override':
      throw new Error(`the Spin model has no ${op.kind}`);
    default:
      return vfioOpCode(p, op);
  }
}
