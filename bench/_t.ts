import { exploreExhaustive } from '../exhaustive/engine.ts';
import { POLICIES } from '../model/policies/index.ts';
const scope = { adapters: 1, domains: 1, control_domains: 1, mdevs: 1, vms: 1 };
const d = process.argv[2] ? { depth: Number(process.argv[2]) } : {};
const t = process.cpuUsage();
const r = exploreExhaustive({ scope, policy: POLICIES['static']! }, [], d);
const cpu = process.cpuUsage(t);
console.log(r.states, r.transitions, r.depth, r.complete, r.ms, Math.round(r.states / r.ms * 1000), 'states/s', ((cpu.user + cpu.system) / 1e6).toFixed(1), 'cpu s');
