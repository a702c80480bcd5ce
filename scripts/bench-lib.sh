# Shared by the benchmark scripts (source it): timing, medians, and daemons on their own roots.
# Callers set $work (a scratch directory) and keep the pids they start in the array "pids".

now() { date +%s.%N; }
median() { sort -n | awk '{a[NR]=$1} END {if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }
elapsed() { echo "$(now) - $1" | bc; }
ping_ok() { curl -sf --unix-socket "$1" http://localhost/_ping >/dev/null 2>&1; }
wait_ping() { for _ in $(seq 1 600); do ping_ok "$1" && return 0; sleep 0.01; done; echo "no ping on $1" >&2; return 1; }

# start_berthd: berthd on $work/b-data, socket $work/b-exec/berth.sock
start_berthd() {
    mkdir -p "$work/b-data" "$work/b-exec"
    bin/berthd --data-root "$work/b-data" --exec-root "$work/b-exec" -H "unix://$work/b-exec/berth.sock" \
        --log-level warn >>"$work/berthd.log" 2>&1 &
    pids+=("$!")
    wait_ping "$work/b-exec/berth.sock"
}

# start_dockerd: Debian's dockerd on $work/d-data, socket $work/d-exec/docker.sock, no bridge and no
# firewall changes (the host's iptables are saved first and restored by the caller's cleanup when
# RESTORE_IPTABLES is set).
start_dockerd() {
    command -v dockerd >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq docker.io >/dev/null; }
    iptables-save > "$work/iptables.save"; RESTORE_IPTABLES=1
    mkdir -p "$work/d-data" "$work/d-exec"
    dockerd --data-root "$work/d-data" --exec-root "$work/d-exec" -H "unix://$work/d-exec/docker.sock" \
        --pidfile "$work/d-exec/docker.pid" --bridge none --iptables=false --ip-forward=false \
        >>"$work/dockerd.log" 2>&1 &
    pids+=("$!")
    wait_ping "$work/d-exec/docker.sock"
}

# stop_daemons: stops what start_* started, restores the firewall, unmounts and removes $work
stop_daemons() {
    for p in "${pids[@]:-}"; do [ -n "$p" ] && kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    if [ -n "${RESTORE_IPTABLES:-}" ]; then iptables-restore < "$work/iptables.save" || true; fi
    { grep -o " $work[^ ]*" /proc/mounts || true; } | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    rm -rf "$work" || true
}
