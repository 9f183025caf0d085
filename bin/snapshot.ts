/**
 * `apmc snapshot [-o FILE]`: a POSIX sh script a tester runs on the LPAR to copy exactly the files
 * `apmc import` reads (bin/import-sysfs.ts) into one directory, and `lszcrypt -V`, `mdevctl list --dumpjson` and
 * `uname -r` beside them where available; with a second argument ending in .tar or .tar.gz, a tar of it too.
 * Queue `driver` links are kept as links (their target's last part is the driver); nothing else is a link.
 */
import { parse } from './args.ts';
import { COMMANDS } from './commands.ts';
import { stdio } from './io.ts';
import { SNAPSHOT_LSZCRYPT, SNAPSHOT_MDEVCTL, SNAPSHOT_UNAME } from './import.ts';
import { writeFileSafe } from './safe-write.ts';
import { UsageError } from './usage.ts';

export const SNAPSHOT_SCRIPT = `#!/bin/sh
# apmc snapshot: copy what 'apmc import --sysfs DIR' reads from this LPAR into DIR (and a tar of it).
# Usage: sh snapshot.sh DIR [FILE.tar|FILE.tar.gz]     Reads only; run as root for every file to be readable.
# Environment: SYSFS [/sys]
set -eu
SYSFS=\${SYSFS:-/sys}
[ $# -ge 1 ] || { echo "usage: $0 DIR [FILE.tar|FILE.tar.gz]" >&2; exit 2; }
OUT=$1
[ -d "$SYSFS/bus/ap" ] || { echo "$0: $SYSFS/bus/ap: no AP bus here" >&2; exit 2; }
[ ! -e "$OUT" ] || [ -z "$(ls -A "$OUT")" ] || { echo "$0: $OUT exists and is not empty" >&2; exit 2; }
mkdir -p "$OUT/bus/ap/devices"
umask 022
copy() {  # copy <path under SYSFS>: the file's content, if it is readable
  [ -f "$SYSFS/$1" ] && [ -r "$SYSFS/$1" ] || return 0
  mkdir -p "$OUT/\${1%/*}"
  cat "$SYSFS/$1" > "$OUT/$1" 2>/dev/null || rm -f "$OUT/$1"
}
for f in apmask aqmask ap_adapter_mask ap_usage_domain_mask ap_control_domain_mask; do
  copy "bus/ap/$f"
done
for d in "$SYSFS"/bus/ap/devices/*; do
  [ -e "$d" ] || continue
  n=\${d##*/}
  case $n in
    card[0-9a-f][0-9a-f])
      mkdir -p "$OUT/bus/ap/devices/$n"
      for f in hwtype config; do copy "bus/ap/devices/$n/$f"; done ;;
    [0-9a-f][0-9a-f].[0-9a-f][0-9a-f][0-9a-f][0-9a-f])
      mkdir -p "$OUT/bus/ap/devices/$n"
      copy "bus/ap/devices/$n/status"
      if [ -L "$d/driver" ]; then
        drv=$(readlink "$d/driver")
        ln -s "../../drivers/\${drv##*/}" "$OUT/bus/ap/devices/$n/driver"
      fi ;;
  esac
done
MX=devices/vfio_ap/matrix
if [ -d "$SYSFS/$MX" ]; then
  mkdir -p "$OUT/$MX"
  for u in "$SYSFS/$MX"/*-*-*-*-*; do
    [ -d "$u" ] || continue
    n=\${u##*/}
    mkdir -p "$OUT/$MX/$n"
    for f in matrix guest_matrix control_domains; do copy "$MX/$n/$f"; done
  done
fi
if command -v lszcrypt >/dev/null 2>&1; then lszcrypt -V > "$OUT/${SNAPSHOT_LSZCRYPT}" 2>/dev/null || true; fi
if command -v mdevctl >/dev/null 2>&1; then mdevctl list --dumpjson > "$OUT/${SNAPSHOT_MDEVCTL}" 2>/dev/null || true; fi
uname -r > "$OUT/${SNAPSHOT_UNAME}" 2>/dev/null || true
if [ $# -ge 2 ]; then
  case $2 in
    *.tar.gz|*.tgz) tar -C "$OUT" -czf "$2" . ;;
    *) tar -C "$OUT" -cf "$2" . ;;
  esac
  echo "$0: wrote $OUT and $2"
else
  echo "$0: wrote $OUT"
fi
echo "next: apmc import --sysfs $OUT -o machine.trace"
`;

export function cmdSnapshot(args: string[]): number {
  const { values, positionals } = parse(args, COMMANDS.snapshot);
  if (positionals.length > 0) throw new UsageError(`apmc snapshot takes no arguments (got '${positionals[0]}')`);
  if (values.output === undefined) process.stdout.write(SNAPSHOT_SCRIPT);
  else {
    writeFileSafe(values.output, SNAPSHOT_SCRIPT, 'replace');
    stdio.error(`apmc snapshot: wrote ${values.output}`);
  }
  return 0;
}
