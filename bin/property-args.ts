/** Property names on the command line (`--property`): a name or a spec id (`I7`), as properties/registry.ts reads. */
import { PROPERTY_NAMES, propertiesNamed, SPEC_IDS } from '../properties/registry.ts';
import type { Property } from '../properties/types.ts';
import { closest, UsageError } from './usage.ts';

/** The properties `words` name, each once, in the order given; an unknown word is a UsageError with a hint. */
export function propertyArgs(words: readonly string[]): Property[] {
  const out: Property[] = [];
  for (const w of words) {
    const ps = propertiesNamed(w);
    if (ps.length === 0) {
      const hint = closest(w, [...PROPERTY_NAMES, ...SPEC_IDS]);
      throw new UsageError(`unknown property '${w}'${hint ? ` (did you mean '${hint}'?)` : '; see apmc properties'}`);
    }
    for (const p of ps) if (!out.includes(p)) out.push(p);
  }
  return out;
}
