// Entry of a policy sandbox thread (bin/sandbox.ts): process.exit is replaced before any policy code can
// see it, tsx is registered in this thread (policy files are TypeScript), then the command runs.
import { register } from 'tsx/esm/api';

register();
const { interceptExit } = await import('./sandbox-watch.ts');
interceptExit();
await import('./sandbox-worker.ts');
