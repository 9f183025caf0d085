// Entry of an `apmc check --workers N` thread: registers tsx in this thread, then runs the TypeScript worker.
import { register } from 'tsx/esm/api';

register();
await import('./exhaustive-worker.ts');
