import { apqnName } from '../model/scope.ts';
import { assertNever, type Op } from '../model/ops.ts';
import { DEFAULT_SCOPE, SCOPE_KEYS } from '../model/scope.ts';
import { maxOf } from './arrays.ts';
import { formatIdList } from './ids.ts';
import { formatReal } from './real.ts';
import type { Trace } from './types.ts';

/** One operation as a trace line, in sysfs vocabulary (the inverse of the text parser). */
export function formatOp(op: Op): string {
  switch (op.kind) {
    case 'apmask':
    case 'aqmask':
      return `${op.kind} ${op.value}${op.async ? ' &' : ''}`;
    case 'reprobe':
      return `reprobe ${apqnName(op.apid, op.apqi)}${op.half ? ` ${op.half}` : ''}`;
    case 'reset_poll':
      return `reset_poll ${apqnName(op.apid, op.apqi)}`;
    case 'driver_override':
      return `driver_override ${apqnName(op.apid, op.apqi)} ${op.driver ?? 'none'}`;
    case 'bind':
      return `bind ${apqnName(op.apid, op.apqi)} ${op.driver}`;
    case 'unbind':
      return `unbind ${apqnName(op.apid, op.apqi)}${op.driver ? ` ${op.driver}` : ''}`;
    case 'scan':
      return 'scan';
    case 'scan_start':
      return 'scan start';
    case 'scan_step':
      return 'scan step';
    case 'scan_complete':
      return 'scan complete';
    case 'host':
      return `host ${op.action} ${op.resource} ${op.id}${op.async ? ' &' : ''}`;
    case 'card_config':
      return `card${op.apid.toString(16).padStart(2, '0')} config ${op.config}`;
    case 'fault':
      return `fault ${apqnName(op.apid, op.apqi)} ${op.fault}`;
    case 'create':
      return `create ${op.mdev}`;
    case 'remove':
      return `${op.mdev} remove${op.async ? ' &' : ''}`;
    case 'assign_adapter':
    case 'assign_domain':
    case 'assign_control_domain':
    case 'unassign_adapter':
    case 'unassign_domain':
    case 'unassign_control_domain':
      return `${op.mdev} ${op.kind} ${op.id}`;
    case 'ap_config':
      return `${op.mdev} ap_config apm=${formatIdList(op.apm)} aqm=${formatIdList(op.aqm)} adm=${formatIdList(op.adm)}`;
    case 'start':
      return `start ${op.mdev} ${op.vm}`;
    case 'stop':
      return `stop ${op.mdev}`;
    case 'vfio_reset':
    case 'request':
    case 'kvm_gone':
      return `${op.kind} ${op.mdev}`;
    default:
      return assertNever(op);
  }
}

const comment = (c: string): string => (c === '' ? '#' : `# ${c}`);

/** The whole trace as text: header comments, directives, one op per line with its comments. */
export function formatTrace(t: Trace): string {
  const lines: string[] = t.header.map(comment);
  const scopeParts = SCOPE_KEYS.filter((k) => t.scopeSet.includes(k) || t.scope[k] !== DEFAULT_SCOPE[k]).map(
    (k) => `${k}=${t.scope[k]}`,
  );
  if (scopeParts.length > 0) lines.push(`scope ${scopeParts.join(' ')}`);
  if (t.policy !== null) lines.push(`policy ${t.policy}`);
  if (t.initial !== null) {
    const i = t.initial;
    const parts = (['adapters', 'domains', 'control_domains'] as const).flatMap((k) => {
      const v = i[k];
      return v ? [`${k}=${formatIdList(v)}`] : [];
    });
    lines.push(['initial', ...parts].join(' '));
  }
  if (t.real) lines.push(formatReal(t.real));
  const commented = t.steps.filter((s) => s.comment !== undefined);
  const width = Math.min(
    40,
    maxOf(
      commented.map((s) => formatOp(s.op).length),
      0,
    ),
  );
  for (const s of t.steps) {
    for (const c of s.before ?? []) lines.push(comment(c));
    const text = formatOp(s.op);
    lines.push(s.comment !== undefined ? `${text.padEnd(width)}  ${comment(s.comment)}` : text);
  }
  for (const c of t.trailer) lines.push(comment(c));
  return lines.join('\n') + '\n';
}
