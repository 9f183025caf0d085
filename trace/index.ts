export * from './types.ts';
export { parseTextTrace, parseOpLine } from './parse-text.ts';
export { formatOp, formatTrace } from './format.ts';
export { parseJsonTrace, traceFromDoc, traceToJson } from './json.ts';
export { checkTrace, initialMatrix } from './check.ts';
export { parseIdList, formatIdList, parseApqn, parseNumber } from './ids.ts';

import { parseJsonTrace } from './json.ts';
import { parseTextTrace } from './parse-text.ts';
import type { Trace } from './types.ts';

/** Whether a trace is JSON: a `.json` file (even empty), or text starting with `{` or `[` (no text trace does). */
export const isJsonTrace = (text: string, file: string): boolean => /\.json$/i.test(file) || /^\s*[{[]/.test(text);

/** Parse a trace in either format (see isJsonTrace). */
export const parseTrace = (text: string, file: string): Trace =>
  isJsonTrace(text, file) ? parseJsonTrace(text, file) : parseTextTrace(text, file);
