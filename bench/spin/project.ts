/**
 * The Promela state vector of `static.pml` as a function of an apmc State (what gen-pml.ts keeps),
 * for checking the port: over every reachable state, distinct States must give distinct projections
 * (nothing the port leaves out tells states apart), and dumps from both sides can be diffed.
 *
 *   node --import tsx bench/spin/project.ts [scope flags] [--depth K]   # BFS to depth K, count projections
 */
import { pathToFileURL } from 'node:url';
import { alphabet } from '../../exhaustive/alphabet.ts';
import { staticPolicy } from '../../model/policies/static.ts';
import type { Scope } from '../../model/scope.ts';
import { initialState, type State } from '../../model/state.ts';
import { step } from '../../model/step.ts';
import { readFileSync } from 'node:fs';
import { pmlFields } from './gen-pml.ts';
import { parseScopeArgs, stateKey } from './reference-bfs.ts';

const DRV = { cex4queue: 2, vfio_ap: 3 } as const;
const RESET = { normal: 0, deconfigured: 1, checkstopped: 2, failed: 3 } as const;
const FAULT = { none: 0, checkstop: 1, reset_fails: 2 } as const;
const idx = (name: string | null, prefix: string): number => (name === null ? 0 : Number(name.slice(prefix.length)));

/** The Promela globals, in declaration order, as a flat record. */
export function project(scope: Scope, s: State): Record<string, number | number[]> {
  const inScope = (m: number, n: number) => m & ((1 << n) - 1);
  const { adapters: A, domains: D, mdevs: M, vms: V } = scope;
  const mn = Object.keys(s.mdevs);
  const vn = Object.keys(s.vms);
  const slot = (names: string[], n: number, f: (name: string) => number, zero = 0): number[] =>
    Array.from({ length: n }, (_, i) => (names[i] === undefined ? zero : f(names[i]!)));
  return {
    hostApm: s.host.apm,
    hostAqm: s.host.aqm,
    hostAdm: s.host.adm,
    cardOff: s.cardOff,
    fault: s.fault.map((f) => FAULT[f]),
    dirty: s.dirty.map((v) => idx(v, 'vm')),
    apmask: inScope(s.bus.apmask, A),
    aqmask: inScope(s.bus.aqmask, D),
    qciApm: s.bus.qci.apm,
    qciAqm: s.bus.qci.aqm,
    qciAdm: s.bus.qci.adm,
    scanOn: s.bus.scan ? 1 : 0,
    oldApm: s.bus.scan?.old.apm ?? 0,
    oldAqm: s.bus.scan?.old.aqm ?? 0,
    oldAdm: s.bus.scan?.old.adm ?? 0,
    qdrv: s.queues.map((q) => (q === null ? 0 : q.driver === null ? 1 : DRV[q.driver])),
    qreset: s.queues.map((q) => (q === null ? 0 : RESET[q.reset])),
    mName: slot(mn, M, (n) => idx(n, 'm')),
    mApm: slot(mn, M, (n) => s.mdevs[n]!.matrix.apm),
    mAqm: slot(mn, M, (n) => s.mdevs[n]!.matrix.aqm),
    mAdm: slot(mn, M, (n) => s.mdevs[n]!.matrix.adm),
    mKvm: slot(mn, M, (n) => idx(s.mdevs[n]!.kvm, 'vm')),
    mRem: slot(mn, M, (n) => (s.mdevs[n]!.removing ? 1 : 0)),
    vName: slot(vn, V, (n) => idx(n, 'vm')),
    vApm: slot(vn, V, (n) => s.vms[n]!.crycb.apm),
    vAqm: slot(vn, V, (n) => s.vms[n]!.crycb.aqm),
    vAdm: slot(vn, V, (n) => s.vms[n]!.crycb.adm),
    vHook: slot(vn, V, (n) => idx(s.vms[n]!.hook, 'm')),
  };
}

/** The projection as gen-pml's `--dump` prints it: the values of pmlFields(scope), in order, space-separated. */
export function projectionKey(scope: Scope, s: State): string {
  const p = project(scope, s);
  return pmlFields(scope)
    .flatMap(([f]) => p[f]!)
    .join(' ');
}

/** BFS to `depth` (or to the end); every state with its depth. Reports projection collisions. */
export function exploreWithProjections(scope: Scope, depth = Infinity): { states: Map<string, { s: State; d: number }>; collisions: [State, State][] } {
  const cfg = { scope, policy: staticPolicy };
  const ops = alphabet(scope);
  const s0 = initialState(scope);
  const states = new Map<string, { s: State; d: number }>([[stateKey(s0), { s: s0, d: 0 }]]);
  const byProj = new Map<string, State>([[projectionKey(scope, s0), s0]]);
  const collisions: [State, State][] = [];
  let frontier = [s0];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: State[] = [];
    for (const s of frontier) {
      for (const op of ops) {
        const r = step(cfg, s, op).state;
        const k = stateKey(r);
        if (states.has(k)) continue;
        states.set(k, { s: r, d });
        next.push(r);
        const p = projectionKey(scope, r);
        const other = byProj.get(p);
        if (other) collisions.push([other, r]);
        else byProj.set(p, r);
      }
    }
    frontier = next;
  }
  return { states, collisions };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const scope = parseScopeArgs(argv);
  const di = argv.indexOf('--depth');
  const { states, collisions } = exploreWithProjections(scope, di >= 0 ? Number(argv[di + 1]) : Infinity);
  console.log(`${states.size} states, ${collisions.length} projection collisions`);
  for (const [a, b] of collisions.slice(0, 3)) console.log(JSON.stringify(a), '\n', JSON.stringify(b), '\n');
  // --spin-dump FILE: the output of a -DPRINTF pan of a --dump model; diff the sets of states.
  const fi = argv.indexOf('--spin-dump');
  if (fi >= 0) {
    const spin = new Map<string, string>();
    for (const line of readFileSync(argv[fi + 1]!, 'utf8').split('\n')) {
      const m = /^STATE (.*)\|(.*)$/.exec(line);
      if (m && !spin.has(m[2]!)) spin.set(m[2]!, m[1]!);
    }
    const ref = new Map<string, State>();
    for (const { s } of states.values()) ref.set(projectionKey(scope, s), s);
    const onlySpin = [...spin.keys()].filter((k) => !ref.has(k));
    const onlyRef = [...ref.keys()].filter((k) => !spin.has(k));
    console.log(`spin dump: ${spin.size} distinct states; ${onlySpin.length} only in spin, ${onlyRef.length} only in the reference`);
    console.log('fields: ' + pmlFields(scope).map(([f, n]) => (n ? `${f}[${n}]` : f)).join(' '));
    for (const k of onlySpin.slice(0, 5)) console.log(`spin only (after ${spin.get(k)}): ${k}`);
    for (const k of onlyRef.slice(0, 5)) console.log(`ref only: ${k}\n  ${JSON.stringify(ref.get(k))}`);
  }
}
