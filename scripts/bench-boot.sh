#!/bin/bash
# Boot benchmark (issue 6): berthd's process start to its first answered /_ping with a long event log.
#   1. writes a synthetic data root of --events N events (default 1,000,000; io.berth.daemon.history.
#      SyntheticLog from daemon's test classes: containers created, started, stopped, removed with about 300
#      alive at a time, networks, images) and the snapshots the journal would have taken (every 100,000)
#   2. starts bin/berthd on it --starts N times (default 5) each: without snapshots (a full replay), with
#      them all (a clean stop leaves one at the log's end), and without the newest one (after a crash: the
#      last interval, 100,000 events, is replayed), and prints for each the median, min and max from the
#      process start to the first answered /_ping and to the first answered /containers/json (which waits
#      for the rebuilt state), plus the boot timings of berthd's debug log of the last start of each kind
# berthd runs with --no-side-effects: the synthetic containers and networks never existed on this host, and
# a reconciliation would only record their ends (it also runs after the first ping). Everything lives in a
# scratch directory under /var/tmp, removed at the end (--keep keeps it). Run after 'mvn -DskipTests package'.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=1000000; STARTS=5; KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS=$2; shift ;;
        --starts) STARTS=$2; shift ;;
        --keep) KEEP=1 ;;
        *) echo "usage: $0 [--events N] [--starts N] [--keep]" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-lib.sh
bench_scratch boot
synthetic_log "$work/data" "$EVENTS" --snapshot-interval 100000
mv "$work/data/snapshots" "$work/snapshots"
du -sh "$work/data/events" "$work/snapshots" | sed 's/^/  /'

# boot KIND: $STARTS starts on $work/data (KIND: no-snapshot, snapshot-at-end or snapshot-100k-back);
# prints the medians and keeps the last debug log
boot() {
    local kind=$1 times=() lists=() t0 pid sock=$work/exec/berth.sock
    # one start that is not measured: the JDK's start-up cache (bin/berthd trains it once per build)
    for i in $(seq 0 "$STARTS"); do
        rm -rf "$work/exec"; mkdir -p "$work/exec"
        rm -rf "$work/data/snapshots"
        case "$kind" in
            snapshot-at-end) cp -r "$work/snapshots" "$work/data/snapshots" ;;
            snapshot-100k-back) cp -r "$work/snapshots" "$work/data/snapshots"
                   rm "$(ls -d "$work/data/snapshots"/snapshot-* | tail -n 1)" ;;
        esac
        t0=$(now)
        bin/berthd --data-root "$work/data" --exec-root "$work/exec" -H "unix://$sock" "${BERTHD_NET_FLAGS[@]}" \
            --no-side-effects --log-level debug >"$work/berthd-$kind.log" 2>&1 &
        pid=$!; pids+=("$pid")
        wait_ping "$sock" 120
        [ "$i" = 0 ] || times+=("$(elapsed "$t0")")
        # a client that pings and then lists sees the replayed containers
        list=$(curl -sf --unix-socket "$sock" 'http://localhost/containers/json?all=1') \
            || { echo "$0: /containers/json failed after the ping; see $work/berthd-$kind.log" >&2; KEEP=1; exit 1; }
        [ "$i" = 0 ] || lists+=("$(elapsed "$t0")")
        n=$( (grep -o '"Id"' <<<"$list" || true) | wc -l)
        kill "$pid"; wait "$pid" 2>/dev/null || true
    done
    summary "$kind" "first /_ping" "${times[@]}"
    summary "$kind" "first list" "${lists[@]}"
    echo "  ($n containers listed)"
}

# summary KIND WHAT SECONDS...: one line with the median, min and max
summary() {
    local kind=$1 what=$2; shift 2
    printf '%s\n' "$@" | sort -n | awk -v kind="$kind" -v what="$what" '{a[NR]=$1} END {
        m = (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2
        printf "%-22s start to %-13s median %.3f s, min %.3f s, max %.3f s (%d starts)\n", kind, what ":", m, a[1], a[NR], NR }'
}

boot no-snapshot
boot snapshot-at-end
boot snapshot-100k-back
for kind in no-snapshot snapshot-at-end snapshot-100k-back; do
    echo "berthd's boot timings, last start ($kind):"
    grep -E 'starting,|after [0-9]+ ms|restored|replayed|ready in' "$work/berthd-$kind.log" | sed 's/^/  /'
done
