#!/bin/bash
# Build benchmark: docker build (the classic POST /build) of an 11-instruction Dockerfile (FROM busybox,
# RUN, COPY, ADD, ENV, WORKDIR, EXPOSE, VOLUME, CMD, ENTRYPOINT, ONBUILD) against berthd and, with
# --dockerd, Debian's dockerd legacy builder side by side; each on its own roots, driven by the docker CLI.
#   - no cache: median of N builds with --no-cache
#   - fully cached rebuild: median of N builds
# The issue's goals: no-cache <= BuildKit's time here (0.25-0.37 s), cached <= 0.1 s.
# Run as root after 'mvn -DskipTests package'.
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_DOCKERD=0; RUNS=9
while [ $# -gt 0 ]; do
    case "$1" in
        --dockerd) WITH_DOCKERD=1 ;;
        --runs) RUNS=$2; shift ;;
        *) echo "usage: $0 [--dockerd] [--runs N]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
work=$(mktemp -d /var/tmp/berth-bench-build.XXXXXX)
pids=()
. scripts/bench-lib.sh
trap stop_daemons EXIT
command -v bc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
scripts/busybox-rootfs.sh "$work/busybox.tar"
bin/berthd --version >/dev/null   # the start-up cache is trained once per build, not in a measured run

ctx=$work/ctx
mkdir -p "$ctx/tree"
echo "hello" > "$ctx/hello.txt"
echo "inside" > "$ctx/tree/inside.txt"
tar -czf "$ctx/tree.tar.gz" -C "$ctx/tree" .
cat > "$ctx/Dockerfile" <<'DOCKERFILE'
FROM busybox
RUN echo built > /built.txt
COPY hello.txt /hello.txt
ADD tree.tar.gz /tree/
ENV APP_HOME=/app MODE=bench
WORKDIR /app
EXPOSE 8080
VOLUME /data
CMD ["--help"]
ENTRYPOINT ["/bin/sh", "-c"]
ONBUILD RUN echo child
DOCKERFILE

measure() { # name socket extra-build-flags...
    local name=$1 sock=$2; shift 2
    export DOCKER_HOST=unix://$sock DOCKER_CONFIG=$work/dockercfg-$name
    docker import "$work/busybox.tar" busybox:latest >/dev/null
    docker build -q "$@" -t bench:warm "$ctx" >/dev/null 2>&1   # warm-up (and fills the cache)
    local cold=() warm=()
    for _ in $(seq 1 "$RUNS"); do
        local t0; t0=$(now)
        docker build -q --no-cache "$@" -t bench:1 "$ctx" >/dev/null 2>&1
        cold+=("$(elapsed "$t0")")
    done
    for _ in $(seq 1 "$RUNS"); do
        local t0; t0=$(now)
        docker build -q "$@" -t bench:1 "$ctx" >/dev/null 2>&1
        warm+=("$(elapsed "$t0")")
    done
    COLD=$(printf '%s\n' "${cold[@]}" | median)
    WARM=$(printf '%s\n' "${warm[@]}" | median)
    printf '%-8s build --no-cache median %.3f s   cached rebuild median %.3f s   (%d runs each)\n' "$name" "$COLD" "$WARM" "$RUNS"
    unset DOCKER_HOST DOCKER_CONFIG
}

start_berthd
measure berthd "$work/b-exec/berth.sock"
B_COLD=$COLD; B_WARM=$WARM
[ "$WITH_DOCKERD" = 1 ] || exit 0
start_dockerd
measure dockerd "$work/d-exec/docker.sock" --network none
printf 'ratios berthd/dockerd (time; < 1 means berthd is faster): no cache %.2f   cached %.2f\n' \
    "$(echo "$B_COLD / $COLD" | bc -l)" "$(echo "$B_WARM / $WARM" | bc -l)"
