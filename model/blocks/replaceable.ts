/**
 * Building blocks a policy can replace once for every callback that uses them:
 * `extend(upstream, { name, blocks: { filterMatrix: myFilter } })`. Every caller of a replaceable
 * block (the built-ins' callbacks, the bus, other blocks) goes through its dispatcher, which calls
 * the policy's replacement when it has one. A replacement that wants the original calls
 * `DEFAULT_BLOCKS.<name>` (calling the public block again would call the replacement again).
 */
import type { BlockTable, Config } from '../policy.ts';

// The table's type lives in policy.ts (a Policy's `blocks`), so that no import runs in a circle.
export type { BlockTable } from '../policy.ts';

export type BlockName = keyof BlockTable;

const defaults: Partial<Record<BlockName, BlockTable[BlockName]>> = {};

/** The blocks as the model defines them (filled as each block's module loads). */
export const DEFAULT_BLOCKS: BlockTable = defaults as BlockTable;

/** The dispatcher of block `name`, whose own definition is `impl`. */
export function replaceable<K extends BlockName>(name: K, impl: BlockTable[K]): BlockTable[K] {
  defaults[name] = impl;
  const call = impl as unknown as (cfg: Config, ...rest: unknown[]) => unknown;
  const dispatch = (cfg: Config, ...rest: unknown[]): unknown => {
    const own = cfg.policy.blocks?.[name] as ((cfg: Config, ...rest: unknown[]) => unknown) | undefined;
    return (own ?? call)(cfg, ...rest);
  };
  return dispatch as unknown as BlockTable[K];
}
