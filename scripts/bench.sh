#!/bin/bash
# End-to-end benchmark: berthd (and, with --dockerd, Debian's dockerd side by side on its own socket and
# data root), driven by the docker CLI.
#   - daemon start to first /_ping (median, min and max of --starts N, default 5)
#   - docker run --rm busybox true, median of N (--runs, default 20), with --network none and on the
#     default bridge
#   - starting 50 detached containers (--network none) one after another, then removing them
#   - berthd's own measure of a container's network setup, from its debug log line
#     "network setup of <id> took <n> µs" (a second berthd run with --log-level debug); n/a without it
# Prints each figure and the berthd/dockerd ratios. Run as root after 'mvn -DskipTests package'.
# --start-only measures the daemon's start alone (no image, no containers, no dockerd).
# berthd runs on the host with a bridge and subnets of its own (bench-lib.sh), removed afterwards. dockerd
# runs with its bridge and iptables inside a throwaway network namespace, the docker CLI that drives it too;
# the host's firewall is not touched by it. It installs docker.io if missing.
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
if ip link show "$BERTHD_BRIDGE" >/dev/null 2>&1; then
    echo "$0: $BERTHD_BRIDGE exists: another benchmark is running (or one left it: ip link del $BERTHD_BRIDGE)" >&2
    exit 1
fi

command -v bc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
[ "$START_ONLY" = 1 ] || scripts/busybox-rootfs.sh "$work/busybox.tar"
bin/berthd --version >/dev/null   # the start-up cache is trained once per build, not in a measured start

# measure NAME SOCKET [NETNS]: the figures of one daemon, with the docker CLI run inside NETNS when given
# (each timed loop runs in one shell there, so entering the namespace is not part of any figure). Sets
# RUN_NONE, RUN_BRIDGE, START_N and RM_N.
measure() {
    local name=$1 sock=$2 ns=${3:-}
    export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$work/dockercfg-$name
    docker import "$work/busybox.tar" busybox:latest >/dev/null
    local figures
    figures=$(in_netns "$ns" bash -c '
        set -euo pipefail
        . scripts/bench-lib.sh
        runs=$1 n=$2
        docker run --rm --network none busybox true >/dev/null   # warm-ups
        docker run --rm busybox true >/dev/null
        none=$(median_runs "$runs" docker run --rm --network none busybox true)
        bridge=$(median_runs "$runs" docker run --rm busybox true)
        t0=$(now)
        for i in $(seq 1 "$n"); do docker run -d --network none --name "b$i" busybox sleep 1000 >/dev/null; done
        starts=$(elapsed "$t0")
        t0=$(now)
        docker rm -f $(docker ps -aq) >/dev/null
        echo "$none $bridge $starts $(elapsed "$t0")"' _ "$RUNS" "$N")
    read -r RUN_NONE RUN_BRIDGE START_N RM_N <<<"$figures"
    printf '%-8s run --rm median: --network none %.3f s, default bridge %.3f s   %d starts %.2f s   %d removals %.2f s\n' \
        "$name" "$RUN_NONE" "$RUN_BRIDGE" "$N" "$START_N" "$N" "$RM_N"
    unset DOCKER_HOST DOCKER_CONFIG
}

# measure_network_setup: berthd again with --log-level debug for $RUNS bridge runs; sets SETUP_US to the
# median of its "network setup of <id> took <n> µs" lines, or n/a when it logs none
measure_network_setup() {
    local sock=$work/b-exec/berth.sock log=$work/berthd-debug.log
    bin/berthd --data-root "$work/b-data" --exec-root "$work/b-exec" -H "unix://$sock" "${BERTHD_NET_FLAGS[@]}" \
        --log-level debug >>"$log" 2>&1 &
    local pid=$!; pids+=("$pid")
    wait_ping "$sock"
    # 10 warm-up runs (the daemon's JIT compiles the path), then $RUNS measured ones: the last $RUNS lines
    DOCKER_HOST=unix://$sock DOCKER_CONFIG=$work/dockercfg-berthd median_runs 10 docker run --rm busybox true >/dev/null
    DOCKER_HOST=unix://$sock DOCKER_CONFIG=$work/dockercfg-berthd median_runs "$RUNS" docker run --rm busybox true >/dev/null
    kill "$pid"; wait "$pid" 2>/dev/null || true
    SETUP_US=$(grep -o 'network setup of [0-9a-f]* took [0-9]* µs' "$log" | tail -n "$RUNS" | awk '{print $(NF-1)}' | median)
    SETUP_US=${SETUP_US:-n/a}
}

# ---- berthd
starts=()
for i in $(seq 1 "$STARTS"); do
    rm -rf "$work/b-exec"; mkdir -p "$work/b-data" "$work/b-exec"
    t0=$(now)
    bin/berthd --data-root "$work/b-data" --exec-root "$work/b-exec" -H "unix://$work/b-exec/berth.sock" \
        "${BERTHD_NET_FLAGS[@]}" --log-level warn >>"$work/berthd.log" 2>&1 &
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
B_NONE=$RUN_NONE; B_BRIDGE=$RUN_BRIDGE; B_START=$START_N; B_RM=$RM_N
kill "$pid"; wait "$pid" 2>/dev/null || true
measure_network_setup
if [ "$SETUP_US" = n/a ]; then
    echo "berthd   network setup: n/a (no 'network setup of <id> took <n> µs' line in its debug log)"
else
    printf 'berthd   network setup: median %.0f µs (%d runs on the default bridge, from its debug log)\n' "$SETUP_US" "$RUNS"
fi

[ "$WITH_DOCKERD" = 1 ] || exit 0

# ---- dockerd, with its bridge and iptables in a network namespace of its own
start_dockerd_netns
measure dockerd "$work/n-exec/docker.sock" "$DOCKERD_NETNS"
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
echo "ratios berthd/dockerd: run --rm --network none $(ratio "$B_NONE" "$RUN_NONE"), default bridge $(ratio "$B_BRIDGE" "$RUN_BRIDGE")" \
    "  $N starts $(ratio "$B_START" "$START_N")   $N removals $(ratio "$B_RM" "$RM_N")"
