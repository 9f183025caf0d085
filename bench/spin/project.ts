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
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
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
    fault: s.fault.map((f) => (f === 'busy' ? unmodelled('busy fault') : FAULT[f])),
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
    qreset: s.queues.map((q) =>
      q === null ? 0 : q.reset === 'in_progress' ? unmodelled('in_progress') : RESET[q.reset],
    ),
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

/**
 * BFS to `depth` (or to the end). Returns every reachable state's projection, mapped to the state's
 * JSON key (the state itself, for diagnostics), and the number of distinct States: the projection is
 * injective over the reachable states exactly when the two counts agree.
 */
export function exploreWithProjections(
  scope: Scope,
  depth = Infinity,
): { states: number; projections: Map<string, string> } {
  const cfg = { scope, policy: staticPolicy };
  const ops = alphabet(scope);
  const s0 = initialState(scope);
  const seen = new Set<string>([stateKey(s0)]);
  const projections = new Map<string, string>([[projectionKey(scope, s0), stateKey(s0)]]);
  let frontier = [s0];
  for (let d = 1; d <= depth && frontier.length > 0; d++) {
    const next: State[] = [];
    for (const s of frontier) {
      for (const op of ops) {
        const r = step(cfg, s, op).state;
        const k = stateKey(r);
        if (seen.has(k)) continue;
        seen.add(k);
        next.push(r);
        projections.set(projectionKey(scope, r), k);
      }
    }
    frontier = next;
  }
  return { states: seen.size, projections };
}

/**
 *   node --import tsx bench/spin/project.ts [scope flags] [--depth K] [--spin-dump FILE|-]
 *
 * Counts the reachable States and their projections (to depth K, default all). With --spin-dump, also
 * reads the output of pan built from `gen-pml.ts --dump` with -DPRINTF (every transition prints its
 * post-state; to depth K with -DBFS -mK) and diffs the two sets of states. For the whole space, pipe it:
 *   pan -m100 | node --max-old-space-size=8000 --import tsx bench/spin/project.ts --spin-dump -
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  const scope = parseScopeArgs(argv);
  const di = argv.indexOf('--depth');
  const { states, projections } = exploreWithProjections(scope, di >= 0 ? Number(argv[di + 1]) : Infinity);
  console.log(`${states} states, ${projections.size} distinct projections (${states - projections.size} collisions)`);
  const fi = argv.indexOf('--spin-dump');
  if (fi >= 0) {
    const file = argv[fi + 1]!;
    const input = file === '-' ? process.stdin : createReadStream(file);
    const lines = createInterface({ input, crlfDelay: Infinity });
    const spin = new Set<string>();
    const onlySpin = new Map<string, string>();
    let n = 0;
    for await (const line of lines) {
      if (!line.startsWith('STATE ')) continue;
      n++;
      const bar = line.indexOf('|');
      const v = line.slice(bar + 1);
      if (spin.has(v)) continue;
      spin.add(v);
      if (!projections.has(v)) onlySpin.set(v, line.slice(6, bar));
    }
    const onlyRef = [...projections.keys()].filter((k) => !spin.has(k));
    console.log(
      `spin dump: ${n} transitions, ${spin.size} distinct post-states; ` +
        `${onlySpin.size} only in spin, ${onlyRef.length} only in the reference`,
    );
    console.log(
      'fields: ' +
        pmlFields(scope)
          .map(([f, k]) => (k ? `${f}[${k}]` : f))
          .join(' '),
    );
    for (const [k, op] of [...onlySpin].slice(0, 5)) console.log(`spin only (after ${op}): ${k}`);
    for (const k of onlyRef.slice(0, 5)) console.log(`ref only: ${k}\n  ${projections.get(k)}`);
    if (onlySpin.size + onlyRef.length > 0) process.exitCode = 1;
  }
}

function unmodelled(what: string): never {
  throw new Error(`the Spin model has no ${what}`);
}
