/**
 * The bundle's API entry (bin/bundle.mjs) when this module runs in the bundle, which replaces this module's
 * text; null when apmc runs from its sources. A policy file's `import … from 'apmc'` must give it.
 */
export const BUNDLE_API: string | null = null;
