#!/usr/bin/env bash
# Container benchmarks (rows for `make bench`): `docker run --rm busybox true` median (target ≤ 100 ms),
# GET /containers/json?all=1 with 500 containers (≤ 15 ms), docker container prune of 500 stopped containers
# (≤ 0.5 s), the monitor's RSS per running container (≤ 2 MiB) and moatd's RSS with 500 containers (≤ 60 MiB). Needs dist/moatd, dist/moat-shim, docker, curl, busybox-static.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${MOAT_DIST:-$PWD/dist}
N=${BENCH_CONTAINERS:-500}
work=$(mktemp -d /tmp/moat-bench-containers.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work" 2>/dev/null || true
}
trap cleanup EXIT

. scripts/bench-lib.sh
start_moatd /dev/null

row() { printf '%-44s %10s %s\n' "$1" "$2" "$3"; }
ms() { awk -v s="$1" -v e="$2" 'BEGIN { printf "%.1f", (e - s) * 1000 }'; }

import_busybox

row "load average (1 min) at start" "$(cut -d' ' -f1 /proc/loadavg)" "timings below are noisy when the machine is busy"

# 1. docker run --rm busybox true: median of 21 runs (after one warm-up), and a bare `runc run` of the same
#    bundle alternating with it (the floor on this machine at this load).
docker run --rm busybox true >/dev/null 2>&1
keep=$(docker create busybox true 2>/dev/null)
docker start "$keep" >/dev/null 2>&1 && docker wait "$keep" >/dev/null 2>&1 || true
bundle="$work/data/containers/$keep/bundle"
docker export "$keep" >/dev/null 2>&1 # mounts its rootfs again for the bare runs
times=(); bare=()
for i in $(seq 21); do
  s=$(date +%s.%N); docker run --rm busybox true >/dev/null 2>&1; e=$(date +%s.%N)
  times+=("$(ms "$s" "$e")")
  s=$(date +%s.%N); runc --root "$work/bare-runc" run --bundle "$bundle" "bare$i" </dev/null >/dev/null 2>&1 || true; e=$(date +%s.%N)
  bare+=("$(ms "$s" "$e")")
done
docker rm -f "$keep" >/dev/null 2>&1
median=$(printf '%s\n' "${times[@]}" | sort -n | sed -n 11p)
row "docker run --rm busybox true (median)" "${median} ms" "target <= 100 ms"
row "bare runc run, same bundle (median)" "$(printf '%s\n' "${bare[@]}" | sort -n | sed -n 11p) ms" "reference: the runtime alone"

# 1b. Memory of the per-container monitor (moat-shim) of running containers: VmRSS, mean of 10.
ids=()
for i in $(seq 10); do ids+=("$(docker run -d busybox sleep 300 2>/dev/null)"); done
total=0
for id in "${ids[@]}"; do
  shim=$(cat "$work/exec/moat/$id/shim.pid")
  total=$(( total + $(awk '/VmRSS/ { print $2 }' "/proc/$shim/status") ))
done
row "monitor RSS per running container (mean/10)" "$(awk -v t="$total" 'BEGIN { printf "%.2f MiB", t / 10 / 1024 }')" "target <= 2 MiB"
docker rm -f "${ids[@]}" >/dev/null 2>&1

# 2. N created containers (through the API: the CLI's process start would dominate).
for i in $(seq "$N"); do
  curl -sf --unix-socket "$sock" -X POST -H 'Content-Type: application/json' \
    -d '{"Image":"busybox","Cmd":["true"],"Labels":{"bench":"1"}}' "http://x/v1.50/containers/create?name=bench$i" >/dev/null
done
curl -sf --unix-socket "$sock" "http://x/v1.50/containers/json?all=1" >/dev/null
best=""
for _ in $(seq 20); do
  t=$(curl -s -o /dev/null -w '%{time_total}' --unix-socket "$sock" "http://x/v1.50/containers/json?all=1")
  best=$(awk -v a="$t" -v b="${best:-999}" 'BEGIN { print (a < b) ? a : b }')
done
row "GET /containers/json?all=1 ($N containers)" "$(awk -v t="$best" 'BEGIN { printf "%.1f ms", t * 1000 }')" "target <= 15 ms (best of 20)"

# 3. moatd RSS with N containers.
rss=$(awk '/VmRSS/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")
row "moatd RSS ($N containers)" "${rss} MiB" "target <= 60 MiB"

# 4. docker container prune of N stopped containers (never started: the API-created ones above).
s=$(date +%s.%N); docker container prune -f >/dev/null; e=$(date +%s.%N)
row "docker container prune ($N stopped)" "$(ms "$s" "$e") ms" "target <= 500 ms"
left=$(grep -c "$work" /proc/self/mountinfo || true)
row "mounts left after prune" "$left" "expect 0"
