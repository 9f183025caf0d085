/** What changed between two observations, as short lines in kernel terms (`m1 guest_matrix: +01.0000`). */
import type { Observation } from '../model/observe.ts';

function setDelta(before: readonly string[], after: readonly string[]): string {
  const b = new Set(before);
  const a = new Set(after);
  const parts = [
    ...after.filter((x) => !b.has(x)).map((x) => `+${x}`),
    ...before.filter((x) => !a.has(x)).map((x) => `-${x}`),
  ];
  return parts.join(' ');
}

const abbrev = (hex: string): string => `${hex.slice(0, 10)}…`;

export function changes(b: Observation, a: Observation): string[] {
  const out: string[] = [];
  if (b.apmask !== a.apmask) out.push(`apmask ${abbrev(b.apmask)} → ${abbrev(a.apmask)}`);
  if (b.aqmask !== a.aqmask) out.push(`aqmask ${abbrev(b.aqmask)} → ${abbrev(a.aqmask)}`);
  for (const k of ['adapters', 'domains', 'control_domains'] as const) {
    const d = setDelta(b.host[k].map(String), a.host[k].map(String));
    if (d) out.push(`host ${k.replace('_', ' ')}: ${d}`);
  }
  const qs = new Set([...Object.keys(b.queues), ...Object.keys(a.queues)]);
  for (const q of [...qs].sort()) {
    const x = b.queues[q];
    const y = a.queues[q];
    if (x === y) continue;
    if (x === undefined) out.push(`queue ${q}: new device, ${y ?? 'unbound'}`);
    else if (y === undefined) out.push(`queue ${q}: device removed`);
    else out.push(`queue ${q}: ${x ?? 'unbound'} → ${y ?? 'unbound'}`);
  }
  const ms = new Set([...Object.keys(b.mdevs), ...Object.keys(a.mdevs)]);
  for (const m of [...ms].sort()) {
    const x = b.mdevs[m];
    const y = a.mdevs[m];
    if (!x) out.push(`${m} created`);
    if (!y) {
      out.push(`${m} removed`);
      continue;
    }
    const d1 = setDelta(x?.matrix ?? [], y.matrix);
    if (d1) out.push(`${m} matrix: ${d1}`);
    if (x && x.guest_matrix !== y.guest_matrix) {
      if (y.guest_matrix === null) out.push(`${m} guest_matrix: gone (no shadow without a guest)`);
      else {
        const d2 = setDelta(x.guest_matrix ?? [], y.guest_matrix);
        if (d2 || x.guest_matrix === null) out.push(`${m} guest_matrix: ${d2 || '(empty)'}`);
      }
    }
    const d3 = setDelta(x?.control_domains ?? [], y.control_domains);
    if (d3) out.push(`${m} control_domains: ${d3}`);
    if ((x?.vm ?? null) !== y.vm) out.push(y.vm ? `${m} attached to ${y.vm}` : `${m} detached`);
    if (!x?.removing && y.removing) out.push(`${m} remove pending until the guest lets go`);
  }
  const vs = new Set([...Object.keys(b.vms), ...Object.keys(a.vms)]);
  for (const v of [...vs].sort()) {
    const x = b.vms[v];
    const y = a.vms[v];
    const d = setDelta(x?.crycb ?? [], y?.crycb ?? []);
    if (d) out.push(`${v} crycb: ${d}`);
    const c = setDelta(x?.control_domains ?? [], y?.control_domains ?? []);
    if (c) out.push(`${v} crycb control domains: ${c}`);
  }
  const ss = new Set([...Object.keys(b.status), ...Object.keys(a.status)]);
  for (const q of [...ss].sort()) {
    const x = b.status[q];
    const y = a.status[q];
    if (x !== undefined && y !== undefined && x !== y) out.push(`status ${q}: ${x} → ${y}`);
  }
  return out;
}
