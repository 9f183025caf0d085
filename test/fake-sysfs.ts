/**
 * A fake LPAR for replay scripts: a sysfs tree of plain files in a temp dir, and stub `printf`, QEMU and
 * socat on PATH. Plain files accept any write, so the fake kernel's answers come from the stubs: a
 * step's writes fail with the errno text in `fail/<step>` (the script writes through `env printf`, so
 * the stub stands where the kernel's store() would). The files a script reads at the end (queue driver
 * links, each mdev's matrix, guest_matrix, control_domains) hold the model's final state, mapped to
 * the real ids, unless a test overrides them.
 */
import { spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
  existsSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ids, type Mask } from '../model/bits.ts';
import { ERRNO_TEXT } from '../model/errno.ts';
import type { Policy } from '../model/policy.ts';
import type { Result } from '../model/step.ts';
import { execTrace } from '../trace/exec.ts';
import type { Op } from '../model/ops.ts';
import type { Trace } from '../trace/types.ts';

/**
 * Real ids for model ids: adapter i → 0x05 + i, domain 0 → 0x0004, domain i ≥ 1 → 0x002b + i, control
 * domain i → 0x0004 + i.
 */
export const realAdapter = (i: number): number => 5 + i;
export const realDomain = (i: number): number => (i === 0 ? 4 : 43 + i);
export const realControlDomain = (i: number): number => 4 + i;
export const uuidOf = (i: number): string => `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
const envName = (name: string): string => name.replace(/-/g, '_');

export interface FakeOptions {
  readonly policy: Policy;
  /** The fake kernel's result for each step (1-based). Default: the model's own result. */
  readonly results?: (step: number, model: Result) => Result;
  /** Final file contents to use instead of the model's: mdev name → file name → lines. */
  readonly files?: Readonly<Record<string, Readonly<Record<string, readonly string[]>>>>;
  /** Initial /sys/bus/ap/apmask (default: all ones). */
  readonly apmask?: string;
  readonly env?: Readonly<Record<string, string>>;
  /** The operator's answers, one per line: the script runs interactively and reads them as its terminal. */
  readonly answers?: string;
  /** The shell to run the script with (default sh). */
  readonly shell?: string;
  /** The working directory of the run (default: this process's). */
  readonly cwd?: string;
  /**
   * Shell commands run just before the script, in the same process (`sh -c '<prelude>; exec sh replay.sh'`):
   * `$$` there is the script's process id, `$APMC_FAKE` the fake tree's root.
   */
  readonly prelude?: string;
  /**
   * A second history (a two-history script: `renderSh(t, { other })`): the fake's failures are keyed A<n>
   * and B<n>, and the tree holds history A's final state until the script goes back to the initial state
   * (its first write with APMC_STEP=between), then history B's.
   */
  readonly other?: readonly Op[];
}

export interface FakeRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  /**
   * `$APMC_LOG`, with the fake sysfs root cut off the paths: "/bus/ap/apmask\t-5,-6", "vm\tstart …",
   * "exec:qemu\t…".
   */
  readonly log: string[];
}

const hex2 = (n: number, w: number): string => n.toString(16).padStart(w, '0');
/** A 256-bit mask as sysfs prints it: 0x + 64 hex digits, MSB0. */
function kernelMask(real: readonly number[]): string {
  const nib = new Array<number>(64).fill(0);
  for (const r of real) nib[r >> 2]! |= 8 >> (r & 3);
  return '0x' + nib.map((x) => x.toString(16)).join('');
}
const lines = (xs: readonly string[]): string => xs.map((x) => `${x}\n`).join('');

/** sysfs matrix-file lines for a model matrix, in real ids. */
export function realMatrixLines(apm: Mask, aqm: Mask): string[] {
  const as = ids(apm).map(realAdapter);
  const ds = ids(aqm).map(realDomain);
  if (as.length > 0 && ds.length === 0) return as.map((a) => `${hex2(a, 2)}.`);
  if (as.length === 0) return ds.map((d) => `.${hex2(d, 4)}`);
  return as.flatMap((a) => ds.map((d) => `${hex2(a, 2)}.${hex2(d, 4)}`));
}

const STUBS: Record<string, string> = {
  printf: `#!/bin/sh
