export * from './types.ts';
export { parseTextTrace, parseOpLine } from './parse-text.ts';
export { formatOp, formatTrace } from './format.ts';
export { parseJsonTrace, traceFromDoc, traceToJson } from './json.ts';
export { checkTrace, initialMatrix } from './check.ts';
export { parseIdList, formatIdList, parseApqn, parseNumber } from './ids.ts';

import { parseJsonTrace } from './json.ts';
import { parseTextTrace } from './parse-text.ts';
import type { Trace } from './types.ts';

/** Parse a trace in either format: JSON when the text starts with `{` (or `[`, which no text trace does), text otherwise. */
export const parseTrace = (text: string, file: string): Trace =>
  /^\s*[{[]/.test(text) ? parseJsonTrace(text, file) : parseTextTrace(text, file);
