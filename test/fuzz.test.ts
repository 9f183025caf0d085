/**
 * Fuzzing the input edges: whatever the trace text, JSON or command line, apmc gives a result or a
 * clean one-line InputError / UsageError, never an uncaught exception. Random inputs, and valid
 * inputs mutated (characters, tokens, lines, JSON values), with a fixed seed; in-process for speed,
 * plus a few samples through bin/apmc.js.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { HelpRequest, parseCheckArgs } from '../bin/args.ts';
import { UsageError } from '../bin/usage.ts';
import { InputError, parseTrace, type Trace, traceToJson } from '../trace/index.ts';
import { scanJson } from '../trace/json-lines.ts';

const SEED = Number(process.env['SEED'] ?? 42);

const TEXTS = ['traces', 'examples'].flatMap((d) =>
  readdirSync(d)
    .filter((f) => f.endsWith('.trace'))
    .map((f) => readFileSync(join(d, f), 'utf8')),
);
const JSONS = readdirSync('counterexamples', { recursive: true })
  .map(String)
  .filter((f) => f.endsWith('.json'))
  .slice(0, 8)
  .map((f) => readFileSync(join('counterexamples', f), 'utf8'));

/** Parse; a trace or a clean one-line InputError. Anything else fails the property. */
function parsesOrRefuses(text: string): boolean {
  try {
    parseTrace(text, 'fuzz.trace');
    return true;
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    if (!e.message.startsWith('fuzz.trace')) throw new Error(`message does not name the file: ${e.message}`);
    if (e.message.includes('\n')) throw new Error(`message is not one line: ${JSON.stringify(e.message)}`);
    return true;
  }
}

const TOKENS = [
  'create',
  'remove',
  'start',
  'stop',
  'vfio_reset',
  'apmask',
  'aqmask',
  'bind',
  'unbind',
  'reprobe',
  'scan',
  'host',
  'fault',
  'card00',
  'config',
  'm1',
  'm2',
  'vm1',
  'assign_adapter',
  'assign_domain',
  'unassign_domain',
  'ap_config',
  'apm=0',
  'aqm=0-1',
  'adm=',
  '00.0000',
  '01.0001',
  'ff.ffff',
  '0x2c',
  '054',
  '-1',
  '999999999999',
  '&',
  '#',
  'scope',
  'policy',
  'initial',
  'adapters=2',
  'domains=0',
  'vfio_ap',
  'cex4queue',
  'add',
  'remove',
  'adapter',
  'domain',
  'control_domain',
  '+0',
  '-0,-1',
  '\t',
  '',
  '{',
  '}',
  '"',
  '\r',
  '\u0000',
  'é',
];

/** A mutation of a text: change a character, insert a token, delete or duplicate a line, swap two lines. */
const mutated = (base: fc.Arbitrary<string>): fc.Arbitrary<string> =>
  fc
    .tuple(
      base,
      fc.array(fc.tuple(fc.nat(4), fc.nat(), fc.nat(), fc.constantFrom(...TOKENS), fc.string({ maxLength: 3 })), {
        minLength: 1,
        maxLength: 4,
      }),
    )
    .map(([text, edits]) => {
      let t = text;
      for (const [kind, i, j, tok, s] of edits) {
        const lines = t.split('\n');
        const a = i % Math.max(1, t.length);
        const la = i % lines.length;
        const lb = j % lines.length;
        if (kind === 0) t = t.slice(0, a) + s + t.slice(a + 1);
        else if (kind === 1) t = t.slice(0, a) + ` ${tok} ` + t.slice(a);
        else if (kind === 2) t = [...lines.slice(0, la), ...lines.slice(la + 1)].join('\n');
        else if (kind === 3) t = [...lines.slice(0, la), lines[la]!, ...lines.slice(la)].join('\n');
        else {
          [lines[la], lines[lb]] = [lines[lb]!, lines[la]!];
          t = lines.join('\n');
        }
      }
      return t;
    });

/** A JSON document with one value replaced somewhere (by path), or a key added. */
const jsonMutated: fc.Arbitrary<string> = fc
  .tuple(fc.constantFrom(...JSONS), fc.nat(), fc.jsonValue({ maxDepth: 2 }), fc.boolean())
  .map(([text, n, v, add]) => {
    const doc = JSON.parse(text) as Record<string, unknown>;
    const slots: [Record<string, unknown> | unknown[], string | number][] = [];
    const walk = (x: unknown): void => {
      if (Array.isArray(x)) {
        for (const [i, y] of x.entries()) {
          slots.push([x, i]);
          walk(y);
        }
      } else if (x !== null && typeof x === 'object') {
        for (const [k, y] of Object.entries(x)) {
          slots.push([x as Record<string, unknown>, k]);
          walk(y);
        }
      }
    };
    walk(doc);
    const [holder, key] = slots[n % slots.length]!;
    if (add && !Array.isArray(holder)) holder[`x${n % 7}`] = v;
    else (holder as Record<string | number, unknown>)[key] = v;
    return JSON.stringify(doc, null, n % 2 === 0 ? 2 : undefined);
  });

// ---
const parser = suite('fuzz: the trace parsers give a trace or a clean InputError');

parser('random text', () => {
  fc.assert(fc.property(fc.string({ maxLength: 200, unit: 'binary' }), parsesOrRefuses), { seed: SEED, numRuns: 1500 });
});