if [ "$APMC_STEP" = between ] && [ -d "$APMC_FAKE/sys-b" ]; then
  rm -rf "$APMC_FAKE/sys" && mv "$APMC_FAKE/sys-b" "$APMC_FAKE/sys"
fi
f="$APMC_FAKE/fail/$APMC_STEP"
if [ -f "$f" ]; then printf 'printf: write error: %s\\n' "$(cat "$f")" >&2; exit 1; fi
m="$APMC_FAKE/sys/devices/vfio_ap/matrix"
if [ $# = 2 ] && [ -d "$APMC_FAKE/staged/$2" ] && [ ! -e "$m/$2" ]; then mv "$APMC_FAKE/staged/$2" "$m/$2"; fi
printf "$@"
`,
  'qemu-system-s390x': `#!/bin/sh
printf 'exec:qemu\\t%s\\n' "$*" >> "$APMC_LOG"
f="$APMC_FAKE/fail/$APMC_STEP"
if [ -f "$f" ]; then echo "qemu-system-s390x: vfio-ap: $(cat "$f")" >&2; exit 1; fi
`,
  socat: `#!/bin/sh
read -r cmd
printf 'exec:socat\\t%s\\t%s\\n' "$*" "$cmd" >> "$APMC_LOG"
f="$APMC_FAKE/fail/$APMC_STEP"
case $cmd in device_*) [ -f "$f" ] && echo "Error: $(cat "$f")" ;; esac
exit 0
`,
};

/** The sysfs tree under `sys` for a run's final state (driver links made as if under `linkSys`); the env. */
function fakeTree(
  sys: string,
  linkSys: string,
  trace: Trace,
  run: ReturnType<typeof execTrace>,
  names: readonly string[],
  opts: FakeOptions,
): Record<string, string> {
  const w = (path: string, text: string) => {
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  const ap = join(sys, 'bus/ap');
  const s = trace.scope;
  w(join(ap, 'apmask'), `${opts.apmask ?? '0x' + 'f'.repeat(64)}\n`);
  w(join(ap, 'aqmask'), `0x${'f'.repeat(64)}\n`);
  w(join(ap, 'scans'), '0\n');
  w(join(ap, 'bindings'), '4/4 (complete)\n');
  w(join(ap, 'ap_max_adapter_id'), '255\n');
  w(join(ap, 'ap_max_domain_id'), '255\n');
  w(join(ap, 'ap_adapter_mask'), `${kernelMask(ids(run.initial.host.apm).map(realAdapter))}\n`);
  w(join(ap, 'ap_usage_domain_mask'), `${kernelMask(ids(run.initial.host.aqm).map(realDomain))}\n`);
  w(join(ap, 'ap_control_domain_mask'), `${kernelMask(ids(run.initial.host.adm).map(realControlDomain))}\n`);
  for (const drv of ['cex4queue', 'vfio_ap']) for (const f of ['bind', 'unbind']) w(join(ap, 'drivers', drv, f), '');
  for (let a = 0; a < s.adapters; a++) {
    w(join(ap, 'devices', `card${hex2(realAdapter(a), 2)}`, 'config'), '1\n');
    w(join(ap, 'devices', `card${hex2(realAdapter(a), 2)}`, 'hwtype'), '13\n');
    for (let d = 0; d < s.domains; d++) {
      const q = run.final.queues[a * s.domains + d];
      if (!q) continue;
      const dir = join(ap, 'devices', `${hex2(realAdapter(a), 2)}.${hex2(realDomain(d), 4)}`);
      mkdirSync(dir, { recursive: true });
      if (q.driver) symlinkSync(join(linkSys, 'bus/ap', 'drivers', q.driver), join(dir, 'driver'));
    }
  }
  const mx = join(sys, 'devices/vfio_ap/matrix');
  w(join(mx, 'mdev_supported_types/vfio_ap-passthrough/create'), '');
  const env: Record<string, string> = {};
  names.forEach((m, i) => {
    env[`APMC_UUID_${envName(m)}`] = uuidOf(i);
    // The script's mdevs appear when it creates them (the printf stub moves them in): a script refuses to start
    // on a machine where its mdevs already exist. History B's tree (sys-b) is one the script has made already.
    const dir = linkSys === sys ? join(sys, '..', 'staged', uuidOf(i)) : join(mx, uuidOf(i));
    mkdirSync(dir, { recursive: true });
    const x = run.final.mdevs[m];
    const files: Record<string, readonly string[]> = x
      ? {
          matrix: realMatrixLines(x.matrix.apm, x.matrix.aqm),
          guest_matrix: x.shadow ? realMatrixLines(x.shadow.apm, x.shadow.aqm) : [],
          control_domains: ids(x.matrix.adm).map((c) => hex2(realControlDomain(c), 4)),
        }
      : {};
    for (const [f, ls] of Object.entries({ ...files, ...opts.files?.[m] })) w(join(dir, f), lines(ls));
    // The attributes a script writes exist, as in sysfs (a write must not need to create them).
    const written = ['adapter', 'domain', 'control_domain'].flatMap((k) => [`assign_${k}`, `unassign_${k}`]);
    for (const f of ['remove', 'ap_config', ...written]) w(join(dir, f), '');
  });
  return env;
}

interface Prepared {
  readonly root: string;
  readonly sys: string;
  readonly log: string;
  readonly shell: string;
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string | undefined;
  readonly env: NodeJS.ProcessEnv;
}

/** Build the fake tree for `trace` and write `script` into it. */
function prepare(script: string, trace: Trace, opts: FakeOptions): Prepared {
  const root = mkdtempSync(join(tmpdir(), 'apmc-fake-'));
  try {
    const sys = join(root, 'sys');
    const w = (path: string, text: string) => {
      mkdirSync(join(path, '..'), { recursive: true });
      writeFileSync(path, text);
    };
    const s = trace.scope;
    const other: Trace | null = opts.other ? { ...trace, steps: opts.other.map((op) => ({ op })) } : null;
    const runs = [trace, ...(other ? [other] : [])].map((t) => execTrace(t, opts.policy));
    const names = [
      ...new Set([...trace.steps, ...(other?.steps ?? [])].flatMap(({ op }) => ('mdev' in op ? [op.mdev] : []))),
    ];
    // History B's tree is built aside; its driver links point where it will be once moved into place.
    if (runs[1]) fakeTree(join(root, 'sys-b'), sys, trace, runs[1], names, opts);
    const env = fakeTree(sys, sys, trace, runs[0]!, names, opts);
    runs.forEach((run, h) => {
      const key = (i: number) => (other ? `${h === 0 ? 'A' : 'B'}${i + 1}` : String(i + 1));
      run.steps.forEach((st, i) => {
        const r = opts.results && h === 0 ? opts.results(i + 1, st.result) : st.result;
        if (r !== 'ok') w(join(root, 'fail', key(i)), ERRNO_TEXT[r]);
      });
    });
    const bin = join(root, 'bin');
    for (const [name, text] of Object.entries(STUBS)) {
      w(join(bin, name), text);
      chmodSync(join(bin, name), 0o755);
    }
    for (let i = 0; i < s.adapters; i++) env[`APMC_ADAPTER_${i}`] = `0x${hex2(realAdapter(i), 2)}`;
    for (let i = 0; i < s.domains; i++) env[`APMC_DOMAIN_${i}`] = String(realDomain(i));
    for (let i = 0; i < s.control_domains; i++) env[`APMC_CONTROL_DOMAIN_${i}`] = String(realControlDomain(i));
    const file = join(root, 'replay.sh');
    writeFileSync(file, script);
    if (opts.answers !== undefined) {
      writeFileSync(join(root, 'answers'), opts.answers);
      env['APMC_TTY'] = join(root, 'answers');
    }
    const log = join(root, 'log');
    writeFileSync(log, '');
    const shell = opts.shell ?? 'sh';
    return {
      root,
      sys,
      log,
      shell,
      file,
      args: opts.prelude === undefined ? [file] : ['-c', `${opts.prelude}\nexec ${shell} "$0"`, file],
      cwd: opts.cwd,
      env: {
        PATH: `${bin}:${process.env['PATH'] ?? '/usr/bin:/bin'}`,
        SYSFS: sys,
        APMC_FAKE: root,
        APMC_LOG: log,
        APMC_RUN: join(root, 'run'),
        APMC_NONINTERACTIVE: opts.answers === undefined ? '1' : '0',
        APMC_TIMEOUT: '0',
        ...env,
        ...opts.env,
      },
    };
  } catch (e) {
    rmSync(root, { recursive: true, force: true });
    throw e;
  }
}

/** Collect a run's log (paths relative to the fake sysfs root) and remove the tree. */
function finish(p: Prepared, status: number | null, stdout: string, stderr: string): FakeRun {
  try {
    const logLines = existsSync(p.log)
      ? readFileSync(p.log, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
      : [];
    return { status, stdout, stderr, log: logLines.map((l) => l.split(p.sys).join('')) };
  } finally {
    rmSync(p.root, { recursive: true, force: true });
  }
}

/** Build the fake tree for `trace`, run `script` in it (non-interactively unless `answers`), and clean up. */
export function runFake(script: string, trace: Trace, opts: FakeOptions): FakeRun {
  const p = prepare(script, trace, opts);
  const r = spawnSync(p.shell, p.args, {
    encoding: 'utf8',
    timeout: 20_000,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: p.env,
    cwd: p.cwd,
  });
  return finish(p, r.status, r.stdout, r.stderr);
}

/** The same, without blocking: several runs can share the cores. */
export function runFakeAsync(script: string, trace: Trace, opts: FakeOptions): Promise<FakeRun> {
  const p = prepare(script, trace, opts);
  return new Promise((resolve, reject) => {
    const c = spawn(p.shell, p.args, { stdio: ['ignore', 'pipe', 'pipe'], env: p.env, cwd: p.cwd, timeout: 20_000 });
    let out = '';
    let err = '';
    c.stdout.on('data', (d: Buffer) => (out += d.toString()));
    c.stderr.on('data', (d: Buffer) => (err += d.toString()));
    c.on('error', (e) => {
      rmSync(p.root, { recursive: true, force: true });
      reject(e);
    });
    c.on('close', (code) => resolve(finish(p, code, out, err)));
  });
}

/**
 * Texts that would run `touch <canary(tag)>` if a replay script let them out of a comment or a word: one per
 * way out (newline, CR, U+2028/2029/0085, command substitution, backticks, quotes, `;`, a here-document,
 * a backslash-newline, ANSI-C quoting), and the characters that must never reach a script raw (every
 * control character but NUL, terminal escapes, bidi and zero-width format characters, lone surrogates),
 * a printf format and a very long line. `canary` must give a path without whitespace.
 */
export function hostileTexts(canary: (tag: string) => string): { readonly tag: string; readonly text: string }[] {
  const controls = Array.from({ length: 31 }, (_, i) => String.fromCharCode(i + 1)).join('');
  const c1 = Array.from({ length: 33 }, (_, i) => String.fromCharCode(0x7f + i)).join('');
  const make: Record<string, (cmd: string) => string> = {
    newline: (c) => `x\n${c}\n#`,
    crlf: (c) => `x\r\n${c}\r\n#`,
    cr: (c) => `x\r${c}\r#`,
    u2028: (c) => `x\u2028${c}\u2028#`,
    u2029: (c) => `x\u2029${c}\u2029#`,
    u0085: (c) => `x\u0085${c}\u0085#`,
    substitution: (c) => `$(${c})`,
    backticks: (c) => `\`${c}\``,
    'single-quote': (c) => `'; ${c}; '`,
    'double-quote': (c) => `"; ${c}; "`,
    'quoted-substitution': (c) => `"$(${c})"'$(${c})'`,
    semicolon: (c) => `; ${c} & ${c} | ${c}`,
    'here-document': (c) => `<<EOF\n${c}\nEOF`,
    'parameter-default': (c) => `\${x:-$(${c})}`,
    'backslash-newline': (c) => `\\\n${c}`,
    'ansi-c': (c) => `$'\\n${c}\\n'`,
    controls: (c) => `${controls}${c}\n${c}${c1}`,
    terminal: (c) => `\x1b]0;owned\x07\x1b[2J\x1b[1A\x1b[2K${c}\x1b[8m\n${c}`,
    bidi: (c) => `\u202e${c}\u2066\u200b\ufeff\u2069\n${c}`,
    surrogates: (c) => `\ud800${c}\udfff\n${c}`,
    'printf-format': (c) => `%s%n%d\\n%b\n${c}`,
    'option-like': (c) => `-n\n--\n-e ${c}`,
    long: (c) => `${'A'.repeat(100_000)}\n${c}\n#`,
  };
  return Object.entries(make).map(([tag, f]) => ({ tag, text: f(`touch ${canary(tag)}`) }));
}
