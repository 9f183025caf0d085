/** The `apmc` process: runs bin/cli.ts's runCli on the arguments and exits with its code. */
import { runCli } from './cli.ts';

// A reader that goes away (`apmc check | head`) ends the output, not apmc with a stack trace.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  throw e;
});

process.exitCode = await runCli(process.argv.slice(2));
