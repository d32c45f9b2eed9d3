#!/usr/bin/env bash
# Stream benchmarks (rows for `make bench`): `docker exec c true` median (target <= 30 ms), throughput of
# `docker run -i busybox cat` with 256 MiB piped through (target >= 300 MiB/s) and moatd's RSS growth during it
# (target < 16 MiB). Prints the load average with each row: the machine may be shared.
# Needs dist/moatd, dist/moat-shim, docker, curl, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${MOAT_DIST:-$PWD/dist}
MIB=${BENCH_STREAM_MIB:-256}
work=$(mktemp -d /tmp/moat-bench-streams.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then
    DOCKER_HOST="unix://$work/docker.sock" docker rm -f bench-exec >/dev/null 2>&1 || true
    kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

. scripts/bench-lib.sh
start_moatd /dev/null

load() { cut -d' ' -f1-3 /proc/loadavg; }
row() { printf '%-44s %10s %-22s load %s\n' "$1" "$2" "$3" "$(load)"; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", (e - s) * 1000 }'; }

import_busybox

# 1. docker exec c true: median of 21 (after two warm-ups), and `runc exec` alone for comparison.
docker run -d --name bench-exec busybox sleep 3600 >/dev/null 2>&1
docker exec bench-exec true; docker exec bench-exec true
times=()
for _ in $(seq 21); do
  s=$(date +%s.%N); docker exec bench-exec true; e=$(date +%s.%N)
  times+=("$(ms "$s" "$e")")
done
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
row "docker exec c true (median/21)" "${median} ms" "target <= 30 ms"
id=$(docker inspect -f '{{.Id}}' bench-exec)
proc="$work/proc.json"
printf '{"args":["true"],"cwd":"/","env":["PATH=/bin"],"user":{"uid":0,"gid":0}}' >"$proc"
rtimes=()
for _ in $(seq 11); do
  s=$(date +%s.%N); runc --root "$work/exec/runtime-runc" exec --process "$proc" "$id" >/dev/null 2>&1 || true; e=$(date +%s.%N)
  rtimes+=("$(ms "$s" "$e")")
done
row "  (runc exec alone, median/11)" "$(printf '%s\n' "${rtimes[@]}" | sort -n | sed -n 6p) ms" "for reference"
s=$(date +%s.%N); docker version >/dev/null; e=$(date +%s.%N)
row "  (docker version: CLI start + 2 requests)" "$(ms "$s" "$e") ms" "for reference"

# 2. docker run -i busybox cat: MIB MiB (random, generated once into a file) through stdin and back. Reported end
#    to end and with the container's start/stop (`docker run -i --rm busybox true`) taken out; RSS sampled.
head -c "$((MIB * 1024 * 1024))" /dev/urandom >"$work/stream.bin"
rss() { awk '/VmRSS/ { print $2 }' "/proc/$pid/status"; }
run_cat() { # $@ = extra run args; prints seconds
  local s e
  s=$(date +%s.%N); docker run -i --rm "$@" busybox cat <"$work/stream.bin" >/dev/null; e=$(date +%s.%N)
  awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }'
}
s=$(date +%s.%N); docker run -i --rm --log-driver none busybox true </dev/null; e=$(date +%s.%N)
base=$(awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f", e - s }')
before=$(rss)
( while sleep 0.05; do v=$(rss) || exit 0; echo "$v"; done ) >"$work/rss.log" &
sampler=$!
t=$(run_cat --log-driver none)
kill "$sampler" 2>/dev/null || true; wait "$sampler" 2>/dev/null || true
peak=$(sort -n "$work/rss.log" | tail -1); peak=${peak:-$before}
rate() { awk -v m="$MIB" -v t="$1" 'BEGIN { if (t > 0) printf "%.0f MiB/s", m / t; else print "n/a" }'; }
row "docker run -i busybox cat ($MIB MiB, no log)" "$(rate "$(awk -v t="$t" -v b="$base" 'BEGIN { print t - b }')")" "target >= 300 MiB/s"
row "  (end to end, with start ${base}s)" "$(rate "$t")" "for reference"
row "  moatd RSS growth during it" "$(awk -v a="$before" -v b="$peak" 'BEGIN { printf "%.1f MiB", (b - a) / 1024 }')" "target < 16 MiB"
row "  (end to end with the json-file log)" "$(rate "$(run_cat)")" "for reference"
