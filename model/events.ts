/**
 * Kernel events: what a step makes the kernel print or suffer besides its effect on the state. A
 * `WARN` (with its reason), an `oops` (a NULL or freed-object dereference), a `hang` (a task that never
 * returns, e.g. a walk over a corrupted queue table) and log lines with the resources they name.
 * Building blocks emit them (model/blocks/events.ts); the reducer hands them out with the step
 * (`Step.events`) and never keeps them in a state between steps. `KernelStop` is in model/blocks/events.ts.
 */

/** An mdev's name (state.ts MdevName; not imported: state.ts imports this module). */
type MdevName = string;

/** An APQN as [apid, apqi]. */
export type Apqn = readonly [number, number];

/** printk levels the modelled log lines use. */
export type LogLevel = 'err' | 'warning' | 'notice' | 'info' | 'debug';

export type KernelEvent =
  /** WARN(): `apqn` is the queue the warning is about, if any. */
  | { readonly kind: 'warn'; readonly reason: string; readonly apqn: Apqn | null }
  /** A NULL or freed-object dereference: the task is killed, the step ends where it was. */
  | { readonly kind: 'oops'; readonly what: string }
  /** The task never returns (an endless loop or wait): the step ends where it was. */
  | { readonly kind: 'hang'; readonly what: string }
  /** A log line, with the APQNs and the mdev its text names. */
  | {
      readonly kind: 'log';
      readonly level: LogLevel;
      readonly text: string;
      readonly apqns: readonly Apqn[];
      readonly mdev: MdevName | null;
    };

export type EventKind = KernelEvent['kind'];

/** The events of a step with none; also the `log` of every state between steps. */
export const NO_EVENTS: readonly KernelEvent[] = Object.freeze([]);

/** One event as a line of text (explain, run). */
export function formatEvent(e: KernelEvent): string {
  const hex = (n: number, w: number) => n.toString(16).padStart(w, '0');
  switch (e.kind) {
    case 'warn': {
      const name = e.apqn ? `${hex(e.apqn[0], 2)}.${hex(e.apqn[1], 4)}` : null;
      return `WARN: ${e.reason}${name && !e.reason.includes(name) ? ` (${name})` : ''}`;
    }
    case 'oops':
      return `oops: ${e.what}`;
    case 'hang':
      return `hang: ${e.what}`;
    case 'log':
      return `${e.level}: ${e.text}`;
  }
}
