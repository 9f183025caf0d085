/**
 * Every apmc command's flags, synopsis, exit codes and examples: the one table that both the parser
 * (bin/args.ts parse, which takes a command's entry, never a list of its own) and the help text
 * (bin/usage.ts commandHelp) read, so that what `apmc <command>` accepts and what its `--help` lists
 * cannot drift apart (bin/help.test.ts checks both ways, through the command line).
 */
import { OBSERVE_LEVELS } from '../model/observation.ts';
import { MECHANISMS } from '../model/op-values.ts';
import { DEFAULT_SCOPE, SCOPE_KEYS, type ScopeKey, scopeLimit } from '../model/scope.ts';
import { scopeFlag, type ScopeFlag } from './scope-flags.ts';

/** One flag: its parseArgs type (and `multiple`, `short`), the placeholder of its value, one line of help. */
export interface Flag {
  readonly type: 'string' | 'boolean';
  readonly multiple?: boolean;
  readonly short?: string;
  /** The value's placeholder in the help (string flags). */
  readonly arg?: string;
  readonly help: string;
}

export type Flags = Readonly<Record<string, Flag>>;

export interface CommandSpec<F extends Flags = Flags> {
  readonly name: string;
  /** One line in `apmc help`'s list. */
  readonly summary: string;
  /** The usage lines, each after `apmc `. */
  readonly synopsis: readonly string[];
  /** What it does, a sentence or two. */
  readonly about: string;
  readonly flags: F;
  /** Positional arguments that may be `-` (standard input): the trace files. */
  readonly stdin?: boolean;
  /** Exit codes beyond 2 (bad usage or input) and 3 (internal error), which every command has. */
  readonly exits: readonly string[];
  readonly examples: readonly string[];
}

/** The flags every command takes (bin/args.ts adds them to each command's own). */
export const COMMON = {
  color: { type: 'boolean', help: 'colour on, even when not on a terminal' },
  'no-color': { type: 'boolean', help: 'colour off (NO_COLOR=1 does the same)' },
  help: { type: 'boolean', short: 'h', help: "this command's help" },
} as const satisfies Flags;

const SCOPE_HELP: Readonly<Record<ScopeKey, string>> = {
  adapters: 'adapters (apm_max + 1)',
  domains: 'usage domains (aqm_max + 1)',
  control_domains: 'control domains (adm_max + 1)',
  mdevs: 'mdev instances at most',
  vms: 'guest VMs at most',
};

/** The scope flags (bin/scope-flags.ts names them): one per scope key, overriding a trace's `scope` line. */
export const SCOPE = Object.fromEntries(
  SCOPE_KEYS.map((k) => [
    scopeFlag(k),
    { type: 'string', arg: 'N', help: `${SCOPE_HELP[k]}, 1 to ${scopeLimit(k)} (${DEFAULT_SCOPE[k]})` },
  ]),
) as {
  readonly [K in ScopeKey as ScopeFlag<K>]: { readonly type: 'string'; readonly arg: 'N'; readonly help: string };
};

/** The mechanisms' names, for the `about` of the commands that take --mechanisms. */
const MECHANISM_NAMES =
  ` --mechanisms: the kernel mechanisms whose ops the engines generate beyond the classic ones (a comma list ` +
  `of ${MECHANISMS.join(', ')}).`;

/** The exhaustive engine's flags and --mechanisms (check and diff). */
export const EXHAUSTIVE = {
  depth: { type: 'string', arg: 'N', help: 'exhaustive, hybrid: most steps, 0 to 1000' },
  'max-states': { type: 'string', arg: 'N', help: 'exhaustive: stop (undecided) after N states' },
  'max-memory': { type: 'string', arg: 'MB', help: 'exhaustive: stop (undecided) past MB, ≥ 64' },
  symmetry: { type: 'string', arg: 'on|off', help: 'exhaustive: merge states alike but ids (on)' },
  memo: { type: 'string', arg: 'auto|on|off', help: 'exhaustive: memoize property checks (auto)' },
  order: { type: 'string', arg: 'guests-first|plain', help: 'exhaustive: the order ops are tried in' },
  workers: { type: 'string', arg: 'N', help: 'exhaustive: worker threads, 1 to 64 (1)' },
  mechanisms: { type: 'string', arg: 'all|none|LIST', help: 'kernel mechanisms to generate (all)' },
} as const satisfies Flags;

