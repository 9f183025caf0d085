/**
 * A patch against upstream: vfio_ap_mdev_log_in_use_err() passes the APQN's domain and adapter to the format
 * in the wrong order, dev_warn(..., MDEV_IN_USE_ERR, apqi, apid). The refusal itself (EBUSY) is unchanged:
 * only the kernel log names the wrong queue ("Can not reserve queue 00.0001" for 01.0000), which sends an
 * administrator to the wrong mdev assignment. log-lines-name-the-right-resources reports it.
 *
 *   apmc diff --policy upstream --policy ./examples/patch-in-use-log-swapped.ts --observe all
 *   apmc check --base upstream --policy ./examples/patch-in-use-log-swapped.ts
 */
import type * as Apmc from 'apmc';

export default ({ extend, upstream, bits, logLine, apqnName }: typeof Apmc) =>
  extend(upstream, {
    name: 'patch-in-use-log-swapped',
    summary: 'upstream, but the in_use log line prints the APQN with adapter and domain swapped',
    // vfio_ap_mdev_resource_in_use(): refuse for every mdev holding a reserved APQN, one line per APQN.
    in_use: (_cfg, s, apm, aqm) => {
      let out = s;
      for (const name in s.mdevs) {
        const x = s.mdevs[name]!;
        for (const a of bits.ids(bits.and(apm, x.matrix.apm))) {
          for (const d of bits.ids(bits.and(aqm, x.matrix.aqm))) {
            // The bug: (apqi, apid) where the format expects (apid, apqi).
            const text = `${name}: Can not reserve queue ${apqnName(d, a)} for host driver: in use by mdev`;
            out = logLine(out, 'warning', text, { apqns: [[d, a]], mdev: name });
          }
        }
      }
      return out === s ? false : { state: out, errno: 'EBUSY' };
    },
  });
