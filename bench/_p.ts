import { exploreExhaustive } from '../exhaustive/engine.ts';
import { POLICIES } from '../model/policies/index.ts';
import { PROPERTIES } from '../properties/registry.ts';
const scope = { adapters: 2, domains: 2, control_domains: 1, mdevs: 2, vms: 2 };
const r = exploreExhaustive({ scope, policy: POLICIES[process.argv[2]!]! }, process.argv[3] === 'none' ? [] : PROPERTIES, { depth: Number(process.argv[5] ?? 4), symmetry: process.argv[4] === 'sym' });
console.log(r.states, r.ms, Math.round(r.states / r.ms * 1000));
