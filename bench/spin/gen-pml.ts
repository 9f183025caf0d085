/**
 * Generate a Promela model of apmc's `static` policy for one scope: the same State (every field that
 * can differ between reachable states), and one nondeterministic choice per op of
 * `alphabet(scope)`, each op's whole effect in one `d_step` (atomic, like `step()`), followed by the
 * reducer's `markDirty`. A rejected op leaves the state unchanged (a self-loop, as in apmc).
 *
 *   node --import tsx bench/spin/gen-pml.ts [--adapters 1 --domains 1 --control-domains 1 --mdevs 1 --vms 1] > static.pml
 *
 * What is left out of the Promela state, because it is constant (or a function of what is kept) in
 * every reachable state of `static` over this alphabet:
 *   - `info`: only on_config_changed writes it, and static has none;
 *   - mdev `shadow`, `pending`, `qtable` and queue `link`: static never links and has no shadow;
 *   - `apmaskHigh`/`aqmaskHigh` and mask bits ≥ the scope: relative writes of in-scope ids never touch them;
 *   - `scan.qci` (= bus.qci while a scan is under way) and `scan.changed` (= qci ≠ old).
 * Everything else is kept, `mdevs` and `vms` as ordered lists (insertion order, as the JS Records).
 */
import { pathToFileURL } from 'node:url';
import { alphabet } from '../../exhaustive/alphabet.ts';
import type { Op } from '../../model/ops.ts';
import type { Scope } from '../../model/scope.ts';
import { parseScopeArgs, scopeName } from './reference-bfs.ts';

export interface GenOptions {
  /** Pack scalars as `unsigned x : w` bit-fields (smaller state vector) instead of bytes. */
  readonly bitfields?: boolean;
  /**
   * Scratch variables: 'reset' (default) keeps them in the state vector and zeroes them at the end of
   * every d_step, so they never tell states apart; 'hidden' leaves them out of the vector (DFS only:
   * pan refuses -DBFS with hidden variables).
   */
  readonly scratch?: 'reset' | 'hidden';
  /** Debugging: printf the op index and the whole state after every d_step (pan prints it with -DPRINTF). */
  readonly dump?: boolean;
}

const DRIVER = { cex4queue: 'CEX', vfio_ap: 'VFIO' } as const;
const FAULT = { none: 'F_NONE', checkstop: 'F_CHECKSTOP', reset_fails: 'F_RESET_FAILS' } as const;
const HOSTVAR = { adapter: 'hostApm', domain: 'hostAqm', control_domain: 'hostAdm' } as const;
const MVAR = { adapter: 'mApm', domain: 'mAqm', control_domain: 'mAdm' } as const;

/** `m3` → 3, `vm2` → 2 (0 stands for null in the Promela state). */
const nameIndex = (prefix: string, name: string): number => {
  const m = new RegExp(`^${prefix}(\\d+)$`).exec(name);
  if (!m) throw new Error(`gen-pml: unsupported name ${name}`);
  return Number(m[1]);
};

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
    default:
      return `${op.mdev} ${op.kind} ${op.id}`;
  }
}

/** The state variables of the generated model, in declaration order, with their array length (0 = scalar). */
export function pmlFields(scope: Scope): [string, number][] {
  const N = scope.adapters * scope.domains;
  const { mdevs: M, vms: V } = scope;
  return [
    ['hostApm', 0], ['hostAqm', 0], ['hostAdm', 0], ['cardOff', 0], ['fault', N], ['dirty', N], ['apmask', 0], ['aqmask', 0],
    ['qciApm', 0], ['qciAqm', 0], ['qciAdm', 0], ['scanOn', 0], ['oldApm', 0], ['oldAqm', 0], ['oldAdm', 0], ['qdrv', N], ['qreset', N],
    ['mName', M], ['mApm', M], ['mAqm', M], ['mAdm', M], ['mKvm', M], ['mRem', M],
    ['vName', V], ['vApm', V], ['vAqm', V], ['vAdm', V], ['vHook', V],
  ];
}

