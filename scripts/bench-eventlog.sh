#!/usr/bin/env bash
# JMH benchmarks of the event log (module benchmarks/): append latency (SampleTime: p50/p99/p99.9 per
# append, default mode and fsync, batches of 1/10/100), replay and cursor throughput (events/s), and seek
# costs. Builds the benchmark jar, runs it with the JVM flags Chronicle Queue needs, prints the figures
# and keeps JMH's JSON in $out.
#
#   scripts/bench-eventlog.sh                  # everything (~10 minutes)
#   scripts/bench-eventlog.sh Append -p fsync=false -p batch=1    # any JMH arguments: a regexp, -p, -i ...
#
# BENCH_DIR: where the logs are written (default /var/tmp/berth-bench: a real disk, not tmpfs, so that
# fsync means something). The machine's load average is printed before and after: note it with the figures.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${BENCH_OUT:-target/bench-eventlog}
bench_dir=${BENCH_DIR:-/var/tmp/berth-bench}
mkdir -p "$out" "$bench_dir"

mvn -o -q -B -Dstyle.color=never -pl benchmarks -am package -DskipTests

# Chronicle Queue on JDK 17 (see event-log/README.md, "JVM flags and start-up")
jvm_flags=(
    --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
    --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
    --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
    --add-opens=java.base/java.lang=ALL-UNNAMED
    -Dchronicle.announcer.disable=true -Dchronicle.analytics.disable=true -Dchronicle.disk.monitor.disable=true
    -Dorg.slf4j.simpleLogger.defaultLogLevel=warn
    -Dbench.dir="$bench_dir"
)

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg) ($(nproc) cores)"
args=("$@")
[ ${#args[@]} -gt 0 ] || args=(io.berth.benchmarks)
java -jar benchmarks/target/benchmarks.jar -jvmArgsAppend "${jvm_flags[*]}" \
    -rf json -rff "$out/result.json" "${args[@]}" | tee "$out/output.txt" | grep -E '^(Benchmark |[A-Za-z]+Benchmark\.)' || true
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "JMH output: $out/output.txt, JSON: $out/result.json"
