/**
 * `apmc import`'s optional inputs: `lszcrypt -V` output (adapter types where sysfs has no hwtype, drivers to
 * cross-check) and `mdevctl list --dumpjson` output (mdev configurations to cross-check with the active ones).
 * Both are input: a line or a field that is not what the tool prints is an InputError naming the file.
 */
import { parseJsonText } from '../trace/json.ts';
import { parseNumber } from '../trace/ids.ts';
import { InputError, UUID } from '../trace/types.ts';

export interface LszcryptRow {
  readonly apid: number;
  /** null for a card's row. */
  readonly apqi: number | null;
  readonly hwtype: number | null;
  readonly driver: string | null;
}

/** `lszcrypt -V`: one row per card and queue, columns named by its header line (CARD.DOM … HWTYPE … DRIVER). */
export function parseLszcrypt(text: string, file: string): LszcryptRow[] {
  let header: string[] | null = null;
  const rows: LszcryptRow[] = [];
  text.split('\n').forEach((raw, i) => {
    const l = raw.trim();
    if (l === '' || /^-+$/.test(l)) return;
    const words = l.split(/\s+/);
    if (header === null) {
      if (!/^CARD\.DOM/i.test(words[0]!))
        throw new InputError(file, i + 1, "expected lszcrypt -V's header (CARD.DOM …)");
      header = words.map((w) => w.toUpperCase());
      return;
    }
    const id = /^([0-9a-fA-F]{2})(?:\.([0-9a-fA-F]{4}))?$/.exec(words[0]!);
    if (!id) throw new InputError(file, i + 1, `expected a card (05) or queue (05.002c) row, got '${l.slice(0, 40)}'`);
    if (words.length !== header.length)
      throw new InputError(file, i + 1, `expected ${header.length} columns as the header names, got ${words.length}`);
    const col = (name: string): string | null => {
      const k = header!.indexOf(name);
      return k < 0 || words[k] === '-' ? null : words[k]!;
    };
    const hw = col('HWTYPE');
    if (hw !== null && !/^\d{1,4}$/.test(hw)) throw new InputError(file, i + 1, `HWTYPE '${hw}' is not a number`);
    rows.push({
      apid: parseInt(id[1]!, 16),
      apqi: id[2] === undefined ? null : parseInt(id[2], 16),
      hwtype: hw === null ? null : Number(hw),
      driver: col('DRIVER'),
    });
  });
  if (header === null) throw new InputError(file, 1, 'no lszcrypt -V header line (CARD.DOM …)');
  return rows;
}

export interface MdevctlDevice {
  readonly uuid: string;
  readonly parent: string;
  readonly type: string;
  readonly start: string | null;
  readonly apm: number[];
  readonly aqm: number[];
  readonly adm: number[];
}

const isObj = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/**
 * `mdevctl list --dumpjson`: `[{ "<parent>": [{ "<uuid>": { "mdev_type", "start", "attrs": [{ "assign_adapter":
 * "5" }, …] } }] }]` (one object instead of the outer array is taken too).
 */
export function parseMdevctl(text: string, file: string): MdevctlDevice[] {
  const doc = parseJsonText(text, file);
  const bad = (p: string): never => {
    throw new InputError(file, null, p);
  };
  const parents = Array.isArray(doc) ? doc : [doc];
  const out: MdevctlDevice[] = [];
  for (const p of parents) {
    if (!isObj(p)) bad('expected an object of parent device to its mdevs');
    for (const [parent, devs] of Object.entries(p as Record<string, unknown>)) {
      if (!Array.isArray(devs)) bad(`"${parent}": expected an array of mdevs`);
      for (const d of devs as unknown[]) {
        if (!isObj(d)) return bad(`"${parent}": expected {"<uuid>": {…}} per mdev`);
        for (const [uuid, cfg] of Object.entries(d)) {
          if (!UUID.test(uuid)) bad(`"${parent}": '${uuid.slice(0, 40)}' is not a UUID`);
          if (!isObj(cfg)) return bad(`${uuid}: expected an object`);
          const attrs = cfg['attrs'] ?? [];
          if (!Array.isArray(attrs)) return bad(`${uuid}: "attrs" must be an array`);
          const ids = { assign_adapter: [] as number[], assign_domain: [] as number[], assign_control_domain: [] };
          for (const a of attrs) {
            if (!isObj(a)) return bad(`${uuid}: an attrs entry is not an object`);
            for (const [k, v] of Object.entries(a)) {
              if (!Object.hasOwn(ids, k)) continue;
              const n = typeof v === 'string' ? parseNumber(v) : null;
              if (n === null || n > 255) bad(`${uuid}: ${k} '${String(v).slice(0, 20)}' is not an id 0..255`);
              (ids[k as keyof typeof ids] as number[]).push(n!);
            }
          }
          const type = cfg['mdev_type'];
          const start = cfg['start'];
          out.push({
            uuid: uuid.toLowerCase(),
            parent,
            type: typeof type === 'string' ? type : '',
            start: typeof start === 'string' ? start : null,
            apm: ids.assign_adapter,
            aqm: ids.assign_domain,
            adm: ids.assign_control_domain,
          });
        }
      }
    }
  }
  return out;
}
