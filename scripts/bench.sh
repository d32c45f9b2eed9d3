#!/usr/bin/env bash
# Moat benchmarks: prints one table row per metric with its target. Run with `make bench` (builds dist/ first).
#
# Extending: write a function that prints a number, then add one `row` line at the bottom:
#   row "<metric>" "<value>" "<unit>" "<le|ge>" "<target>"
# le = value must be <= target (times, memory), ge = value must be >= target (throughput).
# BENCH_SECONDS (default 5) sets the length of each load run. Exit status is 1 when a target is missed.
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
DIST=${MOAT_DIST:-$ROOT/dist}
SECONDS_PER_RUN=${BENCH_SECONDS:-5}
WORK=$(mktemp -d /tmp/moat-bench.XXXXXX)
DAEMON_PID=
cleanup() { rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build bench/Moat.Bench -c Release -o obj/bench --nologo -v quiet >/dev/null || { echo "building the load generator failed" >&2; exit 1; }
BENCH="dotnet $ROOT/obj/bench/moat-bench.dll"

moatd_args() { # $1 = dir
  echo "--data-root $1/data --exec-root $1/exec --pidfile $1/moatd.pid"
}

# Starts moatd in the background with the given extra args and waits for /_ping on its socket. Metrics run in
# $(…) subshells, so each metric that starts a daemon stops it itself with stop_daemon.
start_daemon() { # $1 = dir, rest = args
  local dir=$1; shift
  mkdir -p "$dir"
  "$DIST/moatd" -H "unix://$dir/docker.sock" $(moatd_args "$dir") "$@" >"$dir/log" 2>&1 &
  DAEMON_PID=$!
  $BENCH wait "$dir/docker.sock" && return 0
  echo "moatd did not start: $(cat "$dir/log")" >&2
  stop_daemon
  return 1
}

stop_daemon() {
  [[ -n "$DAEMON_PID" ]] || return 0
  kill "$DAEMON_PID" 2>/dev/null
  wait "$DAEMON_PID" 2>/dev/null
  DAEMON_PID=
}

make_pki() { # $1 = dir; CA, server (127.0.0.1/localhost) and client certificates
  local d=$1
  mkdir -p "$d"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/ca-key.pem" -out "$d/ca.pem" -days 2 -subj /CN=bench-ca 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/server-key.pem" -out "$d/server.csr" -subj /CN=localhost 2>/dev/null
  printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' >"$d/server.ext"
  openssl x509 -req -in "$d/server.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial 1 -days 2 -extfile "$d/server.ext" -out "$d/server-cert.pem" 2>/dev/null
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$d/key.pem" -out "$d/client.csr" -subj /CN=bench 2>/dev/null
  printf 'extendedKeyUsage=clientAuth\n' >"$d/client.ext"
  openssl x509 -req -in "$d/client.csr" -CA "$d/ca.pem" -CAkey "$d/ca-key.pem" -set_serial 2 -days 2 -extfile "$d/client.ext" -out "$d/cert.pem" 2>/dev/null
}

free_port() { $BENCH port; }

# --- metrics -----------------------------------------------------------------------------------------------

bench_start_ms() {
  local d=$WORK/start
  mkdir -p "$d"
  $BENCH start 15 "$d/docker.sock" -- "$DIST/moatd" -H "unix://$d/docker.sock" $(moatd_args "$d")
}

bench_idle_rss_mib() {
  local d=$WORK/rss
  mkdir -p "$d"
  local kib
  kib=$($BENCH rss "$d/docker.sock" 2000 -- "$DIST/moatd" -H "unix://$d/docker.sock" $(moatd_args "$d")) || return 1
  awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }'
}

bench_unix_rps() {
  local d=$WORK/unix
  start_daemon "$d" || return 1
  $BENCH load unix "$d/docker.sock" 8 "$SECONDS_PER_RUN"
  stop_daemon
}

bench_mtls_rps() {
  local d=$WORK/mtls port
  port=$(free_port)
  make_pki "$d/pki"
  start_daemon "$d" -H "tcp://127.0.0.1:$port" --tlsverify --tlscacert "$d/pki/ca.pem" --tlscert "$d/pki/server-cert.pem" --tlskey "$d/pki/server-key.pem" || return 1
  $BENCH load tls "$port" "$d/pki/ca.pem" "$d/pki/cert.pem" "$d/pki/key.pem" 8 "$SECONDS_PER_RUN"
  stop_daemon
}

