/**
 * The shape of a State (model/state.ts) as data: what each part holds, in the order State declares
 * it, and which parts are the configuration (everything an administrator or the hardware decided;
 * the history properties compare states by it). tsc checks STATE_SHAPE against the State type: a
 * field added to State (or to a part of it) and not here, or a kind that does not fit its type,
 * fails the type check.
 *
 * Derived from it: the policy guard's validation of a state a policy returns
 * (properties/state-problem.ts), the packed key's layout and which of its bits an id permutation
 * moves (exhaustive/codec-layout.ts). Checked against it by tests: the codec's encoding
 * (exhaustive/codec.test.ts) and the configuration key (properties/configuration.test.ts).
 */
import type { Mask } from './bits.ts';
import type { Resource } from './ops.ts';
import type { Driver, Fault, ResetStatus, State } from './state.ts';

/** Every member of union U is in list L (checked where used: `true satisfies Lists<U, L>`). */
export type Lists<U, L extends readonly unknown[]> = [Exclude<U, L[number]>] extends [never] ? true : false;

/** The hardware conditions of a queue (Fault), in a fixed order. */
export const FAULTS = ['none', 'checkstop', 'reset_fails', 'busy'] as const satisfies readonly Fault[];
true satisfies Lists<Fault, typeof FAULTS>;
/** The stored reset outcomes (ResetStatus), in a fixed order. */
export const RESET_STATUSES = [
  'normal',
  'deconfigured',
  'checkstopped',
  'failed',
  'in_progress',
] as const satisfies readonly ResetStatus[];
true satisfies Lists<ResetStatus, typeof RESET_STATUSES>;
/** The queue drivers (Driver), in a fixed order. */
export const DRIVERS = ['cex4queue', 'vfio_ap'] as const satisfies readonly Driver[];
true satisfies Lists<Driver, typeof DRIVERS>;

/** The kinds of name a state holds: mdevs' and VMs'. */
export type NameKind = 'mdev' | 'vm';

interface Part {
  /** Part of the configuration: the value of a leaf, whether a nullable part is null, which names a table has. */
  readonly config?: true;
}
/** A set of ids of the scope's adapters, domains or control domains. `wide`: ids beyond the scope are kept. */
export interface MaskShape extends Part {
  readonly t: 'mask';
  readonly of: Resource;
  readonly wide?: true;
}
export interface FlagShape extends Part {
  readonly t: 'flag';
}
/** One of a fixed list of strings. */
export interface EnumShape<V extends string = string> extends Part {
  readonly t: 'enum';
  readonly values: readonly V[];
  /** What one value is, for messages ("a fault"). */
  readonly what: string;
}
/** The name of an mdev or a VM. */
export interface NameShape extends Part {
  readonly t: 'name';
  readonly of: NameKind;
}
export interface NullableShape<S extends Shape = Shape> extends Part {
  readonly t: 'nullable';
  readonly of: S;
}
export interface RecordShape<F extends { readonly [k: string]: Shape } = { readonly [k: string]: Shape }> extends Part {
  readonly t: 'record';
  /** What one is, for messages ("a matrix"). */
  readonly what: string;
  readonly fields: F;
}
/** One entry per APQN (index apid * domains + apqi) or per adapter. */
export interface ArrayShape<S extends Shape = Shape> extends Part {
  readonly t: 'array';
  readonly per: 'apqn' | 'adapter';
  readonly of: S;
}
/** Records by name, in creation order (the order of the object's keys). */
export interface TableShape<S extends Shape = Shape> extends Part {
  readonly t: 'table';
  readonly of: NameKind;
  readonly item: S;
}
export type Shape =
  | MaskShape
  | FlagShape
  | EnumShape
  | NameShape
  | NullableShape
  | RecordShape
  | ArrayShape
  | TableShape;

/** The shape a part of type T must have (what STATE_SHAPE is checked against). */
export type ShapeOf<T> = null extends T
  ? NullableShape<ShapeOf<NonNullable<T>>>
  : [T] extends [Mask]
    ? MaskShape
    : [T] extends [boolean]
      ? FlagShape
      : [T] extends [string]
        ? string extends T
          ? NameShape
          : EnumShape<T>
        : [T] extends [readonly (infer E)[]]
          ? ArrayShape<ShapeOf<E>>
          : string extends keyof T
            ? TableShape<ShapeOf<T[string & keyof T]>>
            : RecordShape<{ readonly [K in keyof T]-?: ShapeOf<T[K]> }>;

const mask = (of: Resource, config?: true): MaskShape => (config ? { t: 'mask', of, config } : { t: 'mask', of });
const flag = (config?: true): FlagShape => (config ? { t: 'flag', config } : { t: 'flag' });
const name = (of: NameKind): NullableShape<NameShape> => ({ t: 'nullable', of: { t: 'name', of } });
const matrix = (config?: true) =>
  ({
    t: 'record',
    what: 'a matrix',
    fields: { apm: mask('adapter', config), aqm: mask('domain', config), adm: mask('control_domain', config) },
  }) as const;

/** A State without its `log`: the events of the step under way, never part of a state between steps. */
export type Shaped = Omit<State, 'log'>;

/** The State, part by part (see the module comment). */
export const STATE_SHAPE = {
  t: 'record',
  what: 'a state',
  fields: {
    host: matrix(true),
    cardOff: mask('adapter', true),
    fault: { t: 'array', per: 'apqn', of: { t: 'enum', values: FAULTS, what: 'a fault', config: true } },
    dirty: { t: 'array', per: 'apqn', of: name('vm') },
    bus: {
      t: 'record',
      what: 'an object',
      fields: {
        apmask: { t: 'mask', of: 'adapter', wide: true, config: true },
        aqmask: { t: 'mask', of: 'domain', wide: true, config: true },
        apmaskHigh: flag(true),
        aqmaskHigh: flag(true),
        qci: matrix(),
        scan: {
          t: 'nullable',
          of: { t: 'record', what: '{ qci, old, changed }', fields: { qci: matrix(), old: matrix(), changed: flag() } },
        },
      },
    },
    queues: {
      t: 'array',
      per: 'apqn',
      of: {
        t: 'nullable',
        config: true,
        of: {
          t: 'record',
          what: 'a queue { driver, link, reset, polling, dup, override, rebind }',
          fields: {
            driver: { t: 'nullable', config: true, of: { t: 'enum', values: DRIVERS, what: 'a driver', config: true } },
            link: name('mdev'),
            reset: { t: 'enum', values: RESET_STATUSES, what: 'a reset status', config: true },
            polling: flag(),
            dup: flag(),
            override: {
              t: 'nullable',
              config: true,
              of: { t: 'enum', values: DRIVERS, what: 'a driver', config: true },
            },
            rebind: flag(),
          },
        },
      },
    },
    info: matrix(),
    mdevs: {
      t: 'table',
      of: 'mdev',
      config: true,
      item: {
        t: 'record',
        what: 'an mdev',
        fields: {
          matrix: matrix(true),
          shadow: { t: 'nullable', of: matrix() },
          qtable: { t: 'array', per: 'adapter', of: mask('domain') },
          kvm: { t: 'nullable', config: true, of: { t: 'name', of: 'vm', config: true } },
          pending: { t: 'nullable', of: matrix() },
          removing: flag(true),
          open: flag(true),
        },
      },
    },
    vms: { t: 'table', of: 'vm', item: { t: 'record', what: 'a VM', fields: { crycb: matrix(), hook: name('mdev') } } },
  },
} as const satisfies ShapeOf<Shaped>;
