#!/usr/bin/env bash
# Installs the Debian packages Tern needs to build and test, skipping those
# already present, so `make run` / `make test` work on a fresh Debian machine.
set -euo pipefail

pkgs=(build-essential pkg-config libjemalloc-dev libssl-dev liblzf-dev libxxhash-dev
      liblua5.1-0-dev libcmocka-dev openssl python3-pytest python3-redis redis-server redis-tools
      tcl)

missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    echo "install-deps: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The redis-server package may start a system service on 6379; stop it so
# `make run` can bind there. Tests start their own reference server.
if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet redis-server 2>/dev/null; then
    ${SUDO:-} systemctl stop redis-server || true
    ${SUDO:-} systemctl disable redis-server >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/redis-server ] && /etc/init.d/redis-server status >/dev/null 2>&1; then
    ${SUDO:-} /etc/init.d/redis-server stop >/dev/null 2>&1 || true
fi
exit 0
