/**
 * Fake LPAR sysfs trees for `apmc import`, laid out as the kernel lays sysfs out (spec §12): the devices under
 * devices/ap/cardXX/, bus/ap/devices/* links to them, each queue's `driver` link into bus/ap/drivers/, masks as
 * `0x` + 64 hex digits MSB-0, an mdev's matrix, guest_matrix and control_domains one line per APQN or domain.
 */
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export interface FakeMdev {
  readonly uuid: string;
  readonly apm: readonly number[];
  readonly aqm: readonly number[];
  readonly adm?: readonly number[];
  /** guest_matrix lines; default: the matrix's APQNs bound to vfio_ap. */
  readonly guest?: readonly string[];
  /** A guest holds it: its queues' status says `in use`. */
  readonly running?: boolean;
}

export interface FakeMachine {
  /** Configured adapters and usage and control domains (the QCI). */
  readonly adapters: readonly number[];
  readonly domains: readonly number[];
  readonly controls: readonly number[];
  /** Ids whose apmask / aqmask bit is clear (reserved for vfio_ap). */
  readonly apClear?: readonly number[];
  readonly aqClear?: readonly number[];
  readonly hwtype?: Readonly<Record<number, number>>;
  /** Deconfigured cards (config 0). */
  readonly off?: readonly number[];
  /** Queue drivers that differ from what the masks give: `aa.dddd` → driver or null (unbound). */
  readonly drivers?: Readonly<Record<string, string | null>>;
  /** null: vfio_ap is not loaded. */
  readonly mdevs: readonly FakeMdev[] | null;
  /** Extra files (path under the root → content). */
  readonly files?: Readonly<Record<string, string>>;
}

const h = (n: number, w: number): string => n.toString(16).padStart(w, '0');
export const apqn = (a: number, d: number): string => `${h(a, 2)}.${h(d, 4)}`;

/** 256 bits MSB-0 as sysfs prints them. */
export function mask256(ids: readonly number[]): string {
  const nibbles = new Array<number>(64).fill(0);
  for (const i of ids) nibbles[i >> 2]! |= 8 >> (i & 3);
  return `0x${nibbles.map((n) => n.toString(16)).join('')}\n`;
}

const all = (): number[] => Array.from({ length: 256 }, (_, i) => i);

/** The driver a queue gets from the masks (spec §4.1: default-owned iff both bits are set). */
export function maskDriver(m: FakeMachine, a: number, d: number): string {
  const clear = (m.apClear ?? []).includes(a) || (m.aqClear ?? []).includes(d);
  return clear ? 'vfio_ap' : 'cex4queue';
}