const policyOne = { type: 'string', arg: '<name|file>', help: "the policy (default: the trace's)" } as const;

const run = {
  name: 'run',
  summary: 'run a trace, print every step',
  synopsis: ['run [--policy <name|file>] [scope flags] [--json] <trace|->'],
  about: 'Runs the trace under the policy and prints each step, its result and what changed, then the final matrices.',
  flags: { policy: policyOne, json: { type: 'boolean', help: 'the report as JSON (apmc-run/1)' }, ...SCOPE },
  stdin: true,
  exits: ['0 done (a kernel rejection is a result)', '7 a policy error'],
  examples: [
    'apmc run --policy upstream traces/halil-order-a.trace',
    'cat traces/halil-order-a.trace | apmc run --policy upstream -',
  ],
} as const satisfies CommandSpec;

const check = {
  name: 'check',
  summary: 'check properties of policies (random or exhaustive search)',
  synopsis: ['check [--policy <name|file>]... [--property <name>]... [budget] [engine] [--ci]'],
  about:
    'Explores the policies and judges every property; with --base, per property what each policy adds to ' +
    'the base (new), shares with it (inherited) or fixes. Reads ./apmc.config.json, or the "apmc" key of ' +
    './package.json, for defaults; flags win.' +
    MECHANISM_NAMES,
  flags: {
    policy: { type: 'string', multiple: true, arg: '<name|file>', help: 'a policy to check (repeat; default: all)' },
    base: { type: 'string', arg: '<name|file>', help: 'judge each policy against this one' },
    property: {
      type: 'string',
      multiple: true,
      arg: '<name|id>',
      help: 'a property or spec id (repeat; default: all)',
    },
    seed: { type: 'string', arg: 'N', help: 'random engine: the seed (1)' },
    runs: { type: 'string', arg: 'N', help: 'random engine: cases per policy (50000)' },
    time: { type: 'string', arg: 'S', help: 'stop after S seconds (exhaustive: undecided)' },
    json: { type: 'boolean', help: 'the summary as JSON (for apmc merge)' },
    save: { type: 'boolean', arg: '[DIR]', help: 'save counterexamples in DIR (counterexamples/)' },
    ci: { type: 'boolean', help: 'expected violations exit 0 (gate on new ones)' },
    stats: { type: 'boolean', help: 'print op and coverage statistics' },
    verbose: { type: 'boolean', help: 'every counterexample in full, expected ones too' },
    report: { type: 'string', arg: '<dir>', help: 'write the HTML report into this directory' },
    from: { type: 'string', arg: '<trace>', help: 'explore from the state this trace reaches' },
    engine: { type: 'string', arg: 'NAME', help: 'random, exhaustive or hybrid (random)' },
    shard: { type: 'string', arg: 'k/n', help: 'shard k of n (apmc merge joins their --json)' },
    ...EXHAUSTIVE,
    ...SCOPE,
    config: { type: 'string', arg: '<file>', help: 'the config file (./apmc.config.json)' },
    'no-config': { type: 'boolean', help: 'read no config file' },
  },
  exits: [
    '0 every property holds (or is vacuous)',
    '1 a violation not recorded as expected',
    '4 violations found, all expected (0 with --ci)',
    '5 an expected violation was not found',
    '6 a verdict left unknown: a bound (--time, --max-states, memory) stopped an exhaustive search',
    '7 a policy error',
    '130/143 stopped by SIGINT/SIGTERM',
  ],
  examples: [
    'apmc check --policy upstream --runs 2000',
    'apmc check --policy ./mine.ts --base upstream --ci',
    'apmc check --policy upstream --engine exhaustive --depth 5',
  ],
} as const satisfies CommandSpec;

