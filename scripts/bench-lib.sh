# Sourced by the area bench scripts (bench-images/containers/streams/crypt.sh). Each sets DIST, work (its temp
# dir) and pid="" and traps its own cleanup first.

# Starts dist/moatd on $work/docker.sock with daemon.json $1 and waits for /_ping; sets sock and pid and points the
# docker CLI at it.
start_moatd() {
  sock="$work/docker.sock"
  "$DIST/moatd" -H "unix://$sock" --data-root "$work/data" --exec-root "$work/exec" --pidfile "$work/moatd.pid" \
    --config-file "$1" >"$work/moatd.log" 2>&1 &
  pid=$!
  for _ in $(seq 200); do curl -sf --unix-socket "$sock" http://x/_ping >/dev/null 2>&1 && break; sleep 0.05; done
  export DOCKER_HOST="unix://$sock" DOCKER_CONFIG="$work/cli"
}

# busybox:latest from Debian's busybox-static, as the compat tests build it.
import_busybox() {
  local r="$work/rootfs" a
  mkdir -p "$r"/{bin,etc,tmp,root,proc,sys,dev}
  cp /bin/busybox "$r/bin/busybox"
  for a in $(/bin/busybox --list-full); do [ "$a" = bin/busybox ] || { mkdir -p "$r/$(dirname "$a")"; ln -sf /bin/busybox "$r/$a"; }; done
  echo 'root:x:0:0:root:/root:/bin/sh' >"$r/etc/passwd"; echo 'root:x:0:' >"$r/etc/group"
  tar --numeric-owner --owner=0 --group=0 -C "$r" -cf "$work/busybox.tar" .
  docker import --change 'CMD ["sh"]' "$work/busybox.tar" busybox:latest >/dev/null
}
