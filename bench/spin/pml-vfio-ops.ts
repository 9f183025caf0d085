/**
 * The body of each vfio_ap op's d_step in the generated model: the mdev sysfs files with static's
 * callbacks, and guest start, stop and reset. Every one but create looks its mdev up first (ENOENT).
 */
import { RESOURCE_OF, type VfioOp } from '../../model/ops.ts';
import { full, nameIndex, type PmlScope } from './pml-scope.ts';

const MVAR = { adapter: 'mApm', domain: 'mAqm', control_domain: 'mAdm' } as const;

/** An assign_* or unassign_* op. */
type MatrixOp = Extract<VfioOp, { id: number }>;

/** body, run on slot ms when mdev mk exists. */
const mdevOp = (k: number, body: string) =>
  `findMdev(${k});\n    if\n    :: (ms == NOSLOT) -> skip /* ENOENT */\n    :: else ->\n${body}\n    fi`;

/** body, run unless a guest holds the mdev. */
const notAttached = (body: string) =>
  `      if\n      :: (mKvm[ms] != 0) -> skip /* EBUSY */\n      :: else ->\n${body}\n      fi`;

/** create: EEXIST, then EPERM when every slot is used; else the first free slot. */
function create(op: Extract<VfioOp, { kind: 'create' }>): string {
  const k = nameIndex('m', op.mdev);
  return (
    `findMdev(${k});\n    if\n    :: (ms != NOSLOT) -> skip /* EEXIST */\n` +
    `    :: (mName[M - 1] != 0) -> skip /* EPERM: scope.mdevs instances */\n` +
    `    :: else ->\n      ms = 0;\n      do\n      :: (mName[ms] != 0) -> ms++\n      :: else -> break\n      od;\n` +
    `      mName[ms] = ${k}\n    fi`
  );
}

/** remove: only marked `removing` while a guest is attached; else the matrix reset and the slot dropped. */
function remove(op: Extract<VfioOp, { kind: 'remove' }>): string {
  return mdevOp(
    nameIndex('m', op.mdev),
    `      if\n      :: (mKvm[ms] != 0) -> mRem[ms] = 1 /* 5.13+: completes when the guest lets go */\n` +
      `      :: else -> resetMatrix(); dropMdev()\n      fi`,
  );
}

/** assign_adapter / assign_domain: checkReservedForVfio, then checkNotShared, then the bit. */
function assign(p: PmlScope, op: MatrixOp): string {
  const isA = op.kind === 'assign_adapter';
  const other = isA ? 'mAqm[ms]' : 'mApm[ms]';
  const n = isA ? p.D : p.A;
  const qOf = (o: number) => (isA ? p.qi(op.id, o) : p.qi(o, op.id));
  const row = Array.from({ length: n }, (_, o) => o);
  // checkReservedForVfio: no assigned other dimension → some queue of the row bound to vfio_ap;
  // else every APQN of the row.
  const some = row.map((o) => `qdrv[${qOf(o)}] == VFIO`).join(' || ');
  const every = row.map((o) => `(BIT(${other}, ${o}) == 0 || qdrv[${qOf(o)}] == VFIO)`).join(' && ');
  const nv = isA ? `(mApm[ms] | ${1 << op.id})` : `(mAqm[ms] | ${1 << op.id})`;
  // checkNotShared: another mdev's matrix meets the new matrix's apm × aqm.
  const sh = Array.from({ length: p.M }, (_, x) => {
    const meets = isA
      ? `(mApm[${x}] & ${nv}) != 0 && (mAqm[${x}] & mAqm[ms]) != 0`
      : `(mApm[${x}] & mApm[ms]) != 0 && (mAqm[${x}] & ${nv}) != 0`;
    return (
      `      if :: (ok && ${x} != ms && mName[${x}] != 0 && ${meets}) -> ` +
      `ok = 0 /* EADDRINUSE */ :: else -> skip fi;`
    );
  });
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
  return mdevOp(nameIndex('m', op.mdev), notAttached(body));
}

/** unassign_*: the bit cleared, unless a guest holds the mdev. */
function unassign(p: PmlScope, op: MatrixOp): string {
  const res = RESOURCE_OF[op.kind];
  const w = res === 'adapter' ? p.A : res === 'domain' ? p.D : p.C;
  const v = MVAR[res];
  return mdevOp(nameIndex('m', op.mdev), notAttached(`        ${v}[ms] = ${v}[ms] & ${full(w) & ~(1 << op.id)}`));
}

/** start: EBUSY, EPERM when another mdev has the KVM; else the guest attached (its VM slot added if new). */
function start(p: PmlScope, op: Extract<VfioOp, { kind: 'start' }>): string {
  const k = nameIndex('m', op.mdev);
  const vm = nameIndex('vm', op.vm);
  const others = Array.from({ length: p.M }, (_, x) => `mKvm[${x}] == ${vm}`).join(' || ');
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

/** stop: detach the guest, reset the matrix, then a pending remove. */
function stop(op: Extract<VfioOp, { kind: 'stop' }>): string {
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

/** static's reset: resetMatrix (vfio_ap-bound queues only); the errno is not part of the state. */
function vfioReset(_p: PmlScope, op: Extract<VfioOp, { kind: 'vfio_reset' }>): string {
  const body = `      if\n      :: (mKvm[ms] == 0) -> skip /* ENODEV */\n      :: else -> resetMatrix()\n      fi`;
  return mdevOp(nameIndex('m', op.mdev), body);
}

/** The body of a vfio_ap op's d_step. */
export function vfioOpCode(p: PmlScope, op: VfioOp): string {
  switch (op.kind) {
    case 'create':
      return create(op);
    case 'remove':
      if (op.async) throw new Error('gen-pml: the remove without its request is not in the static alphabet');
      return remove(op);
    case 'assign_adapter':
    case 'assign_domain':
      return assign(p, op);
    case 'assign_control_domain':
      return mdevOp(nameIndex('m', op.mdev), notAttached(`        mAdm[ms] = mAdm[ms] | ${1 << op.id}`));
    case 'unassign_adapter':
    case 'unassign_domain':
    case 'unassign_control_domain':
      return unassign(p, op);
    case 'start':
      return start(p, op);
    case 'stop':
      return stop(op);
    case 'vfio_reset':
      return vfioReset(p, op);
    default:
      throw new Error(`gen-pml: op ${op.kind} is not in the static alphabet`);
  }
}
