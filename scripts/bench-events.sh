#!/bin/bash
# Event stream benchmark (issue 6): how fast berthd streams history from its log.
#   1. writes a synthetic data root of --events N events (default 1,000,000; io.berth.daemon.history.
#      SyntheticLog from daemon's test classes, the log the boot benchmark uses)
#   2. starts bin/berthd on it (--no-side-effects: the synthetic containers never existed on this host)
#   3. --runs times (default 5) reads the whole log as `docker events --since 0 --until NOW` does
#      (GET /events, Docker's messages) and as berth's raw stream (GET /berth/events), and prints the
#      median wall time, log events per second and messages per second of each
# dockerd cannot be compared: it keeps 256 events in memory. Run after 'mvn -DskipTests package'.
set -euo pipefail
cd "$(dirname "$0")/.."
EVENTS=1000000; RUNS=5; KEEP=0
while [ $# -gt 0 ]; do
    case "$1" in
        --events) EVENTS=$2; shift ;;
        --runs) RUNS=$2; shift ;;
        --keep) KEEP=1 ;;
        *) echo "usage: $0 [--events N] [--runs N] [--keep]" >&2; exit 2 ;;
    esac
    shift
done
. scripts/bench-lib.sh
bench_scratch events
synthetic_log "$work/data" "$EVENTS"
sock=$work/exec/berth.sock
mkdir -p "$work/exec"
bin/berthd --data-root "$work/data" --exec-root "$work/exec" -H "unix://$sock" "${BERTHD_NET_FLAGS[@]}" \
    --no-side-effects --log-level warn >"$work/berthd.log" 2>&1 &
pids+=("$!")
wait_ping "$sock" 300
until=$(date +%s)
# stream PATH NAME: $RUNS reads of PATH; prints the median time and rates
stream() {
    local path=$1 name=$2 times=() t0 lines
    lines=$(curl -sf --unix-socket "$sock" "http://localhost$path" | wc -l) # warm-up, and the message count
    for _ in $(seq 1 "$RUNS"); do
        t0=$(now)
        curl -sf --unix-socket "$sock" "http://localhost$path" >/dev/null
        times+=("$(elapsed "$t0")")
    done
    printf '%s\n' "${times[@]}" | median | awk -v n="$EVENTS" -v m="$lines" -v name="$name" '{
        printf "%-28s median %.2f s: %.0f log events/s, %.0f messages/s (%d messages)\n", name, $1, n / $1, m / $1, m }'
}
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg)"
stream "/v1.47/events?since=0&until=$until" "docker events --since 0"
stream "/berth/events?until=$until" "berth events --raw"
