# Shared by the benchmark scripts (source it): timing, medians, and daemons on their own roots.
# Callers set $work (a scratch directory) and keep the pids they start in the array "pids".

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
elapsed() { echo "$(now) - $1" | bc; }
ping_ok() { curl -sf --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }
# wait_ping SOCKET [SECONDS]: waits until the daemon on SOCKET answers /_ping (6 s unless said otherwise)
wait_ping() {
    for _ in $(seq 1 $((${2:-6} * 100))); do ping_ok "$1" && return 0; sleep 0.01; done
    echo "no ping on $1" >&2; return 1
}
# median_runs N CMD...: runs CMD N times (output discarded) and prints the median wall time in seconds
median_runs() {
    local n=$1 times=() t0; shift
    for _ in $(seq 1 "$n"); do t0=$(now); "$@" >/dev/null; times+=("$(elapsed "$t0")"); done
    printf '%s\n' "${times[@]}" | median
}
# in_netns NS CMD...: CMD in the network namespace NS (its mounts stay the host's, unlike ip netns exec);
# CMD as is when NS is empty
in_netns() {
    local ns=$1; shift
    if [ -n "$ns" ]; then nsenter --net="/run/netns/$ns" "$@"; else "$@"; fi
}

# The benchmarks' berthd has a default bridge and subnets of its own, so that it never meets a developer's
# berthd (berth0, 10.209.0.0/16) nor the end-to-end tests' daemons (10.220.0.0/16, 10.221.0.0/16).
BERTHD_BRIDGE=berthbench0
BERTHD_NET_FLAGS=(--bridge "$BERTHD_BRIDGE" --bip 10.218.0.1/24 --default-address-pool base=10.219.0.0/16,size=24)

# start_berthd: berthd on $work/b-data, socket $work/b-exec/berth.sock
start_berthd() {
    mkdir -p "$work/b-data" "$work/b-exec"
    bin/berthd --data-root "$work/b-data" --exec-root "$work/b-exec" -H "unix://$work/b-exec/berth.sock" \
        "${BERTHD_NET_FLAGS[@]}" --log-level warn >>"$work/berthd.log" 2>&1 &
    pids+=("$!")
    wait_ping "$work/b-exec/berth.sock"
}

# berth_daemon_id DATA EXEC: the id berthd derives from its roots (its iptables chains are BERTH-<id>-...)
berth_daemon_id() { printf '%s\0%s' "$1" "$2" | sha256sum | cut -c1-8; }

# remove_berth_network DATA EXEC: what a stopped berthd of these roots keeps of its networks for containers
# that outlive it: its default bridge and its iptables chains (with the jumps into them)
remove_berth_network() {
    local id table rule chain
    id=$(berth_daemon_id "$1" "$2")
    ip link del "$BERTHD_BRIDGE" 2>/dev/null || true
    for table in filter nat; do
        iptables-save -t "$table" | grep -E "^-A [A-Z]+ .*-j BERTH-$id-" | sed 's/^-A /-D /' | while read -r rule; do
            # shellcheck disable=SC2086 # a rule is its words
            iptables -t "$table" $rule || true
        done
        iptables-save -t "$table" | sed -n "s/^:\(BERTH-$id-[A-Za-z0-9_-]*\) .*/\1/p" | while read -r chain; do
            iptables -t "$table" -F "$chain" && iptables -t "$table" -X "$chain" || true
        done
    done
}

# start_dockerd: Debian's dockerd on $work/d-data, socket $work/d-exec/docker.sock, no bridge and no
# firewall changes (the host's iptables are saved first and restored by the caller's cleanup when
# RESTORE_IPTABLES is set).
start_dockerd() {
    need_dockerd
    iptables-save > "$work/iptables.save"; RESTORE_IPTABLES=1
    mkdir -p "$work/d-data" "$work/d-exec"
    dockerd --data-root "$work/d-data" --exec-root "$work/d-exec" -H "unix://$work/d-exec/docker.sock" \
        --pidfile "$work/d-exec/docker.pid" --bridge none --iptables=false --ip-forward=false \
        >>"$work/dockerd.log" 2>&1 &
    pids+=("$!")
    wait_ping "$work/d-exec/docker.sock" 30
}

# start_dockerd_netns: Debian's dockerd with its default bridge, iptables and ip forwarding inside a new
# network namespace $DOCKERD_NETNS (only lo), on $work/n-data, socket $work/n-exec/docker.sock: nothing it
# does to links, routes or firewall tables reaches the host. stop_daemons deletes the namespace.
start_dockerd_netns() {
    need_dockerd
    DOCKERD_NETNS=berth-bench-$$
    ip netns add "$DOCKERD_NETNS"
    ip -n "$DOCKERD_NETNS" link set lo up
    mkdir -p "$work/n-data" "$work/n-exec"
    # nsenter itself, not a function around it, so that $! is dockerd's pid (nsenter execs it)
    nsenter --net="/run/netns/$DOCKERD_NETNS" dockerd --data-root "$work/n-data" --exec-root "$work/n-exec" \
        -H "unix://$work/n-exec/docker.sock" --pidfile "$work/n-exec/docker.pid" >>"$work/dockerd-netns.log" 2>&1 &
    pids+=("$!")
    wait_ping "$work/n-exec/docker.sock" 30
}

need_dockerd() {
    command -v dockerd >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }
}

# stop_daemons: stops what start_* started, restores the firewall, removes the bench berthd's network and
# dockerd's namespace, unmounts and removes $work
stop_daemons() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${RESTORE_IPTABLES:-}" ]; then iptables-restore < "$work/iptables.save" || true; fi
    if [ -d "$work/b-data" ]; then remove_berth_network "$work/b-data" "$work/b-exec"; fi
    if [ -n "${DOCKERD_NETNS:-}" ]; then ip netns del "$DOCKERD_NETNS" 2>/dev/null || true; fi
    { grep -o " $work[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$work" || true
}

# bench_scratch NAME: a scratch directory $work under /var/tmp, removed at exit (kept when $KEEP is 1), and
# the daemons in "pids" killed first
bench_scratch() {
    work=$(mktemp -d "/var/tmp/berth-bench-$1.XXXXXX")
    pids=()
    trap bench_scratch_cleanup EXIT
}
bench_scratch_cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ "${KEEP:-0}" = 0 ]; then rm -rf "$work"; else echo "kept $work"; fi
}

# synthetic_log DATA_ROOT EVENTS [--snapshot-interval K]: a data root holding a synthetic event log (containers
# created, started, stopped, removed with about 300 alive at a time, networks, images: io.berth.daemon.history.
# SyntheticLog from daemon's test classes), run with the JDK and flags of bin/berthd
synthetic_log() {
    local env java flags home
    env=$(sh -c '. "$1"; echo "$BERTH_JAVA|$BERTH_JVM_FLAGS|$BERTH_HOME"' bin/berthd bin/java-env.sh)
    IFS='|' read -r java flags home <<<"$env"
    [ -d daemon/target/test-classes/io/berth/daemon/history ] || mvn -o -q -B -pl daemon -am test-compile -Dstyle.color=never
    echo "writing $2 events ..."
    # shellcheck disable=SC2086
    "$java" $flags -Dorg.slf4j.simpleLogger.log.net.openhft=warn -cp "daemon/target/test-classes:$home/lib/*" \
        io.berth.daemon.history.SyntheticLog "$@"
}
