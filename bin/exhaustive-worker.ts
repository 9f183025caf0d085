/** A worker thread of `apmc check --engine exhaustive --workers N`: explores one shard, posts the result. */
import { parentPort, workerData } from 'node:worker_threads';
import type { Scope } from '../model/scope.ts';
import { exploreExhaustive, type ExhaustiveOptions } from '../exhaustive/engine.ts';
import { propertyByName } from '../properties/registry.ts';
import { loadPolicy } from './load-policy.ts';
import { guardPolicy } from '../properties/policy-guard.ts';

const d = workerData as { policySpec: string; props: string[]; scope: Scope; opt: ExhaustiveOptions };
try {
  const policy = await loadPolicy(d.policySpec);
  const props = d.props.map((n) => propertyByName(n)!);
  parentPort!.postMessage({ ok: true, r: exploreExhaustive({ scope: d.scope, policy }, props, { ...d.opt, guard: guardPolicy(policy) }) });
} catch (e) {
  parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
}
