#!/usr/bin/env bash
# Installs what building, running and testing Moat needs on Debian 12. Idempotent: does nothing when all is there.
set -euo pipefail
packages=(clang gcc libc6-dev zlib1g-dev runc crun busybox-static openssl openssh-server tmux jq procps iproute2 util-linux curl systemd tini gocryptfs fuse3 cryptsetup-bin libseccomp-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
# The docker CLI talks to the daemon as in production: members of group "docker" may use the socket.
getent group docker >/dev/null || groupadd --system docker
