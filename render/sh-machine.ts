/**
 * The parts of a replay script about the real machine: the model id → real id defaults (a trace's `real`
 * directive, or each model id itself, with a warning), and the checks before any write that each adapter the
 * script uses is a CEX4 or newer card (hwtype ≥ 10, spec §12.1) and that no mdev holds its resources.
 */
import { has, type Mask } from '../model/bits.ts';
import type { Trace } from '../trace/types.ts';
import { KINDS, range } from './sh-sections.ts';
import { shComment, shLine, shWord } from './shell-quote.ts';

/** The warning when a trace has no real ids: the script maps model id i to real id i. */
export const DEFAULT_IDS_WARNING =
  'this trace names no real ids (no `real` line; apmc import writes one): the script maps model id i to real ' +
  'id i unless APMC_ADAPTER_<i>, APMC_DOMAIN_<i>, APMC_CONTROL_DOMAIN_<i> say otherwise';

/** Whether the trace maps every model id of its scope to a real one. */
export function mapsEveryId(t: Trace): boolean {
  const r = t.real;
  return r !== undefined && KINDS.every(([, key]) => r[key].length >= t.scope[key]);
}

/** `A0=${APMC_ADAPTER_0:-5}` …: the real id, where the trace has one, is the default. */
export function mappingLines(t: Trace): string[] {
  const L: string[] = [];
  if (!mapsEveryId(t)) L.push(shComment(`WARNING: ${DEFAULT_IDS_WARNING}.`));
  for (const [k, key, env, word] of KINDS) {
    for (const i of range(t.scope[key])) {
      const real = t.real?.[key][i];
      const id = real ?? i;
      L.push(`${k}${i}=\${APMC_${env}_${i}:-${id}}   # model ${word} ${i}${real === undefined ? ' (default)' : ''}`);
    }
  }
  return L;
}

/** An mdev's real UUID, where the trace has one, as the default of U_<i>. */
export function uuidLines(t: Trace, mdevs: ReadonlyMap<string, number>): string[] {
  return [...mdevs].flatMap(([m, i]) => {
    const uuid = t.real?.mdevs[m];
    return uuid === undefined
      ? []
      : [`[ -n "$U_${i}" ] || U_${i}=${shWord(uuid)}   ${shComment(`mdev ${m} on the machine`)}`];
  });
}

/**
 * Before any write: the script's adapters are CEX4+ cards (a configured one must have a card directory), and
 * its adapters, domains and mdev UUIDs are not in use by an mdev (this script's own are made later).
 */
export function freeLines(t: Trace, initialApm: Mask, mdevs: ReadonlyMap<string, number>): string[] {
  const L: string[] = [
    '# --- the resources: CEX4 or newer (hwtype >= 10), and no mdev holds them ----------------------------',
    'hwtype_ok() {  # hwtype_ok <real adapter> <1: configured at the start>',
    '  _c="$AP/devices/card$(printf %02x "$1")"',
    '  if [ ! -d "$_c" ]; then [ "$2" = 0 ] || die "adapter $(ahex "$1"): no $_c (not in this LPAR)"; return 0; fi',
    '  _t=$(cat "$_c/hwtype" 2>/dev/null) || die "adapter $(ahex "$1"): cannot read $_c/hwtype"',
    '  case $_t in ""|*[!0-9]*) die "adapter $(ahex "$1"): $_c/hwtype is \'$_t\', not a number" ;; esac',
    '  [ "$_t" -ge 10 ] || die "adapter $(ahex "$1") is hwtype $_t: vfio_ap takes CEX4 or newer (hwtype >= 10)"',
    '}',
    'unused() {  # unused <a|d|c> <real id>: no mdev on this system has it assigned',
    '  for _u in "$MX"/*-*-*-*-*; do',
    '    [ -d "$_u" ] || continue',
    '    case $1 in',
    '      a) grep -qi "^$(printf %02x "$2")\\." "$_u/matrix" 2>/dev/null || continue ;;',
    '      d) grep -qi "\\.$(printf %04x "$2")$" "$_u/matrix" 2>/dev/null || continue ;;',
    '      c) grep -qi "^$(printf %04x "$2")$" "$_u/control_domains" 2>/dev/null || continue ;;',
    '    esac',
    '    die "$3 is assigned to mdev ${_u##*/}: stop and remove that mdev first (mdevctl stop), or choose another id"',
    '  done',
    '}',
  ];
  for (const a of range(t.scope.adapters)) {
    L.push(`hwtype_ok "$A${a}" ${has(initialApm, a) ? 1 : 0}`);
    L.push(`unused a "$A${a}" "adapter $(ahex "$A${a}") (model adapter ${a})"`);
  }
  for (const d of range(t.scope.domains)) L.push(`unused d "$D${d}" "domain $(dhex "$D${d}") (model domain ${d})"`);
  for (const c of range(t.scope.control_domains))
    L.push(`unused c "$C${c}" "control domain $(dhex "$C${c}") (model control domain ${c})"`);
  for (const [m, i] of mdevs) {
    L.push(
      `[ ! -e "$MX/$U_${i}" ] || die ${shWord(shLine(`mdev ${m}: `))}"$U_${i} exists: stop and remove it first` +
        ` (the script creates it)"`,
    );
  }
  return L;
}
