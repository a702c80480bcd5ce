#!/bin/sh
# Installs the Debian packages berth and its tests need, when they are missing (run as root).
set -eu
need=""
command -v busybox >/dev/null 2>&1 || need="$need busybox-static"
command -v curl >/dev/null 2>&1 || need="$need curl"
command -v ip >/dev/null 2>&1 || need="$need iproute2"
command -v make >/dev/null 2>&1 || need="$need make"
command -v cc >/dev/null 2>&1 || need="$need gcc libc6-dev"
command -v mvn >/dev/null 2>&1 || need="$need maven"
command -v tmux >/dev/null 2>&1 || need="$need tmux"
if [ -n "$need" ]; then
    echo "installing:$need"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq $need >/dev/null
fi
