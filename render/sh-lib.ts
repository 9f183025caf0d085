/**
 * The fixed part of a replay script (`apmc explain --format sh`): POSIX sh functions for sysfs writes
 * and their checks, the bus's settling, guests through QEMU (spec §12.3), manual steps, the final
 * comparison and the cleanup. `render/sh.ts` emits the trace-specific parts around it.
 */
import { ERRNO_TEXT, type Errno } from '../model/errno.ts';
import { shWord } from './shell-quote.ts';

/** errname(): the errno name for an error message as the shell and coreutils print it (spec §12.2). */
function errnameFunction(): string {
  // dash says "Directory nonexistent" where bash says "No such file or directory" (a missing mdev directory).
  const cases = (Object.entries(ERRNO_TEXT) as [Errno, string][]).map(([name, text]) =>
    name === 'ENOENT'
      ? `    *${shWord(text)}*|*nonexistent*) echo ENOENT ;;`
      : `    *${shWord(text)}*) echo ${name} ;;`,
  );
  return [
    'errname() {  # errname <message>: the errno name in a write error message, or ERROR',
    '  case $1 in',
    ...cases,
    '    *) echo ERROR ;;',
    '  esac',
    '}',
  ].join('\n');
}

/** Settings (each overridable from the environment) and the state the script keeps while it runs. */
export const SH_SETTINGS = `SYSFS=${'$'}{SYSFS:-/sys}
AP=$SYSFS/bus/ap
MX=$SYSFS/devices/vfio_ap/matrix
T=$MX/mdev_supported_types/vfio_ap-passthrough
QEMU=${'$'}{QEMU:-qemu-system-s390x}
SOCAT=${'$'}{SOCAT:-socat}
APMC_QEMU_ARGS=${'$'}{APMC_QEMU_ARGS:--machine s390-ccw-virtio,accel=kvm -cpu host -m 512 -nodefaults -display none -S}
APMC_NONINTERACTIVE=${'$'}{APMC_NONINTERACTIVE:-0}
APMC_MANUAL=${'$'}{APMC_MANUAL:-skip}
APMC_TTY=${'$'}{APMC_TTY:-/dev/tty}
APMC_ERRNO=${'$'}{APMC_ERRNO:-strict}
APMC_CHECK_STEPS=${'$'}{APMC_CHECK_STEPS:-0}
APMC_TIMEOUT=${'$'}{APMC_TIMEOUT:-30}
APMC_KEEP=${'$'}{APMC_KEEP:-0}
APMC_LOG=${'$'}{APMC_LOG:-}
APMC_STEP=setup
export APMC_STEP
ME=${'$'}{0##*/}
fail_real=0    # disagreements while the replay was faithful
fail_after=0   # disagreements after a skipped manual step
skipped=0      # manual steps skipped
undo=''        # manual host changes to undo by hand at the end
cards_off=''   # cards this script deconfigured
own_run=0      # 1: APMC_RUN is this script's own (mktemp -d), removed after a clean run
my_uid=$(id -u)`;

