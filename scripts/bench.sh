#!/bin/bash
# End-to-end benchmark: berthd (and, with --dockerd, Debian's dockerd side by side on its own socket and
# data root), both with --network none, driven by the docker CLI.
#   - daemon start to first /_ping (median, min and max of --starts N, default 5)
#   - docker run --rm busybox true (median of N, default 20)
#   - starting 50 detached containers one after another, then removing them
# Prints each figure and the berthd/dockerd ratios. Run as root after 'mvn -DskipTests package'.
# --start-only measures the daemon's start alone (no image, no containers, no dockerd).
# With --dockerd it installs docker.io if missing, saves the host's iptables FORWARD policy and rules,
# and restores them afterwards.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=20; N=50; WITH_DOCKERD=0; STARTS=5; START_ONLY=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dockerd) WITH_DOCKERD=1 ;;
        --runs) RUNS=$2; shift ;;
        --containers) N=$2; shift ;;
        --starts) STARTS=$2; shift ;;
        --start-only) START_ONLY=1 ;;
        *) echo "usage: $0 [--dockerd] [--runs N] [--containers N] [--starts N] [--start-only]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
work=$(mktemp -d /tmp/berth-bench.XXXXXX)
pids=()
. scripts/bench-lib.sh
trap stop_daemons EXIT

command -v bc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
[ "$START_ONLY" = 1 ] || scripts/busybox-rootfs.sh "$work/busybox.tar"
bin/berthd --version >/dev/null   # the start-up cache is trained once per build, not in a measured start

measure() { # name socket
    local name=$1 sock=$2
    export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$work/dockercfg-$name
    docker import "$work/busybox.tar" busybox:latest >/dev/null
    docker run --rm --network none busybox true >/dev/null   # warm-up
    local times=()
    for _ in $(seq 1 "$RUNS"); do
        local t0; t0=$(now)
        docker run --rm --network none busybox true >/dev/null
        times+=("$(echo "$(now) - $t0" | bc)")
    done
    RUN_MEDIAN=$(printf '%s\n' "${times[@]}" | median)
    local t0; t0=$(now)
    for i in $(seq 1 "$N"); do docker run -d --network none --name "b$i" busybox sleep 1000 >/dev/null; done
    START_N=$(echo "$(now) - $t0" | bc)
    t0=$(now)
    docker rm -f $(docker ps -aq) >/dev/null
    RM_N=$(echo "$(now) - $t0" | bc)
    printf '%-8s run --rm median %.3f s   %d starts %.2f s   %d removals %.2f s\n' "$name" "$RUN_MEDIAN" "$N" "$START_N" "$N" "$RM_N"
    unset DOCKER_HOST DOCKER_CONFIG
}

# ---- berthd
starts=()
for i in $(seq 1 "$STARTS"); do
    rm -rf "$work/b-exec"; mkdir -p "$work/b-data" "$work/b-exec"
    t0=$(now)
    bin/berthd --data-root "$work/b-data" --exec-root "$work/b-exec" -H "unix://$work/b-exec/berth.sock" \
        --log-level warn >>"$work/berthd.log" 2>&1 &
    pid=$!; pids+=("$pid")
    wait_ping "$work/b-exec/berth.sock"
    starts+=("$(echo "$(now) - $t0" | bc)")
    if [ "$i" -lt "$STARTS" ] || [ "$START_ONLY" = 1 ]; then kill "$pid"; wait "$pid" 2>/dev/null || true; fi
done
BERTH_START=$(printf '%s\n' "${starts[@]}" | median)
printf 'berthd   start to first /_ping: median %.3f s, min %.3f s, max %.3f s (%d starts)\n' "$BERTH_START" \
    "$(printf '%s\n' "${starts[@]}" | sort -n | head -n 1)" "$(printf '%s\n' "${starts[@]}" | sort -n | tail -n 1)" "$STARTS"
[ "$START_ONLY" = 0 ] || exit 0
measure berthd "$work/b-exec/berth.sock"
B_RUN=$RUN_MEDIAN; B_START=$START_N; B_RM=$RM_N

[ "$WITH_DOCKERD" = 1 ] || exit 0

# ---- dockerd, on its own roots, with the host's firewall saved and restored
start_dockerd
measure dockerd "$work/d-exec/docker.sock"
printf 'ratios berthd/dockerd: run --rm %.2f   %d starts %.2f   %d removals %.2f\n' \
    "$(echo "$B_RUN / $RUN_MEDIAN" | bc -l)" "$N" "$(echo "$B_START / $START_N" | bc -l)" "$N" "$(echo "$B_RM / $RM_N" | bc -l)"