const merge = {
  name: 'merge',
  summary: 'combine the --json reports of shards',
  synopsis: ['merge [--json] [--ci] <report.json>...'],
  about: "Combines the `apmc check --shard k/n --json` reports of one run's shards into one summary.",
  flags: {
    json: { type: 'boolean', help: 'the merged summary as JSON' },
    ci: { type: 'boolean', help: 'expected violations exit 0' },
  },
  exits: [
    '0 every property holds (or is vacuous), in every shard',
    '1 a violation not recorded as expected',
    '4 violations found, all expected (0 with --ci)',
    '5 an expected violation was not found',
    '6 a verdict left unknown, or a shard is missing',
  ],
  examples: ['apmc merge shard-1.json shard-2.json'],
} as const satisfies CommandSpec;

const explain = {
  name: 'explain',
  summary: 'a trace or counterexample step by step, with guest grids',
  synopsis: ['explain [--format text|md|json|sh] [--policy <name|file>] [--property <name|id>] <trace|->'],
  about:
    'Explains a trace or a saved counterexample step by step; --property judges that property after every ' +
    'step; --format sh writes a replay script for a real LPAR.',
  flags: {
    policy: policyOne,
    format: { type: 'string', arg: 'text|md|json|sh', help: 'the output format (text)' },
    property: { type: 'string', arg: '<name|id>', help: 'judge this property after every step' },
    ...SCOPE,
  },
  stdin: true,
  exits: ['0 done (a kernel rejection is a result)', '7 a policy error'],
  examples: ['apmc explain counterexamples/upstream-no-leak.json', 'apmc explain --format sh x.trace > replay.sh'],
} as const satisfies CommandSpec;

const diff = {
  name: 'diff',
  summary: 'where two policies differ: on a trace, or search for one',
  synopsis: [
    'diff --policy <A> --policy <B> [--observe guest|sysfs|all] [scope flags] <trace|->',
    'diff --policy <A> --policy <B> [--observe …] [budget] [engine] [--save <file>]',
  ],
  about:
    'With a trace: the first step after which the two policies differ. Without: searches for a trace after ' +
    'which they differ (auto: breadth-first first, a shortest trace, then random) and shows it.' +
    MECHANISM_NAMES,
  flags: {
    policy: { type: 'string', multiple: true, arg: '<name|file>', help: 'a policy (give exactly two)' },
    observe: { type: 'string', arg: OBSERVE_LEVELS.join('|'), help: 'what counts (with a trace: sysfs; else guest)' },
    seed: { type: 'string', arg: 'N', help: 'search: the random seed (1)' },
    runs: { type: 'string', arg: 'N', help: 'search: random cases (50000)' },
    time: { type: 'string', arg: 'S', help: 'search: stop after S seconds (undecided, 6)' },
    save: { type: 'string', arg: '<file>', help: 'search: write the trace found to this file' },
    'max-ops': { type: 'string', arg: 'N', help: 'search: ops per case, 1 to 1000 (20)' },
    engine: { type: 'string', arg: 'auto|random|exhaustive', help: 'search: the engine (auto)' },
    classes: { type: 'boolean', help: 'search: every class of first difference' },
    'save-dir': { type: 'string', arg: '<dir>', help: 'with --classes: a trace file per class' },
    ...EXHAUSTIVE,
    ...SCOPE,
  },
  stdin: true,
  exits: [
    '0 no difference (on every step, or in all the search asked for)',
    '1 the policies differ',
    '6 undecided: a bound (--time, --max-states, memory) stopped the search',
    '7 a policy error',
  ],
  examples: [
    'apmc diff --policy upstream --policy v12-fcfs traces/halil-order-a.trace',
    'apmc diff --policy upstream --policy ./mine.ts --save found.trace',
    'apmc diff --classes --policy upstream --policy linux-2025 --save-dir d/',
  ],
} as const satisfies CommandSpec;

const compare = {
  name: 'compare',
  summary: 'two orders under one design: same configuration, other guests?',
  synopsis: ['compare [--policy <name|file>] [--save <file>] [scope flags] <a.trace> <b.trace>'],
  about: 'Runs two traces from the same initial state and compares the guests they give (order independence, I7).',
  flags: {
    policy: policyOne,
    save: { type: 'string', arg: '<file>', help: 'write the pair as a counterexample (I7)' },
    ...SCOPE,
  },
  stdin: true,
  exits: [
    '0 the same guests',
    '1 other guests from the same configuration',
    '4 the orders end in different configurations',
    '7 a policy error',
  ],
  examples: ['apmc compare traces/halil-order-a.trace traces/halil-order-b.trace'],
} as const satisfies CommandSpec;

