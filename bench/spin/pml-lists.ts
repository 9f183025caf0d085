/**
 * The building blocks of the generated model over the mdev and VM lists and the ghost dirty marks: slot
 * look-ups, resetting an mdev's matrix, dropping a slot in order, and step.ts's dirty bookkeeping.
 */
import type { PmlScope } from './pml-scope.ts';

/** One `if` per APQN that leaves the host configuration: its dirty mark goes. */
function forgetDirtyOutside(p: PmlScope): string[] {
  return [
    `/* step.ts forgetDirtyOutside: APQNs that left the host configuration lose their dirty mark */`,
    `inline forgetDirtyOutside() {`,
    ...p.all.map(
      ([a, d]) =>
        `  if :: (BIT(hostApm, ${a}) == 0 || BIT(hostAqm, ${d}) == 0) -> dirty[${p.qi(a, d)}] = 0 :: else -> skip fi;`,
    ),
    `  skip\n}`,
  ];
}

/** findMdev (ms) and findVm (vs): the slot of a name, or NOSLOT. */
function lookups(p: PmlScope): string[] {
  const slots = (n: number) => Array.from({ length: n }, (_, x) => x);
  return [
    `/* mdev lookup: ms = the slot of mk, or NOSLOT (ENOENT) */`,
    `inline findMdev(k) {\n  ms = NOSLOT;`,
    ...slots(p.M).map((x) => `  if :: (mName[${x}] == k) -> ms = ${x} :: else -> skip fi;`),
    `  skip\n}`,
    `inline findVm(k) {\n  vs = NOSLOT;`,
    ...slots(p.V).map((x) => `  if :: (vName[${x}] == k) -> vs = ${x} :: else -> skip fi;`),
    `  skip\n}`,
  ];
}

/** static's resetMatrix, and dropping an mdev or VM slot with the later slots shifted down. */
function slotBlocks(p: PmlScope): string[] {
  return [
    `/* static's resetMatrix: resetQueue on every APQN of the matrix bound to vfio_ap (resetApqnsSync) */`,
    `inline resetMatrix() {`,
    ...p.all.map(
      ([a, d]) =>
        `  if :: (BIT(mApm[ms], ${a}) != 0 && BIT(mAqm[ms], ${d}) != 0 && qdrv[${p.qi(a, d)}] == VFIO) -> ` +
        `resetQueue(${a}, ${d}, ${p.qi(a, d)}) :: else -> skip fi;`,
    ),
    `  skip\n}`,
    `/* deleteMdev: static never links, so unlinkAll is a no-op; drop slot ms, keeping the order */`,
    `inline dropMdev() {
  xj = ms;
  do
  :: (xj < M - 1) -> mName[xj] = mName[xj + 1]; mApm[xj] = mApm[xj + 1]; mAqm[xj] = mAqm[xj + 1]; ` +
      `mAdm[xj] = mAdm[xj + 1];
    mKvm[xj] = mKvm[xj + 1]; mRem[xj] = mRem[xj + 1]; xj++
  :: else -> break
  od;
  mName[M - 1] = 0; mApm[M - 1] = 0; mAqm[M - 1] = 0; mAdm[M - 1] = 0; mKvm[M - 1] = 0; mRem[M - 1] = 0
}`,
    `inline dropVm() {
  xj = vs;
  do
  :: (xj < V - 1) -> vName[xj] = vName[xj + 1]; vApm[xj] = vApm[xj + 1]; vAqm[xj] = vAqm[xj + 1]; ` +
      `vAdm[xj] = vAdm[xj + 1];
    vHook[xj] = vHook[xj + 1]; xj++
  :: else -> break
  od;
  vName[V - 1] = 0; vApm[V - 1] = 0; vAqm[V - 1] = 0; vAdm[V - 1] = 0; vHook[V - 1] = 0
}`,
  ];
}

/** step.ts markDirty: per VM slot, per APQN the guest can use, the VM's mark unless one is there. */
function markDirty(p: PmlScope): string[] {
  const L = [
    `/* step.ts markDirty, after every step: a queue a guest can use is marked by that VM unless already marked */`,
    `inline markDirty() {`,
  ];
  for (let x = 0; x < p.V; x++) {
    L.push(`  if`, `  :: (vName[${x}] != 0) ->`);
    for (const [a, d] of p.all) {
      const i = p.qi(a, d);
      L.push(
        `    if :: (BIT(vApm[${x}] & hostApm, ${a}) != 0 && BIT(cardOff, ${a}) == 0 && ` +
          `BIT(vAqm[${x}] & hostAqm, ${d}) != 0 && dirty[${i}] == 0 && fault[${i}] != F_CHECKSTOP) -> ` +
          `dirty[${i}] = vName[${x}] :: else -> skip fi;`,
      );
    }
    L.push(`    skip`, `  :: else -> skip`, `  fi;`);
  }
  L.push(`  skip\n}`);
  return L;
}

/** Every list and dirty-mark building block, in the order the ops' code needs them declared. */
export function pmlListBlocks(p: PmlScope): string[] {
  return [...forgetDirtyOutside(p), ...lookups(p), ...slotBlocks(p), ...markDirty(p)];
}
