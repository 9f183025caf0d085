/**
 * The `apmc` package: the model, the building blocks policies are made of and the built-in policies (model/index.ts,
 * what a policy file imports from 'apmc'), and `check`, which runs `apmc check` in this process (api/check.ts).
 */
export * from '../model/index.ts';
export { check, type CheckOptions, type CheckReport, type CheckResult } from './check.ts';
export type { Finding } from '../check/finding.ts';
export type { Status, Verdict } from '../check/verdict.ts';
export { PROPERTY_NAMES, SPEC_IDS } from '../properties/registry.ts';
export { UsageError } from '../bin/usage.ts';
