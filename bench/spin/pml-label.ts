/** The label of an op in the generated model: the comment of its option, and the op in a state dump. */
import type { Op } from '../../model/ops.ts';

/** A short label for an op, as `apmc run` would print it (used as the Promela comment of its option). */
export function opLabel(op: Op): string {
  switch (op.kind) {
    case 'apmask':
    case 'aqmask':
      return `${op.kind} ${op.value}${op.async ? ' &' : ''}`;
    case 'reprobe':
    case 'unbind':
      return `${op.kind} ${op.apid}.${op.apqi}`;
    case 'bind':
      return `bind ${op.apid}.${op.apqi} ${op.driver}`;
    case 'scan':
    case 'scan_start':
    case 'scan_step':
    case 'scan_complete':
      return op.kind;
    case 'host':
      return `host ${op.action} ${op.resource} ${op.id}${op.async ? ' &' : ''}`;
    case 'card_config':
      return `card${op.apid} config ${op.config}`;
    case 'fault':
      return `fault ${op.apid}.${op.apqi} ${op.fault}`;
    case 'create':
      return `create ${op.mdev}`;
    case 'start':
      return `start ${op.mdev} ${op.vm}`;
    case 'ap_config':
      return `${op.mdev} ap_config`;
    case 'remove':
    case 'stop':
    case 'vfio_reset':
      return `${op.mdev} ${op.kind}`;
    case 'reset_poll':
    case 'request':
    case 'kvm_gone':
    case 'driver_override':
      throw new Error(`the Spin model has no ${op.kind}`);
    default:
      return `${op.mdev} ${op.kind} ${op.id}`;
  }
}
