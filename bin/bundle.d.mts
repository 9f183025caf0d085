/** The current bundle's directory (a file: URL ending in '/') if it is up to date with the sources; else null. */
export function freshBundle(): string | null;
/** The current bundle's directory URL, built first if the sources changed; null where it cannot be had. */
export function bundle(): Promise<string | null>;
