/**
 * Whether a trace taken from a machine (trace/machine.ts) rebuilds it: the model's final state against the
 * machine's matrices, guest matrices, control domains, queue drivers and guests, in real ids.
 */
import { observe } from '../model/observe.ts';
import type { Config } from '../model/policy.ts';
import type { State } from '../model/state.ts';
import { keptLine, type Machine, mdevInUse, realLine, type RealMatrix } from './machine.ts';
import type { RealIds } from './types.ts';

const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');

/** `<uuid>/matrix` of a real matrix (spec §12.2). */
export function realMatrixLines(m: RealMatrix): string[] {
  if (m.apm.length > 0 && m.aqm.length === 0) return m.apm.map((a) => `${h(a, 2)}.`);
  if (m.apm.length === 0) return m.aqm.map((d) => `.${h(d, 4)}`);
  return m.apm.flatMap((a) => m.aqm.map((d) => `${h(a, 2)}.${h(d, 4)}`));
}

const set = (xs: readonly string[]): string => [...new Set(xs)].sort().join(' ');
const kept = (xs: readonly string[], r: RealIds): string[] => xs.flatMap((l) => keptLine(l, r) ?? []);

/** The differences between the model's state `s` and the machine, one sentence each (none: it rebuilds it). */
export function machineDifferences(cfg: Config, s: State, m: Machine, r: RealIds): string[] {
  const o = observe(cfg, s);
  const out: string[] = [];
  const differ = (what: string, model: string, machine: string) => {
    if (model !== machine) out.push(`${what}: the model has {${model}}, the machine {${machine}}`);
  };
  for (const [name, uuid] of Object.entries(r.mdevs)) {
    const x = m.mdevs.find((y) => y.uuid === uuid);
    const v = o.mdevs[name];
    if (!x || !v) {
      out.push(`mdev ${uuid}: ${v ? 'not on the machine' : 'not in the model'}`);
      continue;
    }
    differ(`${uuid} matrix`, set(v.matrix.map((l) => realLine(l, r))), set(kept(realMatrixLines(x.matrix), r)));
    if (x.guestMatrix !== null) {
      const gm = v.guest_matrix === null ? '(none)' : set(v.guest_matrix.map((l) => realLine(l, r)));
      differ(`${uuid} guest_matrix`, gm, set(kept(x.guestMatrix, r)));
    }
    const cd = (ds: readonly number[]) => set(ds.filter((d) => r.control_domains.includes(d)).map((d) => h(d, 4)));
    differ(
      `${uuid} control_domains`,
      cd(v.control_domains.map((l) => r.control_domains[parseInt(l, 16)] ?? -1)),
      cd(x.matrix.adm),
    );
    if ((v.vm !== null) !== mdevInUse(m, x))
      out.push(
        `${uuid}: ${v.vm !== null ? 'a guest in the model, none' : 'no guest in the model, one'} on the machine`,
      );
  }
  const seen = new Set<string>();
  for (const q of m.queues) {
    const a = r.adapters.indexOf(q.apid);
    const d = r.domains.indexOf(q.apqi);
    if (a < 0 || d < 0) continue;
    const name = `${h(a, 2)}.${h(d, 4)}`;
    seen.add(name);
    const real = q.driver === null ? 'unbound' : q.driver === 'vfio_ap' ? 'vfio_ap' : 'cex4queue';
    const model = name in o.queues ? (o.queues[name] ?? 'unbound') : 'no queue device';
    if (model !== real)
      out.push(`queue ${h(q.apid, 2)}.${h(q.apqi, 4)}: the model has ${model}, the machine ${q.driver ?? 'unbound'}`);
  }
  for (const name of Object.keys(o.queues)) {
    if (!seen.has(name)) out.push(`queue ${realLine(name, r)}: in the model, not on the machine`);
  }
  return out;
}
