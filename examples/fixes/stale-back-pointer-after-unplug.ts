/**
 * The proposed fix for docs/findings/stale-back-pointer-after-unplug.md, against linux-2025 (vfio_ap_ops.c
 * @9b44fff6, unchanged in intel-lab-lkp/linux f7634412; no upstream fix known).
 *
 * vfio_ap_mdev_unlink_adapter() / vfio_ap_mdev_unlink_domain() hash_del every linked queue of the unassigned
 * row (column) but put only the queues of the shadow on the reset list, and vfio_ap_mdev_hot_unplug_adapters()
 * / _domains() clear q->matrix_mdev only for the queues of that list. A linked queue outside the shadow (its
 * adapter filtered) keeps a back-pointer to an mdev whose table no longer has it; vfio_ap_mdev_remove() clears
 * only the queues still in the table, frees the mdev, and a later vfio_ap_mdev_remove_queue() of that queue
 * reads the freed ap_matrix_mdev (get_update_locks_for_queue(): q->matrix_mdev->kvm).
 *
 * The fix: vfio_ap_mdev_unlink_adapter() / _domain() clear the back-pointer (vfio_ap_unlink_mdev_fr_queue())
 * of every queue they unlink and do not list for reset; the listed queues keep it until their reset is done,
 * as now (the reset's vfio_ap_free_aqic_resources() needs q->matrix_mdev->kvm). Re-stated here: the two
 * hot unplug functions and their callers up to the callbacks, unassign_adapter_store() /
 * unassign_domain_store() and ap_config_store(); everything else is linux-2025's.
 *
 *   apmc explain --policy ./examples/fixes/stale-back-pointer-after-unplug.ts --property links-halves-agree \
 *     docs/findings/stale-back-pointer-after-unplug.json
 *
 *   apmc check --base linux-2025 --policy ./examples/fixes/stale-back-pointer-after-unplug.ts
 */
import type * as Apmc from 'apmc';

export default (api: typeof Apmc) => {
  const { extend, linux2025, linux2025Parts: L, bits, EMPTY_MATRIX } = api;
  const { mdevOf, setShadow, setMatrix, updateApcb, resetList, filterCdoms, idError, maxId } = api;
  type Cfg = Apmc.Config;
  type St = Apmc.State;

  /**
   * vfio_ap_mdev_hot_unplug_adapters() / _domains() with the fixed vfio_ap_mdev_unlink_adapter() / _domain():
   * a queue the table holds is hash_del'ed; in the shadow it goes on the reset list, else its back-pointer is
   * cleared at once (the fix). The shadow loses the id, the APCB is updated once if it changed, the listed
   * queues are reset and then lose their back-pointers.
   */
  function hotUnplug(cfg: Cfg, s: St, m: string, res: 'adapter' | 'domain', idm: Apmc.Mask): St {
    const qlist: [number, number][] = [];
    let apcbUpdate = false;
    for (const id of bits.ids(idm)) {
      const x = mdevOf(s, m);
      for (const o of bits.ids(res === 'adapter' ? x.matrix.aqm : x.matrix.apm)) {
        const [a, d] = res === 'adapter' ? [id, o] : [o, id];
        if (L.getQueue(cfg, s, m, a, d) === null) continue;
        s = L.hashDel(cfg, s, m, a, d);
        const sh = mdevOf(s, m).shadow ?? EMPTY_MATRIX;
        if (bits.has(sh.apm, a) && bits.has(sh.aqm, d)) qlist.push([a, d]);
        else s = L.clearBackPointer(cfg, s, a, d); // the fix: vfio_ap_unlink_mdev_fr_queue(q)
      }
      const sh = mdevOf(s, m).shadow ?? EMPTY_MATRIX;
      if (bits.has(res === 'adapter' ? sh.apm : sh.aqm, id)) {
        const next = res === 'adapter' ? { ...sh, apm: bits.del(sh.apm, id) } : { ...sh, aqm: bits.del(sh.aqm, id) };
        s = setShadow(s, m, next);
        apcbUpdate = true;
      }
    }
    if (apcbUpdate) s = updateApcb(cfg, s, m);
    s = resetList(cfg, s, qlist);
    for (const [a, d] of qlist) s = L.clearBackPointer(cfg, s, a, d);
    return s;
  }

  /** unassign_adapter_store() / unassign_domain_store() as shipped, over the fixed hot unplug. */
  const unassign: Apmc.Policy['unassign'] = (cfg, s, m, res, id) => {
    if (res === 'control_domain') return L.unassign(cfg, s, m, res, id);
    const e = idError(cfg, res, id);
    if (e) return e;
    const x = mdevOf(s, m).matrix;
    const isA = res === 'adapter';
    if (!bits.has(isA ? x.apm : x.aqm, id)) return s;
    s = setMatrix(s, m, isA ? { ...x, apm: bits.del(x.apm, id) } : { ...x, aqm: bits.del(x.aqm, id) });
    return hotUnplug(cfg, s, m, res, bits.of(id));
  };

  /** ap_config_store() as shipped, over the fixed hot unplug. */
  const apConfig: Apmc.Policy['ap_config'] = (cfg, s, m, w) => {
    const low = (list: readonly number[]) => bits.of(...list.filter((id) => id <= bits.MAX_ID));
    const high = (list: readonly number[]) => list.some((id) => id > bits.MAX_ID);
    const next = { apm: low(w.apm), aqm: low(w.aqm), adm: low(w.adm) };
    const v = L.validateMasks(s, m, next.apm, next.aqm, high(w.apm), high(w.aqm));
    if (v) return v;
    const over = (list: readonly number[], res: Apmc.Resource) => list.some((id) => id > maxId(cfg, res));
    if (over(w.apm, 'adapter') || over(w.aqm, 'domain') || over(w.adm, 'control_domain')) return 'ENODEV';
    const old = mdevOf(s, m).matrix;
    s = hotUnplug(cfg, s, m, 'adapter', bits.minus(old.apm, next.apm));
    s = hotUnplug(cfg, s, m, 'domain', bits.minus(old.aqm, next.aqm));
    s = setMatrix(s, m, next);
    for (const a of bits.ids(bits.minus(next.apm, old.apm))) s = L.linkAdapter(cfg, s, m, a);
    for (const d of bits.ids(bits.minus(next.aqm, old.aqm))) s = L.linkDomain(cfg, s, m, d);
    const f = L.filterMatrix(cfg, s, m);
    const c = filterCdoms(cfg, f.state, m);
    if (!f.changed && !c.changed) return c.state;
    return L.resetQueuesForApids(cfg, updateApcb(cfg, c.state, m), m, f.filtered);
  };

  return extend(linux2025, {
    name: 'linux-2025+stale-back-pointer-after-unplug',
    summary: 'linux-2025, but unlinking a queue outside the shadow also clears its q->matrix_mdev',
    unassign,
    ap_config: apConfig,
  });
};
