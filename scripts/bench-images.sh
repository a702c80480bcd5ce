#!/bin/bash
# Image benchmark: berthd (and, with --dockerd, Debian's dockerd side by side on its own socket and data
# root), driven by the docker CLI, with a local registry from Debian's docker-registry on 127.0.0.1.
#   - a ~200 MB image of 4 layers (each 25 MB of random bytes and 25 MB of text), built the same way on
#     both daemons (import busybox, then run + commit four times)
#   - docker save -o, docker load -i (after rmi), docker push (to an empty registry), docker pull (after
#     rmi): seconds and MB/s
#   - GET /system/df with 100 images and 200 containers: median of 20 calls
# Prints each figure and the berthd/dockerd throughput ratios (> 1 means berthd is faster).
# Run as root after 'mvn -DskipTests package'. With --dockerd it saves the host's iptables rules and
# restores them afterwards. --only load|save|push|pull times that one step (and what it needs) and skips
# the rest, the /system/df figure included, for quicker runs while working on one of them.
# --warm N loads the image N times, untimed, before the timed load: the steady state of a daemon that has
# loaded before, rather than the first load of a fresh one (which, for berthd, includes compiling the path).
set -euo pipefail
cd "$(dirname "$0")/.."
WITH_DOCKERD=0; MB=25; ONLY=; WARM=0
while [ $# -gt 0 ]; do
    case "$1" in
        --dockerd) WITH_DOCKERD=1 ;;
        --layer-mb) MB=$2; shift ;;
        --warm) WARM=$2; shift ;;
        --only) ONLY=$2; shift
                case "$ONLY" in save|load|push|pull) ;; *) echo "$0: --only save|load|push|pull" >&2; exit 2 ;; esac ;;
        *) echo "usage: $0 [--dockerd] [--layer-mb N] [--only save|load|push|pull] [--warm N]" >&2; exit 2 ;;
    esac
    shift
done
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
command -v docker-registry >/dev/null || { echo "$0: needs docker-registry (scripts/packages.sh)" >&2; exit 1; }
work=$(mktemp -d /var/tmp/berth-bench-images.XXXXXX)
pids=()
. scripts/bench-lib.sh
trap stop_daemons EXIT

command -v bc >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq bc >/dev/null; }
scripts/busybox-rootfs.sh "$work/busybox.tar"

start_registry() { # name port
    mkdir -p "$work/$1"
    cat > "$work/$1/config.yml" <<EOF
version: 0.1
log: {level: error}
storage: {filesystem: {rootdirectory: $work/$1/data}}
http: {addr: 127.0.0.1:$2}
EOF
    docker-registry serve "$work/$1/config.yml" >>"$work/$1.log" 2>&1 &
    pids+=("$!")
    for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$2/v2/" >/dev/null && return 0; sleep 0.05; done
    echo "registry $1 did not start" >&2; return 1
}

