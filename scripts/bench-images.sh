#!/usr/bin/env bash
# Image benchmarks (rows for `make bench`): docker load / docker save of a ~100 MiB four-layer image,
# and GET /images/json with 500 images (target: ≤ 10 ms). Needs dist/moatd, the docker CLI and curl.
set -euo pipefail
cd "$(dirname "$0")/.."
DIST=${MOAT_DIST:-$PWD/dist}
work=$(mktemp -d /tmp/moat-bench-images.XXXXXX)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

. scripts/bench-lib.sh
start_moatd /dev/null

now() { date +%s.%N; }
row() { printf '%-44s %10s %s\n' "$1" "$2" "$3"; }

# 1. A ~100 MiB image in the docker save layout: four layers of 25 MiB of random data.
img="$work/img"; mkdir -p "$img/blobs/sha256" "$work/layers"
diffs=(); layers=()
for i in 0 1 2 3; do
  mkdir -p "$work/layers/$i"
  head -c $((25 << 20)) /dev/urandom >"$work/layers/$i/data$i"
  tar -C "$work/layers/$i" -cf "$work/layer$i.tar" .
  d=$(sha256sum "$work/layer$i.tar" | cut -d' ' -f1)
  mv "$work/layer$i.tar" "$img/blobs/sha256/$d"
  diffs+=("\"sha256:$d\""); layers+=("\"blobs/sha256/$d\"")
done
config="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:00Z\",\"config\":{\"Cmd\":[\"sh\"]},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[$(IFS=,; echo "${diffs[*]}")]}}"
cid=$(printf '%s' "$config" | sha256sum | cut -d' ' -f1)
printf '%s' "$config" >"$img/blobs/sha256/$cid"
printf '[{"Config":"blobs/sha256/%s","RepoTags":["bench/big:1"],"Layers":[%s]}]' "$cid" "$(IFS=,; echo "${layers[*]}")" >"$img/manifest.json"
tar -C "$img" -cf "$work/big.tar" .
rm -rf "$img" "$work/layers"
size=$(du -m "$work/big.tar" | cut -f1)

t0=$(now); docker load -q -i "$work/big.tar" >/dev/null; t1=$(now)
row "images: docker load (${size} MiB, 4 layers)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" s
t0=$(now); docker save -o "$work/saved.tar" bench/big:1; t1=$(now)
row "images: docker save (${size} MiB, 4 layers)" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')" s
rm -f "$work/big.tar" "$work/saved.tar"
docker rmi -f bench/big:1 >/dev/null

# 2. 500 images (one shared small layer, 500 configs) loaded at once, then GET /images/json.
many="$work/many"; mkdir -p "$many/blobs/sha256" "$work/tiny"
echo hi >"$work/tiny/hello"
tar -C "$work/tiny" -cf "$work/tiny.tar" .
ld=$(sha256sum "$work/tiny.tar" | cut -d' ' -f1)
mv "$work/tiny.tar" "$many/blobs/sha256/$ld"
entries=()
for i in $(seq 1 500); do
  c="{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"2024-01-01T00:00:$(printf '%02d' $((i % 60)))Z\",\"config\":{\"Labels\":{\"n\":\"$i\"}},\"rootfs\":{\"type\":\"layers\",\"diff_ids\":[\"sha256:$ld\"]}}"
  h=$(printf '%s' "$c" | sha256sum | cut -d' ' -f1)
  printf '%s' "$c" >"$many/blobs/sha256/$h"
  entries+=("{\"Config\":\"blobs/sha256/$h\",\"RepoTags\":[\"bench/n$i:latest\"],\"Layers\":[\"blobs/sha256/$ld\"]}")
done
printf '[%s]' "$(IFS=,; echo "${entries[*]}")" >"$many/manifest.json"
tar -C "$many" -cf "$work/many.tar" .
docker load -q -i "$work/many.tar" >/dev/null
count=$(curl -sf --unix-socket "$sock" http://x/v1.50/images/json | grep -o '"Id"' | wc -l)
for _ in $(seq 20); do curl -sf --unix-socket "$sock" -o /dev/null http://x/v1.50/images/json; done
times=$(for _ in $(seq 101); do curl -sf --unix-socket "$sock" -o /dev/null -w '%{time_total}\n' http://x/v1.50/images/json; done | sort -n)
median=$(echo "$times" | sed -n 51p)
p95=$(echo "$times" | sed -n 96p)
row "images: GET /images/json, $count images, median" "$(awk -v t="$median" 'BEGIN { printf "%.2f", t * 1000 }')" "ms (target <= 10)"
row "images: GET /images/json, $count images, p95" "$(awk -v t="$p95" 'BEGIN { printf "%.2f", t * 1000 }')" ms
