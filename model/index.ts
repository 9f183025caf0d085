/**
 * apmc's public API: the model, the building blocks policies are made of, and the built-in policies.
 * A policy file imports from here (`import ... from 'apmc'`) or receives this module as the argument
 * of its default-exported factory.
 */
export * as bits from './bits.ts';
export { MAX_ID, type Mask } from './bits.ts';
export { ERRNO, ERRNO_TEXT, type Errno } from './errno.ts';
export * from './scope.ts';
export * from './state.ts';
export * from './ops.ts';
export * from './policy.ts';
export { step, run, type Step, type Result } from './step.ts';
export { observe, matrixLines, crycbApqns, domainLines, queueStatus, type Observation } from './observe.ts';
export { parseMaskWrite } from './mask-syntax.ts';
export * from './blocks/queries.ts';
export * from './blocks/update.ts';
export * from './blocks/link.ts';
export * from './blocks/filter.ts';
export * from './blocks/replaceable.ts';
export * from './blocks/events.ts';
export * from './events.ts';
export * from './blocks/fcfs.ts';
export * from './blocks/reset.ts';
export * from './blocks/validate.ts';
export * from './blocks/mdev.ts';
export { anyOverride, masksInUse, probeDriver, reprobePending, restrictedOverride, storeOverride } from './bus.ts';
export { POLICIES, d0, linux2025, staticPolicy, upstream, upstream619, v12Fcfs } from './policies/index.ts';
export * as upstreamParts from './policies/upstream.ts';
export * as linux2025Parts from './policies/linux-2025/parts.ts';