measure() { # name socket registry-port
    local name=$1 port=$3
    export DOCKER_HOST=unix://$2 DOCKER_CONFIG=$work/dockercfg-$name
    docker import "$work/busybox.tar" busybox:latest >/dev/null
    local img=busybox:latest
    for i in 1 2 3 4; do
        docker run --network none --name "layer$i" "$img" sh -c \
            "head -c $((MB * 1024 * 1024)) /dev/urandom > /random$i; seq 1 $((MB * 1024 * 1024 / 7)) | head -c $((MB * 1024 * 1024)) > /text$i" >/dev/null
        docker commit "layer$i" "big:$i" >/dev/null
        docker rm "layer$i" >/dev/null
        img=big:$i
    done
    docker tag big:4 "127.0.0.1:$port/big:1"
    local size_mb; size_mb=$(docker image inspect -f '{{.Size}}' big:4 | awk '{printf "%.0f", $1 / 1000000}')
    local t0 t_save=0 t_load=0 t_push=0 t_pull=0
    if [ -z "$ONLY" ] || [ "$ONLY" = save ] || [ "$ONLY" = load ]; then
        t0=$(now); docker save -o "$work/$name.tar" big:4; t_save=$(elapsed "$t0")
    fi
    if [ -z "$ONLY" ] || [ "$ONLY" = load ]; then
        docker rmi big:4 big:3 big:2 big:1 >/dev/null
        for _ in $(seq 1 "$WARM"); do
            docker load -q -i "$work/$name.tar" >/dev/null
            docker rmi big:4 >/dev/null
        done
        t0=$(now); docker load -q -i "$work/$name.tar" >/dev/null; t_load=$(elapsed "$t0")
    fi
    rm -f "$work/$name.tar"
    if [ -z "$ONLY" ] || [ "$ONLY" = push ] || [ "$ONLY" = pull ]; then
        t0=$(now); docker push -q "127.0.0.1:$port/big:1" >/dev/null; t_push=$(elapsed "$t0")
    fi
    if [ -z "$ONLY" ] || [ "$ONLY" = pull ]; then
        docker rmi big:4 "127.0.0.1:$port/big:1" >/dev/null
        t0=$(now); docker pull -q "127.0.0.1:$port/big:1" >/dev/null; t_pull=$(elapsed "$t0")
    fi
    figure() { # label seconds
        if [ "$2" = 0 ]; then printf '  %s -' "$1"; else printf '  %s %.2f s (%.0f MB/s)' "$1" "$2" "$(echo "$size_mb / $2" | bc -l)"; fi
    }
    printf '%-8s %s MB image:%s%s%s%s\n' "$name" "$size_mb" "$(figure save "$t_save")" "$(figure load "$t_load")" \
        "$(figure push "$t_push")" "$(figure pull "$t_pull")"
    SAVE=$t_save; LOAD=$t_load; PUSH=$t_push; PULL=$t_pull
    if [ -n "$ONLY" ]; then
        unset DOCKER_HOST DOCKER_CONFIG
        return 0
    fi

    # system df with 100 images and 200 containers
    for i in $(seq 1 100); do
        mkdir -p "$work/img$i"; echo "$i" > "$work/img$i/file$i"
        tar -C "$work/img$i" -cf "$work/img$i.tar" .
        docker import "$work/img$i.tar" "many:$i" >/dev/null
        rm -rf "$work/img$i" "$work/img$i.tar"
    done
    for i in $(seq 1 200); do docker create --network none busybox true >/dev/null || { echo "$name: create $i failed" >&2; break; }; done
    # the daemon's answer, timed from a client that keeps no process start in the figure (curl costs ~5 ms)
    DF=$(python3 - "$2" <<'PY'
import socket, sys, time
def call(path):
    s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
    s.sendall(("GET %s HTTP/1.1\r\nHost: d\r\nConnection: close\r\n\r\n" % path).encode())
    while s.recv(1 << 16):
        pass
    s.close()
times = []
for _ in range(20):
    t = time.perf_counter(); call("/v1.43/system/df"); times.append(time.perf_counter() - t)
times.sort()
print("%.1f %.1f" % (times[0] * 1000, (times[9] + times[10]) / 2 * 1000))
PY
)
    local t_cli; t0=$(now); docker system df >/dev/null; t_cli=$(elapsed "$t0")
    printf '%-8s GET /system/df with %s images and %s containers: fastest %s ms, median %s ms of 20; docker system df %.0f ms\n' \
        "$name" "$(docker images -q | wc -l)" "$(docker ps -aq | wc -l)" ${DF% *} ${DF#* } "$(echo "$t_cli * 1000" | bc -l)"
    docker rm -f $(docker ps -aq) >/dev/null
    unset DOCKER_HOST DOCKER_CONFIG
}

# ---- berthd
mkdir -p "$work/b-data" "$work/b-exec"
bin/berthd --version >/dev/null   # the start-up cache is trained once per build
start_berthd
start_registry reg-b 5091
measure berthd "$work/b-exec/berth.sock" 5091
B_SAVE=$SAVE; B_LOAD=$LOAD; B_PUSH=$PUSH; B_PULL=$PULL

[ "$WITH_DOCKERD" = 1 ] || exit 0
# ---- dockerd (Debian's docker.io) on its own roots
start_dockerd
start_registry reg-d 5092
measure dockerd "$work/d-exec/docker.sock" 5092
ratio() { if [ "$2" = 0 ]; then echo -; else printf '%.2f' "$(echo "$1 / $2" | bc -l)"; fi; }
echo "throughput berthd/dockerd: save $(ratio "$SAVE" "$B_SAVE")  load $(ratio "$LOAD" "$B_LOAD")  push $(ratio "$PUSH" "$B_PUSH")  pull $(ratio "$PULL" "$B_PULL")"