# Authorization + audit cost: GET /containers/json with 8 connections, policy+audit vs no policy (ratio). The
# load runs as `nobody` in group docker, so the policy really decides (uid 0 is always an administrator).
# BENCH_AUTHZ_CALIBRATE=1 runs the same measurement with no policy on either side: the method's own spread.
#
# How (docs/audit.md, Cost): this VM's throughput moves by ±13 % between one second and the next (its
# neighbours), and one process of a pair can run slower than the other for its whole life. So both daemons run
# at once and one client measures them in short alternating windows (6 pairs of 1 s, alternating which goes
# first), and a process pair's ratio is its requests with the policy over its requests without, in the same
# time. That is done for ten fresh process pairs; the row is the median of their ten ratios.
bench_authz_ratio() {
  local d=$WORK/authz a b pid_open pid_secured run runs=10 pairs=6 secured_config ratios=() sum_a sum_b n
  local as_nobody=(setpriv --reuid=nobody --regid=nogroup --groups="$(getent group docker | cut -d: -f3)" env HOME=/tmp DOTNET_CLI_HOME=/tmp)
  mkdir -p "$d"
  chmod 755 "$WORK" "$d"
  printf '{"bindings":[{"role":"developer","users":["nobody"]}]}' >"$d/policy.json"
  printf '{"authorization-policy":"%s","audit-log":"%s"}' "$d/policy.json" "$d/audit.log" >"$d/secured.json"
  secured_config=$d/secured.json
  [[ -n "${BENCH_AUTHZ_CALIBRATE:-}" ]] && secured_config=""
  for run in $(seq 1 $runs); do
    rm -rf "$d/open" "$d/secured"
    mkdir -p "$d/open" "$d/secured"
    chmod 755 "$d/open" "$d/secured"
    start_daemon "$d/open" --config-file "" || return 1
    pid_open=$DAEMON_PID
    start_daemon "$d/secured" --config-file "$secured_config" || { DAEMON_PID=$pid_open; stop_daemon; return 1; }
    pid_secured=$DAEMON_PID
    sum_a=0 sum_b=0 n=0
    while read -r a b; do
      sum_a=$((sum_a + a)) sum_b=$((sum_b + b)) n=$((n + 1))
    done < <(MOAT_BENCH_PATH=/v1.51/containers/json "${as_nobody[@]}" $BENCH ab "$d/open/docker.sock" "$d/secured/docker.sock" 8 $pairs 1)
    DAEMON_PID=$pid_secured; stop_daemon
    DAEMON_PID=$pid_open; stop_daemon
    [[ $n -eq $pairs && $sum_a -gt 0 ]] || { echo "authz: the load generator measured $n of $pairs pairs (daemons $run)" >&2; return 1; }
    ratios+=("$(awk -v a="$sum_a" -v b="$sum_b" 'BEGIN { printf "%.3f", b / a }')")
    echo "authz daemons $run: no policy $((sum_a / n)) req/s, policy+audit $((sum_b / n)) req/s, ratio ${ratios[-1]}" >&2
  done
  [[ -n "$secured_config" ]] && { [[ $(grep -c '"decision":"allow"' "$d/audit.log") -gt 0 ]] || { echo "authz: the audit log has no allow entries" >&2; return 1; }; }
  printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { printf "%.3f", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# --- table -------------------------------------------------------------------------------------------------

failed=0
printf '%-34s %12s %-6s %14s  %s\n' "metric" "value" "unit" "target" "result"
row() { # name value unit cmp target
  local name=$1 value=$2 unit=$3 cmp=$4 target=$5 verdict
  if [[ -z "$value" ]]; then verdict="ERROR"; failed=1
  elif awk -v v="$value" -v t="$target" -v c="$cmp" 'BEGIN { exit !((c == "le") ? (v <= t) : (v >= t)) }'; then verdict="ok"
  else verdict="MISSED"; failed=1; fi
  local sign; [[ $cmp == le ]] && sign="<=" || sign=">="
  printf '%-34s %12s %-6s %14s  %s\n' "$name" "${value:-n/a}" "$unit" "$sign $target" "$verdict"
}

# BENCH_ONLY=<word> runs only the rows (and area scripts) whose name contains it, e.g. BENCH_ONLY=authz.
want() { [[ -z "${BENCH_ONLY:-}" || "$1" == *"$BENCH_ONLY"* ]]; }
want "start to first /_ping" && row "start to first /_ping (median/15)" "$(bench_start_ms)" "ms" le 60
want "idle RSS" && row "idle RSS 2 s after ready" "$(bench_idle_rss_mib)" "MiB" le 25
want "/_ping over unix" && row "/_ping over unix, 8 keep-alive" "$(bench_unix_rps)" "req/s" ge 25800
want "/_ping over mTLS" && row "/_ping over mTLS, 8 keep-alive" "$(bench_mtls_rps)" "req/s" ge 11400
want "authz" && row "authz+audit /containers/json ratio" "$(bench_authz_ratio)" "x" ge 0.95
# Other areas add their rows here.
want images && [[ -x scripts/bench-images.sh ]] && { scripts/bench-images.sh || failed=1; }
want containers && [[ -x scripts/bench-containers.sh ]] && { scripts/bench-containers.sh || failed=1; }
want streams && [[ -x scripts/bench-streams.sh ]] && { scripts/bench-streams.sh || failed=1; }
want crypt && [[ -x scripts/bench-crypt.sh ]] && { scripts/bench-crypt.sh || failed=1; }

exit $failed
