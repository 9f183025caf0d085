// Entry of a policy sandbox thread (bin/sandbox.ts) when apmc runs from its sources: tsx is registered in this
// thread (apmc's modules and policy files are TypeScript), then the thread's first module runs.
import { register } from 'tsx/esm/api';

register();
await import('./sandbox-thread.ts');
