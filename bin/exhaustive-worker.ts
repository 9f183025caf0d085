/** A worker thread of `apmc check --engine exhaustive --workers N`: its part of one parallel search. */
import { parentPort, workerData } from 'node:worker_threads';
import { exploreExhaustivePart } from '../exhaustive/engine.ts';
import { workerPart, type PartData, type PartMessage } from '../exhaustive/parallel.ts';
import { propertyByName } from '../properties/registry.ts';
import type { Scope } from '../model/scope.ts';
import { loadPolicy } from './load-policy.ts';
import { guardPolicy } from '../properties/policy-guard.ts';

const d = workerData as PartData & { policySpec: string; scope: Scope; guard: boolean };
const post = (m: PartMessage): void => parentPort!.postMessage(m);
try {
  const policy = await loadPolicy(d.policySpec);
  const props = d.props.map((n) => propertyByName(n)!);
  const part = workerPart(d, post);
  const r = exploreExhaustivePart({ scope: d.scope, policy }, props, d.guard ? { ...d.opt, guard: guardPolicy(policy) } : d.opt, part);
  post({ type: 'final', id: d.id, r, records: part.records() });
} catch (e) {
  post({ type: 'error', id: d.id, error: e instanceof Error ? e.message : String(e) });
}