/** Write the tree into a new temp directory; its path. */
export function fakeMachine(m: FakeMachine): string {
  const root = mkdtempSync(join(tmpdir(), 'apmc-lpar-'));
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(root, rel)), { recursive: true });
    writeFileSync(join(root, rel), text);
  };
  put('bus/ap/apmask', mask256(all().filter((i) => !(m.apClear ?? []).includes(i))));
  put('bus/ap/aqmask', mask256(all().filter((i) => !(m.aqClear ?? []).includes(i))));
  put('bus/ap/ap_adapter_mask', mask256(m.adapters));
  put('bus/ap/ap_usage_domain_mask', mask256(m.domains));
  put('bus/ap/ap_control_domain_mask', mask256(m.controls));
  put('bus/ap/ap_max_adapter_id', '255\n');
  put('bus/ap/ap_max_domain_id', '255\n');
  mkdirSync(join(root, 'bus/ap/devices'), { recursive: true });
  mkdirSync(join(root, 'bus/ap/drivers/cex4queue'), { recursive: true });
  mkdirSync(join(root, 'bus/ap/drivers/vfio_ap'), { recursive: true });
  const inMdev = (a: number, d: number) => (m.mdevs ?? []).find((x) => x.apm.includes(a) && x.aqm.includes(d));
  for (const a of m.adapters) {
    const card = `devices/ap/card${h(a, 2)}`;
    put(`${card}/hwtype`, `${m.hwtype?.[a] ?? 13}\n`);
    put(`${card}/config`, (m.off ?? []).includes(a) ? '0\n' : '1\n');
    put(`${card}/online`, (m.off ?? []).includes(a) ? '0\n' : '1\n');
    symlinkSync(`../../../${card}`, join(root, `bus/ap/devices/card${h(a, 2)}`));
    for (const d of m.domains) {
      const q = apqn(a, d);
      const dir = `${card}/${q}`;
      put(`${dir}/online`, '1\n');
      const drv = m.drivers && q in m.drivers ? m.drivers[q]! : maskDriver(m, a, d);
      if (drv !== null) symlinkSync(`../../../../bus/ap/drivers/${drv}`, join(root, dir, 'driver'));
      if (drv === 'vfio_ap') {
        const x = inMdev(a, d);
        const used = x?.running && (x.guest ?? []).includes(q);
        put(`${dir}/status`, x ? (used ? 'in use\n' : 'assigned\n') : 'unassigned\n');
      }
      symlinkSync(`../../../${dir}`, join(root, `bus/ap/devices/${q}`));
    }
  }
  if (m.mdevs !== null) {
    mkdirSync(join(root, 'devices/vfio_ap/matrix/mdev_supported_types/vfio_ap-passthrough'), { recursive: true });
    for (const x of m.mdevs) {
      const dir = `devices/vfio_ap/matrix/${x.uuid}`;
      const lines =
        x.apm.length > 0 && x.aqm.length === 0
          ? x.apm.map((a) => `${h(a, 2)}.`)
          : x.apm.length === 0
            ? x.aqm.map((d) => `.${h(d, 4)}`)
            : x.apm.flatMap((a) => x.aqm.map((d) => apqn(a, d)));
      put(`${dir}/matrix`, lines.map((l) => `${l}\n`).join(''));
      put(`${dir}/guest_matrix`, (x.guest ?? []).map((l) => `${l}\n`).join(''));
      put(`${dir}/control_domains`, (x.adm ?? []).map((d) => `${h(d, 4)}\n`).join(''));
    }
  }
  for (const [rel, text] of Object.entries(m.files ?? {})) put(rel, text);
  return root;
}

export const U1 = '6dfd3ec5-e8b3-4e18-a6fe-57bc9eecb920';
export const U2 = '0c1f5a0e-2b39-4c8a-9d1e-3f4a5b6c7d8e';

/** The machines the tests import: spec §12's formats, several set-ups. */
export const MACHINES: Readonly<Record<string, FakeMachine>> = {
  'no vfio_ap': { adapters: [3, 5], domains: [4], controls: [4], mdevs: null },
  'a running guest': {
    adapters: [3, 5, 6],
    domains: [4, 0x2c],
    controls: [4, 0x2c],
    apClear: [5, 6],
    aqClear: [0x2c],
    mdevs: [
      { uuid: U1, apm: [5, 6], aqm: [0x2c], adm: [0x2c], guest: ['05.002c', '06.002c'], running: true },
      { uuid: U2, apm: [], aqm: [], guest: [] },
    ],
  },
  // Filtered out of the guest matrix (vfio_ap_mdev_filter_matrix): adapter 6, whose queue 06.002c was unbound
  // by hand, and adapter 7, not in the host configuration. Adapter 3's queues stay with cex4queue.
  'filtered queues': {
    adapters: [3, 5, 6],
    domains: [4, 0x2c],
    controls: [4],
    apClear: [5, 6, 7],
    drivers: { '06.002c': null },
    mdevs: [{ uuid: U1, apm: [5, 6, 7], aqm: [0x2c], guest: ['05.002c'], running: true }],
  },
  'a deconfigured card': {
    adapters: [5, 6],
    domains: [4],
    controls: [4],
    apClear: [5, 6],
    aqClear: [4],
    off: [6],
    mdevs: [{ uuid: U2, apm: [5, 6], aqm: [4], guest: ['05.0004', '06.0004'] }],
  },
};

/** One guest with one mdev, nothing else (check --from's tests). */
export const ONE_GUEST: FakeMachine = {
  adapters: [3, 5, 6],
  domains: [4, 0x2c],
  controls: [4, 0x2c],
  apClear: [5, 6],
  aqClear: [0x2c],
  mdevs: [{ uuid: U1, apm: [5, 6], aqm: [0x2c], adm: [0x2c], guest: ['05.002c', '06.002c'], running: true }],
};
