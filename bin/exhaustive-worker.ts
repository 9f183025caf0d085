/** A worker thread of `apmc check --engine exhaustive --workers N`: its part of one parallel search. */
import { parentPort, workerData } from 'node:worker_threads';
import { exploreExhaustivePart } from '../exhaustive/engine.ts';
import { type PartData, type PartMessage, WorkerPart } from '../exhaustive/part.ts';
import { exploreAgainstBasePart } from '../exhaustive/product.ts';
import type { Scope } from '../model/scope.ts';
import { guardPolicy } from '../properties/policy-guard.ts';
import { propertyByName } from '../properties/registry.ts';
import { loadPolicy } from './load-policy.ts';
import { exhaustiveWatch, interceptExit, setWatch, type WatchShared } from './sandbox-watch.ts';

type Sandbox = { shared: WatchShared; slot: number; heapMb: number };
const d = workerData as PartData & { policySpec: string; scope: Scope; guard: boolean; sandbox?: Sandbox };
const post = (m: PartMessage): void => parentPort!.postMessage(m);
// In a policy sandbox (bin/sandbox.ts): process.exit intercepted; callbacks and search watched in a slot of our own.
if (d.sandbox) {
  interceptExit();
  setWatch(d.sandbox.shared, d.sandbox.slot, d.sandbox.heapMb);
}
try {
  const policy = await loadPolicy(d.policySpec);
  const props = d.props.map((n) => propertyByName(n)!);
  const part = new WorkerPart(d, post);
  const opt = { ...d.opt, ...exhaustiveWatch(null) };
  const guarded = d.guard ? { ...opt, guard: guardPolicy(policy) } : opt;
  // A search against a base (PartData.base): the product search's part, both policies guarded alike.
  const base = d.base === undefined ? null : await loadPolicy(d.base);
  const cfg = { scope: d.scope, policy };
  const r = base
    ? exploreAgainstBasePart(cfg, base, props, d.guard ? { ...guarded, baseGuard: guardPolicy(base) } : guarded, part)
    : exploreExhaustivePart(cfg, props, guarded, part);
  post({ type: 'final', id: d.id, r, records: part.records() });
} catch (e) {
  post({ type: 'error', id: d.id, error: e instanceof Error ? e.message : String(e) });
}
