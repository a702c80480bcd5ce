#!/bin/sh
# Builds berth, (re)starts berthd on its default socket and data root, creates the local "busybox"
# image from Debian's busybox-static package, and runs a container. Safe to run again: a running
# berthd is replaced by the new build (its containers keep running and are adopted).
#   socket   /run/berth/berth.sock
#   pidfile  /run/berth/berthd.pid
#   log      /var/log/berthd.log
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "$0: run as root (berthd creates namespaces, cgroups and mounts)" >&2; exit 1; }
sh scripts/packages.sh
mvn -q -B -Dstyle.color=never -DskipTests package
bin/berthd --version >/dev/null   # trains berthd's start-up cache for this build (once, some seconds)
PIDFILE=/run/berth/berthd.pid
LOG=/var/log/berthd.log
SOCK=/run/berth/berth.sock
if [ -f "$PIDFILE" ] && kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
    echo "stopping the running berthd ($(cat "$PIDFILE")) to start the new build; its containers keep running"
    kill -TERM "$(cat "$PIDFILE")"
    i=0; while kill -0 "$(cat "$PIDFILE")" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done
fi
mkdir -p /run/berth
nohup bin/berthd --pidfile "$PIDFILE" >>"$LOG" 2>&1 </dev/null &
pid=$!  # bin/berthd execs the JVM: the same pid; the pid file is written once the daemon is complete
i=0
until curl -sf --unix-socket "$SOCK" http://localhost/_ping >/dev/null 2>&1; do
    i=$((i+1))
    if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
        echo "$0: berthd did not come up; see $LOG" >&2; tail -n 20 "$LOG" >&2; exit 1
    fi
    sleep 0.1
done
echo "berthd is running (pid $pid, log $LOG, socket $SOCK)"
if [ -z "$(bin/berth images -q busybox:latest)" ]; then
    tar=$(mktemp --suffix=.tar)
    scripts/busybox-rootfs.sh "$tar"
    bin/berth import "$tar" busybox:latest >/dev/null
    rm -f "$tar"
    echo "created the busybox image from $(command -v busybox)"
fi
bin/berth run --rm busybox echo hello from berth
