/**
 * The pieces of `linux-2025`, one per C function, for policy files that patch the shipped code (examples/fixes/):
 * a fix re-states the function it changes and the callers up to the callback, and reuses the rest from here.
 */
export * from './config.ts';
export * from './device.ts';
export * from './matrix.ts';
export * from './queue.ts';
export * from './sysfs.ts';
export * from './table.ts';
