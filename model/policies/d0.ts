/**
 * `d0`: vfio_ap 6.0 – 6.7 (before 850fb7fa / CVE-2024-26620), spec §7. The structure of `upstream`,
 * with the delta filter, no reset of filtered queues, no probe deferral during scans, one-queue reset
 * on unbind, and no ap_config. Differences verified against late-D0 sources (~6.5–6.7).
 */
import { and, of } from '../bits.ts';
import { filterCdoms, filterScoped } from '../blocks/filter.ts';
import { linkAll, unlink } from '../blocks/link.ts';
import { resourceInUse } from '../blocks/mdev.ts';
import { mdevOf, ownerOf, queueAt } from '../blocks/queries.ts';
import { resetQueue, resetQueue66, vfioResetPassable } from '../blocks/reset.ts';
import { patchMdev, unplugAdapterOf, updateApcb } from '../blocks/update.ts';
import type { Config, Policy } from '../policy.ts';
import type { Matrix, MdevName, State } from '../state.ts';
import { assignControlDomain, assignUsage, relayRequest, removeMdev, upstream } from './upstream.ts';

/** Plug if the shadow changed; D0 does not reset the queues that filtering dropped (spec §7). */
function plugIfChanged(cfg: Config, f: { state: State; changed: boolean }, m: MdevName): State {
  return f.changed ? updateApcb(cfg, f.state, m) : f.state;
}

/** D0 probe: link, then filter the whole matrix as scope; no deferral while a scan has adds pending. */
function probe(cfg: Config, s: State, apid: number, apqi: number): State {
  const m = ownerOf(s, apid, apqi);
  if (m === null) return s;
  s = linkAll(cfg, s, m, [apid], [apqi]);
  const x = mdevOf(s, m).matrix;
  return plugIfChanged(cfg, filterScoped(cfg, s, m, x.apm, x.aqm), m);
}

/**
 * D0 queue remove: a queue in the shadow takes its adapter out of the guest, but only this queue is
 * reset, and it is reset even when it has left the host configuration (spec §7).
 */
export function removeQueueResetOne(
  cfg: Config,
  s: State,
  apid: number,
  apqi: number,
  reset: (cfg: Config, s: State, apid: number, apqi: number) => State = resetQueue,
): State {
  const m = queueAt(cfg, s, apid, apqi)?.link ?? null;
  if (m !== null && s.mdevs[m]) s = unplugAdapterOf(cfg, s, m, apid, apqi).state;
  s = reset(cfg, s, apid, apqi);
  return m !== null ? unlink(cfg, s, apid, apqi) : s;
}

/** D0 scan complete (vfio_ap_mdev_hot_plug_cfg): filter with the pending adds as scope, then cdoms. */
function onScanComplete(cfg: Config, s: State, _qci: Matrix, _old: Matrix): State {
  for (const m of Object.keys(s.mdevs)) {
    const x = mdevOf(s, m);
    const p = x.pending;
    if (p === null) continue;
    const apm = and(x.matrix.apm, p.apm);
    const aqm = and(x.matrix.aqm, p.aqm);
    // The adapters-only and domains-only branches take the other dimension from the shadow as
    // vfio_ap_mdev_filter_matrix rebuilds it (the ~6.5–6.7 code; the else branch also runs for adm-only adds).
    const scope =
      apm !== 0 && aqm !== 0
        ? [apm, aqm]
        : apm !== 0
          ? [apm, and(x.matrix.aqm, s.info.aqm)]
          : [and(x.matrix.apm, s.info.apm), aqm];
    const f = filterScoped(cfg, s, m, scope[0]!, scope[1]!);
    s = f.state;
    let changed = f.changed;
    if (and(p.adm, x.matrix.adm) !== 0) {
      const c = filterCdoms(cfg, s, m);
      s = c.state;
      changed ||= c.changed;
    }
    if (changed) s = updateApcb(cfg, s, m);
    s = patchMdev(s, m, { pending: null });
  }
  return s;
}

export const d0 = {
  ...upstream,
  name: 'd0',
  summary: 'Linux 6.0–6.7 (D0): delta filtering (CVE-2024-26620), filtered queues not reset',
  // §3/§7: 6.6–6.7 keep the response code and force a deconfigured queue's to 0; a checkstop is not
  // passable before 6.8.
  passable: (r) => r === 'normal' || r === 'deconfigured',
  probe,
  remove: removeQueueResetOne,
  on_scan_complete: onScanComplete,
  assign: (cfg, s, m, res, id) => {
    if (res === 'control_domain') return assignControlDomain(cfg, s, m, id);
    return assignUsage(
      cfg,
      s,
      m,
      res,
      id,
      (c, st, mm) => {
        const x = mdevOf(st, mm).matrix;
        const f = res === 'adapter' ? filterScoped(c, st, mm, of(id), x.aqm) : filterScoped(c, st, mm, x.apm, of(id));
        return plugIfChanged(c, f, mm);
      },
      'old',
    );
  },
  // Before the 2025 fix the log line of a refused reservation is the sharing one, from the holder.
  in_use: (cfg, s, apm, aqm) => resourceInUse(cfg, s, apm, aqm, 'old'),
  ap_config: null,
  // vfio_ap_mdev_reset_queue / apq_status_check of 6.6–6.7 have no checkstopped case: it WARNs.
  blocks: { resetQueue: resetQueue66 },
  // vfio_ap_mdev_reset_queues of 6.6–6.7: EIO when a response code is not 0, a deconfigured one forced to 0.
  reset: vfioResetPassable,
  remove_mdev: removeMdev,
  // 6.5–6.7, as the rest of d0 (2e3d8d71e285 vfio_ap_mdev_request): relay to QEMU, no state change (§8.3).
  request: (_cfg, s, m) => relayRequest(s, m),
} satisfies Policy;
