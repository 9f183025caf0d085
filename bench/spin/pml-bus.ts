/**
 * The bus's building blocks of the generated model (model/bus.ts, blocks/reset.ts): ZAPQ, binding and
 * unbinding a queue device, re-probes, the mask writes, and the scan.
 */
import type { PmlScope } from './pml-scope.ts';

/** zapq and resetQueue: the hardware's answer, and where it is stored. */
function resetBlocks(): string[] {
  return [
    `/* zapq (blocks/reset.ts): the hardware's answer into zst; a normal reset clears the dirty mark */`,
    `inline zapq(a, d, i) {
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
}`,
    `/* resetQueue: zapq, then store the answer in the vfio_ap queue object if there is one */`,
    `inline resetQueue(a, d, i) {
  zapq(a, d, i);
  if
  :: (qdrv[i] == VFIO) -> qreset[i] = zst
  :: else -> skip
  fi
}`,
  ];
}

/** The mask rule, unbinding and probing a queue device, and the re-probes of ap_bus_revise_bindings(). */
function driverBlocks(p: PmlScope): string[] {
  return [
    `#define DEFOWNED(a, d) (BIT(apmask, a) != 0 && BIT(aqmask, d) != 0)`,
    `#define MASKDRV(a, d) (DEFOWNED(a, d) -> CEX : VFIO)`,
    `/* unbindDevice (bus.ts): static's remove callback (a ZAPQ, for vfio_ap), the bus's ZAPQ, unbound.
   The two ZAPQs of a vfio_ap queue have the effect of one: nothing between them changes what ZAPQ answers. */`,
    `inline unbindDevice(a, d, i) {
  if
  :: (qdrv[i] == CEX || qdrv[i] == VFIO) -> zapq(a, d, i); qdrv[i] = UNB; qreset[i] = NORMAL
  :: else -> skip
  fi
}`,
    `/* probeDevice (bus.ts): bind to drv (a fresh queue object); zcrypt's probe ZAPQs, ` +
      `static's probe does nothing */`,
    `inline probeDevice(a, d, i, dr) {
  qdrv[i] = dr; qreset[i] = NORMAL;
  if
  :: (dr == CEX) -> zapq(a, d, i)
  :: else -> skip
  fi
}`,
    `/* reprobe (bus.ts): pending when bound to the driver the masks do not select; else EAGAIN */`,
    `inline reprobe(a, d, i) {
  if
  :: ((qdrv[i] == CEX || qdrv[i] == VFIO) && qdrv[i] != MASKDRV(a, d)) ->
    drv = MASKDRV(a, d); unbindDevice(a, d, i); probeDevice(a, d, i, drv)
  :: else -> skip /* EAGAIN */
  fi
}`,
    `inline reviseBindings() {`,
    ...p.all.map(([a, d]) => `  reprobe(${a}, ${d}, ${p.qi(a, d)});`),
    `  skip\n}`,
  ];
}

/** The relative mask writes, bind and unbind. */
function sysfsBlocks(): string[] {
  return [
    `/* writeMask (bus.ts), relative +id / -id: unchanged → nothing (not even re-probes); static has no in_use */`,
    ...(['apmask', 'aqmask'] as const).map(
      (mask) => `inline write_${mask}(newval, sync) {
  xt = newval;
  if
  :: (xt != ${mask}) -> ${mask} = xt;
    if
    :: (sync) -> reviseBindings()
    :: else -> skip
    fi
  :: else -> skip
  fi
}`,
    ),
    `/* bind (bus.ts): ENODEV (no device) → EBUSY (bound) → ENODEV (mask rule) → probe */`,
    `inline bind(a, d, i, dr) {
  if
  :: (qdrv[i] == UNB && MASKDRV(a, d) == dr) -> probeDevice(a, d, i, dr)
  :: else -> skip /* ENODEV / EBUSY */
  fi
}`,
    `inline unbind(a, d, i) {
  if
  :: (qdrv[i] == CEX || qdrv[i] == VFIO) -> unbindDevice(a, d, i)
  :: else -> skip /* ENODEV */
  fi
}`,
  ];
}

/** scanStep: a chain of ifs over the APQNs in (adapter, domain) order, the first mismatch stepped. */
function scanStep(p: PmlScope): string {
  let chain = '';
  let close = '';
  for (const [a, d] of p.all) {
    const i = p.qi(a, d);
    chain += `\n  if\n  :: MISMATCH(${a}, ${d}, ${i}) -> stepped = 1; scanDev(${a}, ${d}, ${i})\n  :: else ->`;
    close = '\n  fi' + close;
  }
  return `inline scanStep() {\n  stepped = 0;${chain} skip${close}\n}`;
}

/** The scan (bus.ts §4.5): its start, its steps, its end, and the whole scan. */
function scanBlocks(p: PmlScope): string[] {
  const mismatches = p.all.map(([a, d]) => `MISMATCH(${a}, ${d}, ${p.qi(a, d)})`).join(' || ');
  return [
    `/* the scan (bus.ts §4.5); while a scan is under way, scan.qci = bus.qci */`,
    `#define WANTED(a, d) (BIT(qciApm, a) != 0 && BIT(qciAqm, d) != 0)`,
    `#define EXISTS(i) (qdrv[i] != NONE)`,
    `#define MISMATCH(a, d, i) (EXISTS(i) != WANTED(a, d))`,
    `#define ANY_MISMATCH (${mismatches})`,
    `inline scanDev(a, d, i) {
  if
  :: EXISTS(i) -> unbindDevice(a, d, i); qdrv[i] = NONE; qreset[i] = NORMAL
  :: else -> qdrv[i] = UNB; qreset[i] = NORMAL; drv = MASKDRV(a, d); probeDevice(a, d, i, drv)
  fi
}`,
    `/* scanStep: the first device (adapter, domain order) to add or remove; stepped = 0 when none (EAGAIN) */`,
    scanStep(p),
    `inline scanStart() {
  oldApm = qciApm; oldAqm = qciAqm; oldAdm = qciAdm;
  qciApm = hostApm; qciAqm = hostAqm; qciAdm = hostAdm;
  scanOn = 1
}`,
    `inline scanEnd() {
  scanOn = 0; oldApm = 0; oldAqm = 0; oldAdm = 0
}`,
    `inline finishScan() {
  do
  :: scanStep();
    if
    :: (stepped == 0) -> break
    :: else -> skip
    fi
  od;
  scanEnd()
}`,
    `/* scanAll: finish a scan under way, then a whole scan */`,
    `inline scanAll() {
  if
  :: (scanOn) -> finishScan()
  :: else -> skip
  fi;
  scanStart();
  finishScan()
}`,
  ];
}

/** Every bus building block, in the order the ops' code needs them declared. */
export function pmlBusBlocks(p: PmlScope): string[] {
  return [...resetBlocks(), ...driverBlocks(p), ...sysfsBlocks(), ...scanBlocks(p)];
}