/** The functions. Names starting with _ are scratch variables (POSIX sh has no locals). */
export const SH_FUNCTIONS = [
  String.raw`die() { printf '%s: %s\n' "$ME" "$*" >&2; exit 2; }
warn() { printf '  warning: %s\n' "$*"; }
log() { [ -z "$APMC_LOG" ] || printf '%s\t%s\n' "$1" "$2" >> "$APMC_LOG"; }
getv() { eval "printf '%s' \"\${$1:-}\""; }
setv() { eval "$1=\$2"; }
ahex() { printf '0x%02x' "$1"; }
dhex() { printf '0x%04x' "$1"; }
apqn() { printf '%02x.%04x' "$1" "$2"; }`,
  errnameFunction(),
  `realid() {  # realid <variable> <value> <max>: a real id as a decimal number, or exit 2
  case $2 in
    0[xX]*) _h=${'$'}{2#0[xX]}
      case $_h in ''|*[!0-9a-fA-F]*) die "$1=$2: not a decimal or 0x hex number" ;; esac
      [ ${'$'}{#_h} -le 4 ] || die "$1=$2: too large" ;;
    0) ;;
    [1-9]|[1-9][0-9]|[1-9][0-9][0-9]|[1-9][0-9][0-9][0-9]) ;;
    *) die "$1=$2: not a decimal or 0x hex number" ;;
  esac
  _v=$(($2))
  [ "$_v" -le "$3" ] || die "$1=$2: above the largest id on this system ($3)"
  echo "$_v"
}`,
  'gen_uuid() { cat /proc/sys/kernel/random/uuid 2>/dev/null || uuidgen 2>/dev/null ||' +
    ' die "cannot make a UUID: set APMC_UUID_<mdev>"; }',
  `hostcfg() {  # hostcfg <QCI mask file> <real id> <1|0> <what>: the trace's initial host configuration
  _m=$(cat "$1" 2>/dev/null) || return 0
  case $_m in 0x*) ;; *) return 0 ;; esac
  if maskbit "$_m" "$2"; then [ "$3" = 1 ] || ` +
    `die "$4 is in this LPAR's AP configuration ($1); the trace starts without it"
  else [ "$3" = 0 ] || die "$4 is not in this LPAR's AP configuration ($1); the trace starts with it"; fi
}
owned() {  # owned <mask file> <real id> <what>: the trace starts with every queue default-owned (spec §3)
  _m=$(cat "$1") || die "cannot read $1"
  maskbit "$_m" "$2" || ` +
    `die "$3: bit $2 of $1 is clear, but the trace starts with it set (echo +$2 > $1, or choose another id)"
}
maxid() {  # maxid <file> <default>: ap_max_adapter_id / ap_max_domain_id (63/15 without APXA)
  _m=$(cat "$1" 2>/dev/null) || { echo "$2"; return; }
  case $_m in ''|*[!0-9]*) die "$1: unexpected content '$_m'" ;; esac
  echo "$_m"
}
distinct() {  # distinct <what> <id>...: exit 2 if two model ids map to the same real id
  _what=$1; shift
  _seen=' '
  for _i in "$@"; do
    case $_seen in *" $_i "*) die "two model $_what ids map to real id $_i: set distinct APMC_ variables" ;; esac
    _seen="$_seen$_i "
  done
}
maskbit() {  # maskbit <0x… mask> <bit>: true if the MSB0 bit is set (spec §2)
  _n=$(printf '%s' "${'$'}{1#0x}" | cut -c$(($2 / 4 + 1)))
  [ -n "$_n" ] && [ $(((0x$_n >> (3 - $2 % 4)) & 1)) -eq 1 ]
}
mask64() {  # mask64 <id>...: 64 hex digits, MSB0, as ap_config takes them (ids above 255 do not fit)
  _out=''; _i=0
  while [ "$_i" -lt 64 ]; do
    _v=0
    for _id in "$@"; do [ $((_id / 4)) -eq "$_i" ] && _v=$((_v | (8 >> (_id % 4)))); done
    _out=$_out$(printf %x "$_v"); _i=$((_i + 1))
  done
  printf '%s' "$_out"
}`,
  "mine() {  # mine <path> [<find test>…]: the path itself (not a link's target) is ours and passes the tests" +
    String.raw`
  _m=$1; shift
  [ -n "$(find "$_m" -prune -user "$my_uid" "$@" -print 2>/dev/null)" ]
}
guarded() {  # guarded <dir>: only this user or root can change its entries (owned by one; sticky if others may write)
  [ -n "$(find "$1" -prune -type d \( -user "$my_uid" -o -user 0 \) \
    \( -perm -1000 -o ! -perm -0020 ! -perm -0002 \) -print 2>/dev/null)" ]
}
run_dir() {  # run_dir: APMC_RUN, for QEMU pidfiles, sockets and logs: a directory no other user can have prepared
  if [ -z "${'$'}{APMC_RUN:-}" ]; then
    APMC_RUN=$(mktemp -d "${'$'}{TMPDIR:-/tmp}/apmc-replay.XXXXXX") ||
      die "cannot create a directory with mktemp -d in ${'$'}{TMPDIR:-/tmp}"
    own_run=1; return 0
  fi
  _r="APMC_RUN=$APMC_RUN"
  case $APMC_RUN in /*) ;; *) die "$_r: not an absolute path" ;; esac
  case $APMC_RUN/ in *//*|*/./*|*/../*) die "$_r: not a plain path (no //, /./, /../ or trailing /)" ;; esac
  _p=${'$'}{APMC_RUN%/*}
  [ -d "${'$'}{_p:-/}" ] || die "$_r: ${'$'}{_p:-/} is not a directory"
  [ "$(cd -P -- "${'$'}{_p:-/}" && pwd -P)" = "${'$'}{_p:-/}" ] || die "$_r: a symlink in the path (give the real path)"
  while :; do
    guarded "${'$'}{_p:-/}" || die "$_r: ${'$'}{_p:-/} is writable by another user, or owned by one"
    [ -n "$_p" ] || break
    _p=${'$'}{_p%/*}
  done
  [ ! -L "$APMC_RUN" ] || die "$_r: a symlink"
  [ -e "$APMC_RUN" ] || mkdir -m 700 -- "$APMC_RUN" || die "$_r: cannot create it"
  if [ ! -d "$APMC_RUN" ] || [ -L "$APMC_RUN" ]; then die "$_r: not a directory"; fi
  mine "$APMC_RUN" -type d ! -perm -0020 ! -perm -0002 || die "$_r: not owned by this user, or writable by others"
}
fresh() {  # fresh <file>…: remove leftovers (a link is removed, never followed) before the script makes these files
  rm -f -- "$@"
  for _f in "$@"; do if [ -e "$_f" ] || [ -L "$_f" ]; then warn "cannot remove $_f"; return 1; fi; done
}`,
  String.raw`rawwrite() {  # rawwrite <file> <value>: echo value > file; prints ok or the errno name
  # coreutils printf reports a failed write with strerror(); dash's builtin only says "I/O error".
  _err=$( { env printf '%s\n' "$2" > "$1"; } 2>&1 ) && { echo ok; return; }
  errname "$_err"
}
step() {  # step <n> <op>: start step n of the trace (and note how long the kernel log is: kmsg looks after it)
  APMC_STEP=$1
  APMC_KLOG=$(dmesg 2>/dev/null | wc -l) || APMC_KLOG=0
  printf '\n[%s] %s\n' "$1" "$2"
}
kmsg() {  # kmsg <kind> <text> <shown>: the step's kernel event, looked for in dmesg since it began (no text: by hand)
  if [ -z "$2" ] || ! _k=$(dmesg 2>/dev/null); then printf '  CHECK by hand: the kernel should show %s: %s\n' "$1" "$3"
  elif printf '%s\n' "$_k" | tail -n "+$((APMC_KLOG + 1))" | grep -F -- "$2" >/dev/null; then
    printf '  kernel log has %s: %s\n' "$1" "$3"
  else warn "the kernel log should have $1 (not found; the ring buffer may have wrapped): $3"; fi
}
mismatch() {
  printf '  MISMATCH at step %s: %s\n' "$APMC_STEP" "$*"
  if [ "$skipped" -gt 0 ]; then fail_after=$((fail_after + 1)); else fail_real=$((fail_real + 1)); fi
}
result() {  # result <expected: ok|ERRNO[|ERRNO…]> <got: ok|ERRNO|ERROR|FAILED> <what>
  _ok=0
  case $2 in
    ok) [ "$1" = ok ] && _ok=1 ;;
    ERROR|FAILED) [ "$1" != ok ] && _ok=1 ;;
    *) if [ "$1" != ok ]; then
         if [ "$APMC_ERRNO" = loose ]; then _ok=1; fi
         _ifs=$IFS; IFS='|'
         for _e in $1; do [ "$_e" = "$2" ] && _ok=1; done
         IFS=$_ifs
       fi ;;
  esac
  if [ "$_ok" = 0 ]; then mismatch "$3: expected $1, got $2"
  elif [ "$2" = ERROR ] || [ "$2" = FAILED ]; then ` +
    String.raw`printf '  %s: expected %s, got a failure (no errno to compare)\n' "$3" "$1"
  else printf '  %s: expected %s, got %s\n' "$3" "$1" "$2"; fi
}
wr() {  # wr <file> <value> <expected> [<value as shown>]: one sysfs write and the check of its result
  log "$1" "$2"
  result "$3" "$(rawwrite "$1" "$2")" "${'$'}{1#"$SYSFS"/} <- ${'$'}{4:-$2}"
}
quiet() {  # quiet <file> <value>: a write whose result the model does not predict (cleanup, scans)
  log "$1" "$2"
  _r=$(rawwrite "$1" "$2")
  [ "$_r" = ok ] || warn "${'$'}{1#"$SYSFS"/} <- $2: $_r"
}
model_only() { printf '  model-only step, nothing to do on a real system: %s\n' "$*"; }
qdriver() {  # qdriver <aa.dddd>: none (no device), unbound, or the name of the queue's driver
  [ -d "$AP/devices/$1" ] || { echo none; return; }
  _d=$(cd -P "$AP/devices/$1/driver" 2>/dev/null && pwd -P) || { echo unbound; return; }
  echo "${'$'}{_d##*/}"
}
qdriver_or() {  # qdriver_or <aa.dddd> <fallback>: the queue's driver, or the fallback if it has none
  _d=$(qdriver "$1")
  case $_d in none|unbound) echo "$2" ;; *) echo "$_d" ;; esac
}`,
  'settle() {  # wait until the bus has bound every queue, or the bindings stop changing' +
    ' (an unbound queue never completes)' +
    String.raw`
  _t=0; _prev=''
  while :; do
    _b=$(cat "$AP/bindings" 2>/dev/null) || return 0
    case $_b in *'(complete)'*) return 0 ;; esac
    [ "$_b" = "$_prev" ] && return 0
    [ "$_t" -ge "$APMC_TIMEOUT" ] && { warn "bindings still changing after $APMC_TIMEOUT s: $_b"; return 0; }
    _prev=$_b; sleep 1; _t=$((_t + 1))
  done
}
force_scan() {  # echo 1 > scans, wait for the scan counter to move, then for the bindings (spec §12.1)
  _before=$(cat "$AP/scans" 2>/dev/null)
  quiet "$AP/scans" 1
  _t=0
  while [ "$(cat "$AP/scans" 2>/dev/null)" = "$_before" ]; do
    [ "$_t" -ge "$APMC_TIMEOUT" ] && { warn "no scan finished within $APMC_TIMEOUT s"; break; }
    sleep 1; _t=$((_t + 1))
  done
  settle
}
manual() {  # manual <instruction>: a change only the operator can make; 0 when done, 1 when skipped
  printf '  >>> MANUAL STEP: %s\n' "$1"
  if [ "$APMC_NONINTERACTIVE" = 1 ]; then
    [ "$APMC_MANUAL" = abort ] && abort "a manual step, and no operator (APMC_NONINTERACTIVE=1, APMC_MANUAL=abort)"
    printf '  skipped (APMC_NONINTERACTIVE=1); later results may differ because of it\n'
    skipped=$((skipped + 1)); return 1
  fi
  while :; do
    printf '  Press Enter when done, s to skip, q to abort: '
    read -r _ans <&3 || { printf '\n'; abort "no answer from $APMC_TTY"; }
    case $_ans in
      '') return 0 ;;
      s|S) skipped=$((skipped + 1)); return 1 ;;
      q|Q) abort "stopped by the operator" ;;
    esac
  done
}`,
  'vm_start() {  # vm_start <vm> <uuid> <device id>: QEMU, paused, with the mdev (spec §12.3);' +
    ' fails if the attach fails' +
    String.raw`
  # -daemonize: QEMU exits 0 only once the vfio-ap device is realised, i.e. the mdev is open and attached.
  # The files are new (fresh, then set -C: the log is created O_EXCL); QEMU writes the pidfile itself.
  fresh "$APMC_RUN/$1.sock" "$APMC_RUN/$1.pid" "$APMC_RUN/$1.log" || return 1
  # shellcheck disable=SC2086
  ( set -C
    exec "$QEMU" $APMC_QEMU_ARGS -name "$1" -device "vfio-ap,id=$3,sysfsdev=$MX/$2" \
      -monitor "unix:$APMC_RUN/$1.sock,server=on,wait=off" -pidfile "$APMC_RUN/$1.pid" -daemonize \
      > "$APMC_RUN/$1.log" 2>&1 )
}
vm_monitor() { printf '%s\n' "$2" | "$SOCAT" - "UNIX-CONNECT:$APMC_RUN/$1.sock" 2>&1; }
vm_hotplug() {  # vm_hotplug <vm> <uuid> <device id>: a second vfio-ap device on a running guest
  _o=$(vm_monitor "$1" "device_add vfio-ap,id=$3,sysfsdev=$MX/$2")
  case $_o in *Error*) printf '  QEMU: %s\n' "$_o"; return 1 ;; esac
}
vm_unplug() {  # vm_unplug <vm> <device id>
  _o=$(vm_monitor "$1" "device_del $2")
  case $_o in *Error*) printf '  QEMU: %s\n' "$_o"; return 1 ;; esac
}
vm_stop() {  # vm_stop <vm>: quit QEMU (close_device: detach) and wait for it to exit
  # Before quit: QEMU deletes its pidfile as it exits. Only a regular file of ours, holding a number.
  _pid=''
  if mine "$APMC_RUN/$1.pid" -type f; then _pid=$(cat "$APMC_RUN/$1.pid" 2>/dev/null); fi
  case $_pid in ''|0*|*[!0-9]*) _pid='' ;; esac
  vm_monitor "$1" quit > /dev/null
  [ -n "$_pid" ] || return 0
  _t=0
  while kill -0 "$_pid" 2>/dev/null; do
    if [ "$_t" -ge "$APMC_TIMEOUT" ]; then warn "QEMU $1 ignores quit: killing $_pid"; kill "$_pid"; break; fi
    sleep 1; _t=$((_t + 1))
  done
}
vm_reset() { vm_monitor "$1" system_reset > /dev/null; }`,
  String.raw`create_mdev() {  # create_mdev <m> <expected>
  _u=$(getv "U_$1")
  log "$T/create" "$_u"
  _r=$(rawwrite "$T/create" "$_u")
  [ "$_r" = ok ] && setv "MINE_$1" 1
  result "$2" "$_r" "${'$'}{T#"$SYSFS"/}/create <- $_u"
}
attach() {  # attach <m> <vm> <expected>: guest start (QEMU opens the mdev: open_device + set_kvm)
  _u=$(getv "U_$1"); _n=$(getv "V_$2")
  if [ "$(getv "UP_$2")" = 1 ]; then
    log vm "device_add $_n $_u"
    if vm_hotplug "$_n" "$_u" "apmc$1"; then _got=ok; else _got=FAILED; fi
  else
    log vm "start $_n $_u"
    if vm_start "$_n" "$_u" "apmc$1"; then _got=ok; setv "UP_$2" 1
    else _got=FAILED; sed 's/^/  QEMU: /' "$APMC_RUN/$_n.log" 2>/dev/null; fi
  fi
  if [ "$_got" = ok ]; then setv "ON_$1" "$2"; setv "NDEV_$2" $(($(getv "NDEV_$2") + 1)); fi
  result "$3" "$_got" "QEMU $_n opens $_u"
}
detach() {  # detach <m> <expected>: guest stop (QEMU quits, or unplugs the device if it has others)
  _v=$(getv "ON_$1")
  if [ -z "$_v" ]; then result "$2" ENODEV "no guest holds $(getv "U_$1") (nothing to stop)"; return; fi
  _n=$(getv "V_$_v")
  if [ "$(getv "NDEV_$_v")" -gt 1 ]; then
    log vm "device_del $_n apmc$1"
    if vm_unplug "$_n" "apmc$1"; then _got=ok; else _got=FAILED; fi
  else
    log vm "stop $_n"
    vm_stop "$_n"; _got=ok; setv "UP_$_v" 0
  fi
  if [ "$_got" = ok ]; then setv "ON_$1" ''; setv "NDEV_$_v" $(($(getv "NDEV_$_v") - 1)); fi
  result "$2" "$_got" "QEMU $_n lets go of $(getv "U_$1")"
}
vfio_reset() {  # vfio_reset <m> <expected>: system_reset, which makes QEMU issue VFIO_DEVICE_RESET
  _v=$(getv "ON_$1")
  if [ -z "$_v" ]; then result "$2" ENODEV "no guest holds $(getv "U_$1") (nothing to reset)"; return; fi
  log vm "system_reset $(getv "V_$_v")"
  vm_reset "$(getv "V_$_v")"
  printf '  system_reset: expected %s; not checked (QEMU reports a failed VFIO_DEVICE_RESET only in its log)\n' "$2"
}
card_config() {  # card_config <real adapter> <0|1> <expected>: SCLP deconfigure / configure (spec §4.6)
  _f="$AP/devices/card$(printf %02x "$1")/config"
  log "$_f" "$2"
  _r=$(rawwrite "$_f" "$2")
  [ "$_r" = ok ] && [ "$2" = 0 ] && cards_off="$cards_off $1"
  result "$3" "$_r" "${'$'}{_f#"$SYSFS"/} <- $2"
}
remove_mdev() {  # remove_mdev <m> <expected>: echo 1 > remove of an mdev no guest holds
  wr "$MX/$(getv "U_$1")/remove" 1 "$2"
}
bg_remove() {  # bg_remove <m> <expected>: echo 1 > remove while a guest holds the mdev (the kernel waits for it)
  _u=$(getv "U_$1")
  log "$MX/$_u/remove" 1
  fresh "$APMC_RUN/remove.$1" || return 1
  ( set -C; { set +C; rawwrite "$MX/$_u/remove" 1; } > "$APMC_RUN/remove.$1" ) &   # only the result file is O_EXCL
  setv "RM_$1" $!
  if [ "$2" = ok ]; then
    printf '  %s <- 1: pending until the guest lets go (expected ok, checked then)\n' "${'$'}{MX#"$SYSFS"/}/$_u/remove"
  else
    bg_wait "$1" "$2"
  fi
}
bg_wait() {  # bg_wait <m> <expected>: the result of a pending remove, once it is done
  _p=$(getv "RM_$1")
  [ -n "$_p" ] || return 0
  _t=0
  # At least one second: a refusal (EBUSY) comes back at once, but not before the background write has run.
  while kill -0 "$_p" 2>/dev/null && { [ "$_t" -lt "$APMC_TIMEOUT" ] || [ "$_t" = 0 ]; }; ` +
    `do sleep 1; _t=$((_t + 1)); done
  if kill -0 "$_p" 2>/dev/null; then
    mismatch "remove of $(getv "U_$1"): expected $2, but it is still blocked after $APMC_TIMEOUT s"
    return
  fi
  wait "$_p"
  setv "RM_$1" ''
  result "$2" "$(cat "$APMC_RUN/remove.$1" 2>/dev/null)" "remove of $(getv "U_$1") completed"
}`,
  'lines_equal() {  # lines_equal <what> <file> <expected line>…: the file as a set of lines (spec §12.4 note 3)' +
    String.raw`
  _what=$1; _file=$2; shift 2
  if ! _act=$(cat "$_file" 2>/dev/null); then mismatch "$_what: cannot read ${'$'}{_file#"$SYSFS"/}"; return; fi
  _act=$(printf '%s\n' "$_act" | sed '/^$/d' | LC_ALL=C sort | tr '\n' ' ')
  _exp=''
  [ $# -eq 0 ] || _exp=$(printf '%s\n' "$@" | LC_ALL=C sort | tr '\n' ' ')
  if [ "$_act" = "$_exp" ]; then printf '  %s: {%s} as expected\n' "$_what" "${'$'}{_exp% }"
  else mismatch "$_what: expected {${'$'}{_exp% }}, got {${'$'}{_act% }}"; fi
}
mdev_file() {  # mdev_file <m> <file> <expected line>…
  _m=$1; _f=$2; shift 2
  lines_equal "$(getv "N_$_m") $_f" "$MX/$(getv "U_$_m")/$_f" "$@"
}
step_gm() {  # step_gm <m> <expected line>…: guest_matrix after a step (only with APMC_CHECK_STEPS=1)
  [ "$APMC_CHECK_STEPS" = 1 ] || return 0
  mdev_file "$@"
}
queue_is() {  # queue_is <aa.dddd> <expected: none|unbound|cex4queue|vfio_ap>
  _q=$(qdriver "$1")
  if [ "$_q" = "$2" ]; then printf '  queue %s: %s as expected\n' "$1" "$2"
  else mismatch "queue $1: expected $2, got $_q"; fi
}
abort() {  # abort <why>: clean up and exit 3
  printf '%s: aborted: %s\n' "$ME" "$*"
  cleanup
  exit 3
}
summary() {
  printf '\n== summary\n'
  if [ "$fail_real" -gt 0 ]; then
    printf 'reality DISAGREES with the model: %s mismatch(es)\n' $((fail_real + fail_after)); return 1
  elif [ "$skipped" -gt 0 ]; then
    printf 'not a full replay: %s manual step(s) skipped; no disagreement before the first one' "$skipped"
    printf ', %s mismatch(es) after it\n' "$fail_after"; return 4
  fi
  printf 'reality agrees with the model\n'
}`,
].join('\n');