parser('random lines of trace tokens', () => {
  const line = fc.array(fc.constantFrom(...TOKENS), { maxLength: 5 }).map((ws) => ws.join(' '));
  fc.assert(
    fc.property(
      fc.array(line, { maxLength: 12 }).map((ls) => ls.join('\n')),
      parsesOrRefuses,
    ),
    { seed: SEED, numRuns: 1500 },
  );
});

parser('mutated valid text traces', () => {
  fc.assert(fc.property(mutated(fc.constantFrom(...TEXTS)), parsesOrRefuses), { seed: SEED, numRuns: 1000 });
});

parser('random JSON documents', () => {
  fc.assert(fc.property(fc.json({ maxDepth: 4 }), parsesOrRefuses), { seed: SEED, numRuns: 1000 });
  fc.assert(
    fc.property(
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify({ format: 'apmc-trace/1', ops: [v] })),
      parsesOrRefuses,
    ),
    { seed: SEED, numRuns: 500 },
  );
});

parser('mutated and truncated valid JSON traces', () => {
  fc.assert(fc.property(jsonMutated, parsesOrRefuses), { seed: SEED, numRuns: 800 });
  fc.assert(
    fc.property(fc.constantFrom(...JSONS), fc.nat(), (t, n) => parsesOrRefuses(t.slice(0, n % t.length))),
    { seed: SEED, numRuns: 300 },
  );
  fc.assert(fc.property(mutated(fc.constantFrom(...JSONS)), parsesOrRefuses), { seed: SEED, numRuns: 500 });
});

// Why: the scanner that locates JSON errors must agree with JSON.parse on what is valid, or a
// malformed file would be reported at the wrong line (or a valid one refused).
parser('the JSON scanner agrees with JSON.parse on validity', () => {
  const text = fc.oneof(fc.json({ maxDepth: 3 }), mutated(fc.json({ maxDepth: 3 })), fc.string({ maxLength: 30 }));
  fc.assert(
    fc.property(text, (t) => {
      let valid = true;
      try {
        JSON.parse(t);
      } catch {
        valid = false;
      }
      return 'lines' in scanJson(t) === valid;
    }),
    { seed: SEED, numRuns: 1500 },
  );
});

parser('what parses survives text → JSON → text', () => {
  fc.assert(
    fc.property(mutated(fc.constantFrom(...TEXTS)), (text) => {
      let t: Trace;
      try {
        t = parseTrace(text, 'fuzz.trace');
      } catch {
        return true;
      }
      const again = parseTrace(JSON.stringify(traceToJson(t)), 'fuzz.json');
      return JSON.stringify(again.steps.map((s) => s.op)) === JSON.stringify(t.steps.map((s) => s.op));
    }),
    { seed: SEED, numRuns: 500 },
  );
});

parser.run();

// ---
const cli = suite('fuzz: command-line arguments give options or a clean UsageError');

const ARGS = [
  '--policy',
  'upstream',
  'upstrem',
  './x.ts',
  '--property',
  'recovery',
  'recovry',
  '--seed',
  '--runs',
  '--time',
  '--save',
  '--json',
  '--ci',
  '--stats',
  '--adapters',
  '--domains',
  '--control-domains',
  '--mdevs',
  '--vms',
  '--color',
  '--no-color',
  '-h',
  '--help',
  '0',
  '1',
  '2',
  '33',
  '-1',
  '1e3',
  '0x10',
  '99999999999999999999',
  '',
  '--',
  '-x',
  '--seed=5',
  '--runs=',
  '--frob',
  'dir',
];

cli('apmc check arguments', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.oneof(
          { weight: 9, arbitrary: fc.constantFrom(...ARGS) },
          { weight: 1, arbitrary: fc.string({ maxLength: 6 }) },
        ),
        { maxLength: 8 },
      ),
      (args) => {
        try {
          parseCheckArgs(args);
        } catch (e) {
          // --help on a line that parses: the command's help (bin/cli.ts prints it), not an error.
          if (e instanceof HelpRequest) return true;
          if (!(e instanceof UsageError)) throw e;
          if (e.message.includes('\n')) throw new Error(`not one line: ${JSON.stringify(e.message)}`);
        }
        return true;
      },
    ),
    { seed: SEED, numRuns: 3000 },
  );
});

cli.run();

// ---
const proc = suite('fuzz: samples through bin/apmc.js');

// Why: the in-process properties cover the parsers; these check that main turns every refusal into
// exit 2 and one line, and never an internal error (exit 3), on the real entry point.
proc('mutated traces through apmc run: exit 0 or 2, never a stack trace', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'apmc-fuzz-'));
  const samples = fc.sample(fc.oneof(mutated(fc.constantFrom(...TEXTS)), jsonMutated), { seed: SEED, numRuns: 6 });
  const runs = samples.map((text, i) => {
    const f = join(dir, `s${i}.trace`);
    writeFileSync(f, text);
    return new Promise<{ code: number; err: string }>((resolve) =>
      execFile(
        process.execPath,
        ['bin/apmc.js', 'run', f],
        { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } },
        (e, _out, err) => resolve({ code: e ? (typeof e.code === 'number' ? e.code : -1) : 0, err }),
      ),
    );
  });
  for (const r of await Promise.all(runs)) {
    assert.ok(r.code === 0 || r.code === 2, `exit ${r.code}: ${r.err}`);
    if (r.code === 2) assert.is(r.err.trim().split('\n').length, 1, r.err);
  }
});

proc.run();