const convert = {
  name: 'convert',
  summary: 'convert a trace between text and JSON',
  synopsis: ['convert [--to json|text] <trace|->'],
  about: 'Prints the trace in the other format, or the one --to names (from standard input: JSON becomes text).',
  flags: { to: { type: 'string', arg: 'json|text', help: 'the format to write (default: the other one)' } },
  stdin: true,
  exits: ['0 done'],
  examples: ['apmc convert traces/halil-order-a.trace > a.json', 'apmc convert --to text - < a.json'],
} as const satisfies CommandSpec;

const importCmd = {
  name: 'import',
  summary: "a machine's vfio_ap state as a trace, with its real ids",
  synopsis: ['import [--sysfs DIR] [--lszcrypt FILE] [--mdevctl FILE] [--to json|text] [-o FILE]'],
  about:
    'Reads a sysfs tree (a live /sys, or what apmc snapshot collected), optionally lszcrypt -V and mdevctl ' +
    'list --dumpjson output, and writes a trace that rebuilds its vfio_ap state, with a real directive that ' +
    'maps the model ids to the machine ids. Scope flags cap the model (at most this many).',
  flags: {
    sysfs: { type: 'string', arg: 'DIR', help: 'the sysfs tree to read (/sys)' },
    lszcrypt: { type: 'string', arg: 'FILE', help: 'lszcrypt -V output' },
    mdevctl: { type: 'string', arg: 'FILE', help: 'mdevctl list --dumpjson output' },
    to: { type: 'string', arg: 'json|text', help: 'the trace format (text; json for a .json -o)' },
    output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the trace here (stdout)' },
    policy: { type: 'string', arg: '<name>', help: 'the built-in policy that checks the rebuild (upstream)' },
    ...SCOPE,
  },
  exits: ['0 done', '1 the model does not rebuild the machine exactly (stderr says where)'],
  examples: ['apmc import --sysfs snap/sys -o machine.trace', 'apmc check --from machine.trace --policy upstream'],
} as const satisfies CommandSpec;

const snapshot = {
  name: 'snapshot',
  summary: 'the sh script that collects what import reads on an LPAR',
  synopsis: ['snapshot [-o FILE]'],
  about: 'Prints (or writes, -o) a POSIX sh script to run on the LPAR; it copies what apmc import reads.',
  flags: { output: { type: 'string', short: 'o', arg: 'FILE', help: 'write the script here (stdout)' } },
  exits: ['0 done'],
  examples: ['apmc snapshot -o collect.sh'],
} as const satisfies CommandSpec;

const policies = {
  name: 'policies',
  summary: 'list the built-in policies',
  synopsis: ['policies'],
  about: 'Lists the built-in policies, each with its summary.',
  flags: {},
  exits: ['0 done'],
  examples: ['apmc policies'],
} as const satisfies CommandSpec;

const properties = {
  name: 'properties',
  summary: 'list the properties: spec id, name, sentence',
  synopsis: ['properties [--json]'],
  about: 'Lists the properties apmc checks, with their spec ids and statements.',
  flags: { json: { type: 'boolean', help: 'the list as JSON' } },
  exits: ['0 done'],
  examples: ['apmc properties --json'],
} as const satisfies CommandSpec;

const help = {
  name: 'help',
  summary: "this list; apmc help <command>: that command's flags",
  synopsis: ['help [<command>]'],
  about: "Prints the list of commands, or one command's usage, flags, exit codes and examples.",
  flags: {},
  exits: ['0 done'],
  examples: ['apmc help check'],
} as const satisfies CommandSpec;

/** The commands, in the order `apmc help` lists them. */
export const COMMANDS = {
  run,
  check,
  merge,
  explain,
  diff,
  compare,
  convert,
  import: importCmd,
  snapshot,
  policies,
  properties,
  help,
} as const;

export type CommandName = keyof typeof COMMANDS;

export const isCommand = (s: string): s is CommandName => Object.hasOwn(COMMANDS, s);
