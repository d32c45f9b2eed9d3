#!/usr/bin/env bash
# Encrypted volume benchmark (rows for `make bench`): sequential write (dd conv=fsync) and read of 256 MiB inside
# busybox containers, through an encrypted volume (crypt driver, default backend: gocryptfs) and a plain local one on
# the same moatd; page cache dropped before each read. Target: the encrypted volume keeps >= 25% of plain throughput.
# Needs dist/moatd, dist/moat, dist/moat-shim, docker, curl, busybox-static, gocryptfs + fuse3. BENCH_CRYPT_MIB sets the size.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${MOAT_DIST:-$PWD/dist}
MIB=${BENCH_CRYPT_MIB:-256}
work=$(mktemp -d /tmp/moat-bench-crypt.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  # moatd locks (unmounts) encrypted volumes when their containers exit; never delete through a leftover mount.
  { grep -o " $work/[^ ]*" /proc/self/mountinfo || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

"$DIST/moat" key init --file "$work/master.key" >/dev/null
printf '{"data-encryption-key-file": "%s"}' "$work/master.key" >"$work/daemon.json"
. scripts/bench-lib.sh
start_moatd "$work/daemon.json"

import_busybox

docker volume create plain-bench >/dev/null
docker volume create --driver crypt crypt-bench >/dev/null

# Seconds for one dd inside a container (timed in the container with /proc/uptime, so container start-up and the
# volume's unlock are not counted).
timed_dd() { # volume, dd arguments
  local vol=$1; shift
  docker run --rm -v "$vol:/data" busybox sh -c \
    "s=\$(cut -d' ' -f1 /proc/uptime); dd $* 2>/dev/null; e=\$(cut -d' ' -f1 /proc/uptime); echo \$s \$e" 2>/dev/null |
    awk '{ printf "%.2f", $2 - $1 }'
}
mibs() { awk -v m="$MIB" -v t="$1" 'BEGIN { if (t <= 0) t = 0.01; printf "%.0f", m / t }'; }
drop_caches() { sync; echo 3 >/proc/sys/vm/drop_caches 2>/dev/null || true; }

declare -A write read
for vol in plain-bench crypt-bench; do
  write[$vol]=$(mibs "$(timed_dd "$vol" if=/dev/zero of=/data/f bs=1M count="$MIB" conv=fsync)")
  drop_caches
  read[$vol]=$(mibs "$(timed_dd "$vol" if=/data/f of=/dev/null bs=1M)")
done

failed=0
row() { printf '%-44s %10s %s\n' "$1" "$2" "$3"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0) ? a / b : 0 }'; }
# Write + read together: the same bytes moved both ways, in the total time each volume needed.
both() { awk -v m="$MIB" -v w="$1" -v r="$2" 'BEGIN { printf "%.0f", (w > 0 && r > 0) ? 2 * m / (m / w + m / r) : 0 }'; }
row "plain volume: write ${MIB} MiB + fsync" "${write[plain-bench]} MiB/s" ""
row "encrypted volume: write ${MIB} MiB + fsync" "${write[crypt-bench]} MiB/s" ""
row "plain volume: read ${MIB} MiB (cold)" "${read[plain-bench]} MiB/s" ""
row "encrypted volume: read ${MIB} MiB (cold)" "${read[crypt-bench]} MiB/s" ""
row "encrypted/plain write ratio" "$(ratio "${write[crypt-bench]}" "${write[plain-bench]}")x" ""
row "encrypted/plain read ratio" "$(ratio "${read[crypt-bench]}" "${read[plain-bench]}")x" "(FUSE: 128 KiB per request)"
total=$(ratio "$(both "${write[crypt-bench]}" "${read[crypt-bench]}")" "$(both "${write[plain-bench]}" "${read[plain-bench]}")")
awk -v r="$total" 'BEGIN { exit !(r >= 0.25) }' || failed=1
row "encrypted/plain write+read ratio (gocryptfs)" "${total}x" "target >= 0.25"
exit $failed