export function genPml(scope: Scope, opts: GenOptions = {}): string {
  const { adapters: A, domains: D, control_domains: C, mdevs: M, vms: V } = scope;
  if (A > 8 || D > 8 || C > 8 || M > 8 || V > 8) throw new Error('gen-pml: scopes up to 8 of each');
  const N = A * D;
  const qi = (a: number, d: number) => a * D + d;
  const full = (n: number) => (1 << n) - 1;
  const all: [number, number][] = [];
  for (let a = 0; a < A; a++) for (let d = 0; d < D; d++) all.push([a, d]);
  const bits = (n: number) => Math.max(1, Math.ceil(Math.log2(n + 1)));
  // Scalars: byte, or a bit-field of the width the scope needs.
  const scalar = (name: string, width: number, init = 0) =>
    opts.bitfields ? `unsigned ${name} : ${width} = ${init};` : `byte ${name} = ${init};`;

  const L: string[] = [];
  const out = (s = '') => L.push(s);
  out(`/* Generated by bench/spin/gen-pml.ts: apmc policy static, scope ${scopeName(scope)} (adapters×domains×control_domains, mdevs, vms).`);
  out(`   Do not edit; regenerate. Mirrors model/step.ts, model/bus.ts, model/policies/static.ts and the blocks they use. */`);
  out();
  out(`#define A ${A}`);
  out(`#define D ${D}`);
  out(`#define C ${C}`);
  out(`#define M ${M}`);
  out(`#define V ${V}`);
  out(`#define N ${N}`);
  out(`/* queue device (qdrv): no device on the bus, unbound, bound to cex4queue, bound to vfio_ap */`);
  out(`#define NONE 0\n#define UNB 1\n#define CEX 2\n#define VFIO 3`);
  out(`/* q->reset_status (qreset) and ZAPQ answers (zst) */`);
  out(`#define NORMAL 0\n#define DECONF 1\n#define CHKSTOP 2\n#define FAILED 3`);
  out(`/* fault */`);
  out(`#define F_NONE 0\n#define F_CHECKSTOP 1\n#define F_RESET_FAILS 2`);
  out(`#define NOSLOT 255`);
  out(`#define BIT(m, i) (((m) >> (i)) & 1)`);
  out();
  out(`/* ---- the State (model/state.ts) ---- */`);
  out(`/* host configuration (what QCI would return now) */`);
  out(scalar('hostApm', A, full(A)));
  out(scalar('hostAqm', D, full(D)));
  out(scalar('hostAdm', C, full(C)));
  out(scalar('cardOff', A));
  out(`byte fault[N];        /* F_* per APQN, index apid*D + apqi */`);
  out(`byte dirty[N];        /* ghost: 0 = null, k = vm k */`);
  out(`/* bus: apmask/aqmask (in-scope bits; the rest stay 1), the last QCI, the scan under way */`);
  out(scalar('apmask', A, full(A)));
  out(scalar('aqmask', D, full(D)));
  out(scalar('qciApm', A, full(A)));
  out(scalar('qciAqm', D, full(D)));
  out(scalar('qciAdm', C, full(C)));
  out(opts.bitfields ? 'bit scanOn = 0;' : 'bool scanOn = false;');
  out(`/* scan.old; all zero while no scan is under way (scan: null) */`);
  out(scalar('oldApm', A));
  out(scalar('oldAqm', D));
  out(scalar('oldAdm', C));
  out(`/* queues: every APQN in the host configuration starts bound to cex4queue */`);
  out(`byte qdrv[N] = CEX;`);
  out(`byte qreset[N];       /* NORMAL unless bound to vfio_ap */`);
  out(`/* mdevs, in creation order: slots 0..count-1 used, the rest all zero */`);
  out(`byte mName[M];        /* k = mk, 0 = free slot */`);
  out(`byte mApm[M]; byte mAqm[M]; byte mAdm[M];`);
  out(`byte mKvm[M];         /* 0 = null, k = vm k */`);
  out(`bool mRem[M];         /* removing */`);
  out(`/* vms, in insertion order */`);
  out(`byte vName[V];        /* k = vm k, 0 = free slot */`);
  out(`byte vApm[V]; byte vAqm[V]; byte vAdm[V];`);
  out(`byte vHook[V];        /* 0 = null, k = mk */`);
  out();
  const SCRATCH = ['zst', 'ms', 'vs', 'xj', 'xt', 'drv', 'stepped', 'ok'];
  if (opts.scratch === 'hidden') {
    out(`/* scratch, not part of the state vector; always written before read within one d_step */`);
    out(`hidden byte ${SCRATCH.join(', ')};`);
  } else {
    out(`/* scratch: always written before read within one d_step, and zeroed at its end (clearScratch) */`);
    out(`byte ${SCRATCH.join(', ')};`);
  }
  out(`inline clearScratch() {\n  ${opts.scratch === 'hidden' ? 'skip' : SCRATCH.map((v) => `${v} = 0`).join('; ')}\n}`);
  out();

  // ---- building blocks ----
  out(`/* zapq (blocks/reset.ts): the hardware's answer into zst; a normal reset clears the dirty mark */`);
  out(`inline zapq(a, d, i) {
  if
  :: (BIT(hostApm, a) == 0 || BIT(hostAqm, d) == 0) -> zst = FAILED
  :: else ->
    if
    :: (BIT(cardOff, a) != 0) -> zst = DECONF
    :: else ->
      if
      :: (fault[i] == F_CHECKSTOP) -> zst = CHKSTOP
      :: (fault[i] == F_RESET_FAILS) -> zst = FAILED
      :: else -> zst = NORMAL; dirty[i] = 0
      fi
    fi
  fi
}`);
  out(`/* resetQueue: zapq, then store the answer in the vfio_ap queue object if there is one */`);
  out(`inline resetQueue(a, d, i) {
  zapq(a, d, i);
  if
  :: (qdrv[i] == VFIO) -> qreset[i] = zst
  :: else -> skip
  fi
}`);
  out(`#define DEFOWNED(a, d) (BIT(apmask, a) != 0 && BIT(aqmask, d) != 0)`);
  out(`#define MASKDRV(a, d) (DEFOWNED(a, d) -> CEX : VFIO)`);
  out(`/* unbindDevice (bus.ts): static's remove callback (a ZAPQ, for vfio_ap), the bus's ZAPQ, unbound.
   The two ZAPQs of a vfio_ap queue have the effect of one: nothing between them changes what ZAPQ answers. */`);
  out(`inline unbindDevice(a, d, i) {
  if
  :: (qdrv[i] == CEX || qdrv[i] == VFIO) -> zapq(a, d, i); qdrv[i] = UNB; qreset[i] = NORMAL
  :: else -> skip
  fi
}`);
  out(`/* probeDevice (bus.ts): bind to drv (a fresh queue object); zcrypt's probe ZAPQs, static's probe does nothing */`);
  out(`inline probeDevice(a, d, i, dr) {
  qdrv[i] = dr; qreset[i] = NORMAL;
  if
  :: (dr == CEX) -> zapq(a, d, i)
  :: else -> skip
  fi
}`);
  out(`/* reprobe (bus.ts): pending when bound to the driver the masks do not select; else EAGAIN */`);
  out(`inline reprobe(a, d, i) {
  if
  :: ((qdrv[i] == CEX || qdrv[i] == VFIO) && qdrv[i] != MASKDRV(a, d)) ->
    drv = MASKDRV(a, d); unbindDevice(a, d, i); probeDevice(a, d, i, drv)
  :: else -> skip /* EAGAIN */
  fi
}`);
  out(`inline reviseBindings() {`);
  for (const [a, d] of all) out(`  reprobe(${a}, ${d}, ${qi(a, d)});`);
  out(`  skip\n}`);
  out(`/* writeMask (bus.ts), relative +id / -id: unchanged → nothing (not even re-probes); static has no in_use */`);
  for (const mask of ['apmask', 'aqmask'] as const) {
    out(`inline write_${mask}(newval, sync) {
  xt = newval;
  if
  :: (xt != ${mask}) -> ${mask} = xt;
    if
    :: (sync) -> reviseBindings()
    :: else -> skip
    fi
  :: else -> skip
  fi
}`);
  }
  out(`/* bind (bus.ts): ENODEV (no device) → EBUSY (bound) → ENODEV (mask rule) → probe */`);
  out(`inline bind(a, d, i, dr) {
  if
  :: (qdrv[i] == UNB && MASKDRV(a, d) == dr) -> probeDevice(a, d, i, dr)
  :: else -> skip /* ENODEV / EBUSY */
  fi
}`);
  out(`inline unbind(a, d, i) {
  if
  :: (qdrv[i] == CEX || qdrv[i] == VFIO) -> unbindDevice(a, d, i)
  :: else -> skip /* ENODEV */
  fi
}`);
  out(`/* the scan (bus.ts §4.5); while a scan is under way, scan.qci = bus.qci */`);
  out(`#define WANTED(a, d) (BIT(qciApm, a) != 0 && BIT(qciAqm, d) != 0)`);
  out(`#define EXISTS(i) (qdrv[i] != NONE)`);
  out(`#define MISMATCH(a, d, i) (EXISTS(i) != WANTED(a, d))`);
  out(`#define ANY_MISMATCH (${all.map(([a, d]) => `MISMATCH(${a}, ${d}, ${qi(a, d)})`).join(' || ')})`);
  out(`inline scanDev(a, d, i) {
  if
  :: EXISTS(i) -> unbindDevice(a, d, i); qdrv[i] = NONE; qreset[i] = NORMAL
  :: else -> qdrv[i] = UNB; qreset[i] = NORMAL; drv = MASKDRV(a, d); probeDevice(a, d, i, drv)
  fi
}`);
  out(`/* scanStep: the first device (adapter, domain order) to add or remove; stepped = 0 when none (EAGAIN) */`);
  {
    const s = '  stepped = 0';
    let chain = '';
    let close = '';
    for (const [a, d] of all) {
      chain += `\n  if\n  :: MISMATCH(${a}, ${d}, ${qi(a, d)}) -> stepped = 1; scanDev(${a}, ${d}, ${qi(a, d)})\n  :: else ->`;
      close = '\n  fi' + close;
    }
    out(`inline scanStep() {\n${s};${chain} skip${close}\n}`);
  }
  out(`inline scanStart() {
  oldApm = qciApm; oldAqm = qciAqm; oldAdm = qciAdm;
  qciApm = hostApm; qciAqm = hostAqm; qciAdm = hostAdm;
  scanOn = 1
}`);
  out(`inline scanEnd() {
  scanOn = 0; oldApm = 0; oldAqm = 0; oldAdm = 0
}`);
  out(`inline finishScan() {
  do
  :: scanStep();
    if
    :: (stepped == 0) -> break
    :: else -> skip
    fi
  od;
  scanEnd()
}`);
  out(`/* scanAll: finish a scan under way, then a whole scan */`);
  out(`inline scanAll() {
  if
  :: (scanOn) -> finishScan()
  :: else -> skip
  fi;
  scanStart();
  finishScan()
}`);
  out(`/* step.ts forgetDirtyOutside: APQNs that left the host configuration lose their dirty mark */`);
  out(`inline forgetDirtyOutside() {`);
  for (const [a, d] of all) {
    out(`  if :: (BIT(hostApm, ${a}) == 0 || BIT(hostAqm, ${d}) == 0) -> dirty[${qi(a, d)}] = 0 :: else -> skip fi;`);
  }
  out(`  skip\n}`);
  out(`/* mdev lookup: ms = the slot of mk, or NOSLOT (ENOENT) */`);
  out(`inline findMdev(k) {\n  ms = NOSLOT;`);
  for (let x = 0; x < M; x++) out(`  if :: (mName[${x}] == k) -> ms = ${x} :: else -> skip fi;`);
  out(`  skip\n}`);
  out(`inline findVm(k) {\n  vs = NOSLOT;`);
  for (let x = 0; x < V; x++) out(`  if :: (vName[${x}] == k) -> vs = ${x} :: else -> skip fi;`);
  out(`  skip\n}`);
  out(`/* static's resetMatrix: resetQueue on every APQN of the matrix (resetApqns) */`);
  out(`inline resetMatrix() {`);
  for (const [a, d] of all) {
    out(`  if :: (BIT(mApm[ms], ${a}) != 0 && BIT(mAqm[ms], ${d}) != 0) -> resetQueue(${a}, ${d}, ${qi(a, d)}) :: else -> skip fi;`);
  }
  out(`  skip\n}`);
  out(`/* deleteMdev: static never links, so unlinkAll is a no-op; drop slot ms, keeping the order */`);
  out(`inline dropMdev() {
  xj = ms;
  do
  :: (xj < M - 1) -> mName[xj] = mName[xj + 1]; mApm[xj] = mApm[xj + 1]; mAqm[xj] = mAqm[xj + 1]; mAdm[xj] = mAdm[xj + 1];
    mKvm[xj] = mKvm[xj + 1]; mRem[xj] = mRem[xj + 1]; xj++
  :: else -> break
  od;
  mName[M - 1] = 0; mApm[M - 1] = 0; mAqm[M - 1] = 0; mAdm[M - 1] = 0; mKvm[M - 1] = 0; mRem[M - 1] = 0
}`);
  out(`inline dropVm() {
  xj = vs;
  do
  :: (xj < V - 1) -> vName[xj] = vName[xj + 1]; vApm[xj] = vApm[xj + 1]; vAqm[xj] = vAqm[xj + 1]; vAdm[xj] = vAdm[xj + 1];
    vHook[xj] = vHook[xj + 1]; xj++
  :: else -> break
  od;
  vName[V - 1] = 0; vApm[V - 1] = 0; vAqm[V - 1] = 0; vAdm[V - 1] = 0; vHook[V - 1] = 0
}`);
  out(`/* step.ts markDirty, after every step: a queue a guest can use is marked by that VM unless already marked */`);
  out(`inline markDirty() {`);
  for (let x = 0; x < V; x++) {
    out(`  if`);
    out(`  :: (vName[${x}] != 0) ->`);
    for (const [a, d] of all) {
      const i = qi(a, d);
      out(
        `    if :: (BIT(vApm[${x}] & hostApm, ${a}) != 0 && BIT(cardOff, ${a}) == 0 && BIT(vAqm[${x}] & hostAqm, ${d}) != 0 && dirty[${i}] == 0 && fault[${i}] != F_CHECKSTOP) -> dirty[${i}] = vName[${x}] :: else -> skip fi;`,
      );
    }
    out(`    skip`);
    out(`  :: else -> skip`);
    out(`  fi;`);
  }
  out(`  skip\n}`);
  out();

  // ---- the ops ----
  const mdevOp = (k: number, body: string) =>
    `findMdev(${k});\n    if\n    :: (ms == NOSLOT) -> skip /* ENOENT */\n    :: else ->\n${body}\n    fi`;
  const notAttached = (body: string) => `      if\n      :: (mKvm[ms] != 0) -> skip /* EBUSY */\n      :: else ->\n${body}\n      fi`;

  function opCode(op: Op): string {
    switch (op.kind) {
      case 'apmask':
      case 'aqmask': {
        const m = /^([+-])(\d+)$/.exec(op.value);
        if (!m) throw new Error(`gen-pml: unsupported mask write ${op.value}`);
        const id = Number(m[2]);
        const w = op.kind === 'apmask' ? A : D;
        const v = m[1] === '+' ? `(${op.kind} | ${1 << id})` : `(${op.kind} & ${full(w) & ~(1 << id)})`;
        return `write_${op.kind}(${v}, ${op.async ? 0 : 1})`;
      }
      case 'reprobe':
        return `reprobe(${op.apid}, ${op.apqi}, ${qi(op.apid, op.apqi)})`;
      case 'bind':
        return `bind(${op.apid}, ${op.apqi}, ${qi(op.apid, op.apqi)}, ${DRIVER[op.driver]})`;
      case 'unbind':
        if (op.driver !== undefined) throw new Error('gen-pml: unbind with a driver');
        return `unbind(${op.apid}, ${op.apqi}, ${qi(op.apid, op.apqi)})`;
      case 'scan':
        return `scanAll()`;
      case 'scan_start':
        return `if\n    :: (scanOn) -> skip /* EAGAIN */\n    :: else -> scanStart()\n    fi`;
      case 'scan_step':
        return `if\n    :: (scanOn) -> scanStep()\n    :: else -> skip /* EAGAIN */\n    fi`;
      case 'scan_complete':
        return `if\n    :: (scanOn && !ANY_MISMATCH) -> scanEnd()\n    :: else -> skip /* EAGAIN */\n    fi`;
      case 'host': {
        const v = HOSTVAR[op.resource];
        const w = op.resource === 'adapter' ? A : op.resource === 'domain' ? D : C;
        const set = op.action === 'add' ? `${v} = ${v} | ${1 << op.id}` : `${v} = ${v} & ${full(w) & ~(1 << op.id)}`;
        const forget = op.action === 'remove' && op.resource !== 'control_domain';
        let s = forget ? `xt = ${v}; ${set};\n    if\n    :: (xt != ${v}) -> forgetDirtyOutside()\n    :: else -> skip\n    fi` : `${set}`;
        if (!op.async) s += `;\n    scanAll()`;
        return s;
      }
      case 'card_config': {
        const b = 1 << op.apid;
        const on = all
          .filter(([a]) => a === op.apid)
          .map(([a, d]) => `dirty[${qi(a, d)}] = 0`)
          .join('; ');
        const body =
          op.config === 0
            ? `cardOff = cardOff | ${b}`
            : `if\n      :: (BIT(cardOff, ${op.apid}) != 0) -> cardOff = cardOff & ${full(A) & ~b}; ${on}\n      :: else -> skip\n      fi`;
        return `if\n    :: (BIT(qciApm, ${op.apid}) == 0) -> skip /* ENODEV */\n    :: else -> ${body}\n    fi`;
      }
      case 'fault':
        return `fault[${qi(op.apid, op.apqi)}] = ${FAULT[op.fault]}`;
      case 'create': {
        const k = nameIndex('m', op.mdev);
        return `findMdev(${k});\n    if\n    :: (ms != NOSLOT) -> skip /* EEXIST */\n    :: (mName[M - 1] != 0) -> skip /* EPERM: scope.mdevs instances */\n    :: else ->\n      ms = 0;\n      do\n      :: (mName[ms] != 0) -> ms++\n      :: else -> break\n      od;\n      mName[ms] = ${k}\n    fi`;
      }
      case 'remove':
        return mdevOp(
          nameIndex('m', op.mdev),
          `      if\n      :: (mKvm[ms] != 0) -> mRem[ms] = 1 /* 5.13+: completes when the guest lets go */\n      :: else -> resetMatrix(); dropMdev()\n      fi`,
        );
      case 'assign_adapter':
      case 'assign_domain': {
        const k = nameIndex('m', op.mdev);
        const isA = op.kind === 'assign_adapter';
        const other = isA ? 'mAqm[ms]' : 'mApm[ms]';
        const n = isA ? D : A;
        const qOf = (o: number) => (isA ? qi(op.id, o) : qi(o, op.id));
        // checkReservedForVfio: no assigned other dimension → some queue of the row bound to vfio_ap; else every APQN of the row.
        const some = Array.from({ length: n }, (_, o) => `qdrv[${qOf(o)}] == VFIO`).join(' || ');
        const every = Array.from({ length: n }, (_, o) => `(BIT(${other}, ${o}) == 0 || qdrv[${qOf(o)}] == VFIO)`).join(' && ');
        const nv = isA ? `(mApm[ms] | ${1 << op.id})` : `(mAqm[ms] | ${1 << op.id})`;
        // checkNotShared: another mdev's matrix meets the new matrix's apm × aqm.
        const sh: string[] = [];
        for (let x = 0; x < M; x++) {
          const meets = isA
            ? `(mApm[${x}] & ${nv}) != 0 && (mAqm[${x}] & mAqm[ms]) != 0`
            : `(mApm[${x}] & mApm[ms]) != 0 && (mAqm[${x}] & ${nv}) != 0`;
          sh.push(`      if :: (ok && ${x} != ms && mName[${x}] != 0 && ${meets}) -> ok = 0 /* EADDRINUSE */ :: else -> skip fi;`);
        }
        const body = [
          `      if`,
          `      :: (${other} == 0) -> ok = (${some})`,
          `      :: else -> ok = (${every})`,
          `      fi; /* EADDRNOTAVAIL unless ok */`,
          ...sh,
          `      if`,
          `      :: (ok) -> ${isA ? 'mApm' : 'mAqm'}[ms] = ${nv}`,
          `      :: else -> skip`,
          `      fi`,
        ].join('\n');
        return mdevOp(k, notAttached(body));
      }
      case 'assign_control_domain':
        return mdevOp(nameIndex('m', op.mdev), notAttached(`        mAdm[ms] = mAdm[ms] | ${1 << op.id}`));
      case 'unassign_adapter':
      case 'unassign_domain':
      case 'unassign_control_domain': {
        const res = op.kind === 'unassign_adapter' ? 'adapter' : op.kind === 'unassign_domain' ? 'domain' : 'control_domain';
        const w = res === 'adapter' ? A : res === 'domain' ? D : C;
        const v = MVAR[res];
        return mdevOp(nameIndex('m', op.mdev), notAttached(`        ${v}[ms] = ${v}[ms] & ${full(w) & ~(1 << op.id)}`));
      }
      case 'start': {
        const k = nameIndex('m', op.mdev);
        const vm = nameIndex('vm', op.vm);
        const others = Array.from({ length: M }, (_, x) => `mKvm[${x}] == ${vm}`).join(' || ');
        const body = [
          `      if`,
          `      :: (mKvm[ms] != 0) -> skip /* EBUSY */`,
          `      :: (${others}) -> skip /* EPERM: another mdev has this KVM */`,
          `      :: else ->`,
          `        mKvm[ms] = ${vm};`,
          `        findVm(${vm});`,
          `        if`,
          `        :: (vs == NOSLOT) -> vs = 0;`,
          `          do`,
          `          :: (vName[vs] != 0) -> vs++`,
          `          :: else -> break`,
          `          od;`,
          `          vName[vs] = ${vm}`,
          `        :: else -> skip`,
          `        fi;`,
          `        vApm[vs] = mApm[ms]; vAqm[vs] = mAqm[ms]; vAdm[vs] = mAdm[ms]; vHook[vs] = ${k}`,
          `      fi`,
        ].join('\n');
        return mdevOp(k, body);
      }
      case 'stop': {
        const body = [
          `      if`,
          `      :: (mKvm[ms] == 0) -> skip /* ENODEV: no guest */`,
          `      :: else ->`,
          `        /* detachGuest: hook := null, CRYCB := empty, so the VM entry goes */`,
          `        findVm(mKvm[ms]);`,
          `        if`,
          `        :: (vs != NOSLOT) -> dropVm()`,
          `        :: else -> skip`,
          `        fi;`,
          `        mKvm[ms] = 0;`,
          `        resetMatrix();`,
          `        if`,
          `        :: (mRem[ms]) -> resetMatrix(); dropMdev()`,
          `        :: else -> skip`,
          `        fi`,
          `      fi`,
        ].join('\n');
        return mdevOp(nameIndex('m', op.mdev), body);
      }
      case 'vfio_reset': {
        // static's reset: ZAPQ by APQN over the matrix; the answers are not stored (EIO is reported only).
        const z = all
          .map(([a, d]) => `        if :: (BIT(mApm[ms], ${a}) != 0 && BIT(mAqm[ms], ${d}) != 0) -> zapq(${a}, ${d}, ${qi(a, d)}) :: else -> skip fi;`)
          .join('\n');
        const body = `      if\n      :: (mKvm[ms] == 0) -> skip /* ENODEV */\n      :: else ->\n${z}\n        skip\n      fi`;
        return mdevOp(nameIndex('m', op.mdev), body);
      }
      default:
        throw new Error(`gen-pml: op ${op.kind} is not in the static alphabet`);
    }
  }

  const FIELDS = pmlFields(scope);
  /** printf of the whole state: `STATE <op>|v v v ...`, the values of FIELDS in order (arrays flattened). */
  function dumpStmt(op: Op): string {
    const args = FIELDS.flatMap(([f, n]) => (n === 0 ? [f] : Array.from({ length: n }, (_, i) => `${f}[${i}]`)));
    return `printf("STATE ${opLabel(op)}|${args.map(() => '%d').join(' ')}\\n", ${args.join(', ')})`;
  }
  out(`active proctype apmc() {`);
  out(`  do`);
  for (const op of alphabet(scope)) {
    out(`  :: d_step { /* ${opLabel(op)} */`);
    out(`    ${opCode(op)};`);
    out(`    markDirty();`);
    if (opts.dump) out(`    ${dumpStmt(op)};`);
    out(`    clearScratch()`);
    out(`  }`);
  }
  out(`  od`);
  out(`}`);
  return L.join('\n') + '\n';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const argv = process.argv.slice(2);
  process.stdout.write(genPml(parseScopeArgs(argv), { bitfields: argv.includes('--bitfields'), scratch: argv.includes('--hidden') ? 'hidden' : 'reset', dump: argv.includes('--dump') }));
}
