import { Chalk, type ChalkInstance } from 'chalk';

/**
 * The colour decision, made once: --no-color / --color first, then NO_COLOR (non-empty, no-color.org),
 * then FORCE_COLOR, then whether stdout is a TTY. chalk itself ignores NO_COLOR.
 */
export function makeChalk(
  flags: { color?: boolean | undefined; noColor?: boolean | undefined },
  env = process.env,
  tty = !!process.stdout.isTTY,
): ChalkInstance {
  let on: boolean;
  if (flags.noColor) on = false;
  else if (flags.color) on = true;
  else if ((env['NO_COLOR'] ?? '') !== '') on = false;
  else if (env['FORCE_COLOR'] !== undefined) on = env['FORCE_COLOR'] !== '0';
  else on = tty;
  return new Chalk({ level: on ? 1 : 0 });
}
