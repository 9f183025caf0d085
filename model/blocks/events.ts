/**
 * Building blocks for kernel events (model/events.ts): a policy says "here the C code WARNs, logs or
 * dereferences m.kvm" through these, and the step reports the event instead of apmc reporting a
 * policy error.
 */
import type { Apqn, KernelEvent, LogLevel } from '../events.ts';
import type { MdevName, State } from '../state.ts';
import { patchState } from '../state.ts';

/**
 * Thrown by a building block where the kernel's task dies or never returns (oops, hang): the reducer
 * catches it and ends the step with `state` (the state when it happened, its log ending with the event).
 */
export class KernelStop {
  readonly state: State;
  readonly event: Extract<KernelEvent, { kind: 'oops' | 'hang' }>;
  constructor(state: State, event: Extract<KernelEvent, { kind: 'oops' | 'hang' }>) {
    this.state = state;
    this.event = event;
  }
}

/** Is x a KernelStop? Never throws, whatever x is (a policy may throw a revoked Proxy). */
export function isKernelStop(x: unknown): x is KernelStop {
  try {
    return x instanceof KernelStop;
  } catch {
    return false;
  }
}

const emit = (s: State, e: KernelEvent): State => patchState(s, { log: [...s.log, e] });

/** WARN(reason): the step goes on. */
export const warn = (s: State, reason: string, apqn: Apqn | null = null): State =>
  emit(s, { kind: 'warn', reason, apqn });

/** A log line naming `apqns` and `mdev` (pass what the kernel's format string prints). */
export const logLine = (
  s: State,
  level: LogLevel,
  text: string,
  names: { readonly apqns?: readonly Apqn[]; readonly mdev?: MdevName | null } = {},
): State => emit(s, { kind: 'log', level, text, apqns: names.apqns ?? [], mdev: names.mdev ?? null });

/** The task dies here (a bad dereference): the step ends with `s`. */
export function oops(s: State, what: string): never {
  const event = { kind: 'oops', what } as const;
  throw new KernelStop(emit(s, event), event);
}

/** The task never returns from here: the step ends with `s`. */
export function hang(s: State, what: string): never {
  const event = { kind: 'hang', what } as const;
  throw new KernelStop(emit(s, event), event);
}

/** Dereference `value` as the C code does: an oops naming `what` (e.g. 'matrix_mdev->kvm') when it is null. */
export function deref<T>(s: State, value: T | null | undefined, what: string): T {
  if (value === null || value === undefined) oops(s, `NULL pointer dereference of ${what}`);
  return value;
}
