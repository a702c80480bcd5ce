# Sourced by bin/berthd and bin/berth: finds the distribution and the newest JDK, and the JVM flags
# berth needs (Chronicle Queue's module access; native access for JNA and Netty on JDK 22+).
# Every start of berthd and berth runs this, so it starts no program where the shell can do the work
# itself (each one costs milliseconds: dirname, uname, readlink, sed and find cost ~50 ms together).
case $0 in */*) berth_bin=${0%/*} ;; *) berth_bin=. ;; esac
BERTH_SRC=$(cd "$berth_bin/.." && pwd)
BERTH_HOME=${BERTH_HOME:-$BERTH_SRC/distribution/target/berth}
if [ ! -d "$BERTH_HOME/lib" ] || [ ! -d "$BERTH_HOME/plugins" ]; then
    echo "$(basename "$0"): no berth distribution at $BERTH_HOME" >&2
    echo "build it first: (cd $BERTH_SRC && mvn -q -DskipTests package)" >&2
    exit 2
fi
berth_release=
if [ -z "${BERTH_JAVA:-}" ]; then
    BERTH_JAVA=java
    for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
        if [ -x "$jdk/bin/java" ]; then BERTH_JAVA="$jdk/bin/java"; berth_release=$jdk/release; break; fi
    done
fi
BERTH_JVM_FLAGS="--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED -Dchronicle.analytics.disable=true"
# Start-up work berth has no use for: Netty's JFR events for its buffer allocator (registering them starts
# JFR's metadata on the first request), and Vert.x's DNS resolver (berth's Vert.x only uses unix sockets;
# the registry client is the JDK's HttpClient). JNA loads its native stub from the distribution instead
# of extracting it from its jar at each start.
BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS -Dio.netty.jfr.enabled=false -Dvertx.disableDnsResolver=true"
berth_arch=
read -r berth_arch </proc/sys/kernel/arch 2>/dev/null || berth_arch=$(uname -m)
case "$berth_arch" in
    x86_64) BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS -Djna.boot.library.path=$BERTH_HOME/lib/native/linux-x86-64" ;;
    aarch64) BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS -Djna.boot.library.path=$BERTH_HOME/lib/native/linux-aarch64" ;;
esac
# the JDK's major version from its release file (running java -version would cost a JVM start)
[ -n "$berth_release" ] || berth_release=$(dirname "$(dirname "$(readlink -f "$(command -v "$BERTH_JAVA")")")")/release
BERTH_JAVA_MAJOR=
if [ -r "$berth_release" ]; then
    while IFS= read -r berth_line; do
        case $berth_line in
            JAVA_VERSION=*) berth_line=${berth_line#JAVA_VERSION=\"}; BERTH_JAVA_MAJOR=${berth_line%%[!0-9]*}; break ;;
        esac
    done <"$berth_release"
fi
[ -n "$BERTH_JAVA_MAJOR" ] || BERTH_JAVA_MAJOR=$("$BERTH_JAVA" -version 2>&1 | head -n 1 | sed -E 's/.*version "([0-9]+).*/\1/')
if [ "$BERTH_JAVA_MAJOR" -ge 22 ] 2>/dev/null; then
    BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
fi
# Start-up caches of the app's classes (about half the start-up time). A cache older than any jar is
# dropped, so a rebuild makes a new one.
#   berth_cds berthd          JDK 25's AOT cache, trained once per build by a separate run of
#                             io.berth.daemon.AotTraining (a daemon on throw-away roots answering a docker
#                             client's first calls), under a lock so daemons started side by side train once;
#                             needs root like berthd itself. Without a JDK 25: a dynamic CDS archive.
#   berth_cds berth dynamic   JDK 19+'s dynamic CDS archive, written at the first clean exit (short-lived
#                             processes that may start side by side).
berth_cds() { # name [dynamic]
    [ -w "$BERTH_HOME" ] || return 0
    if [ "$BERTH_JAVA_MAJOR" -ge 25 ] 2>/dev/null && [ "${2:-}" != dynamic ]; then
        cache="$BERTH_HOME/$1.aot"
        berth_drop_stale "$cache"
        [ -f "$cache" ] || berth_aot_train "$cache" >/dev/null 2>&1 || true
        if [ -f "$cache" ]; then
            echo "-XX:AOTCache=$cache -Xlog:aot=off -Xlog:cds=off"
        fi
    elif [ "$BERTH_JAVA_MAJOR" -ge 19 ] 2>/dev/null; then
        berth_drop_stale "$BERTH_HOME/$1.jsa"
        echo "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$BERTH_HOME/$1.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
    fi
}
berth_drop_stale() { # cache file
    [ -f "$1" ] || return 0
    for berth_jar in "$BERTH_HOME"/lib/*.jar "$BERTH_HOME"/plugins/*.jar; do
        if [ "$berth_jar" -nt "$1" ]; then
            rm -f "$1"
            return 0
        fi
    done
}
berth_aot_train() { # cache file; output goes to $cache.log
    (
        flock 9
        [ -f "$1" ] && exit 0   # another start trained it while this one waited
        tmp="$1.$$.tmp"
        if "$BERTH_JAVA" $BERTH_JVM_FLAGS -XX:AOTCacheOutput="$tmp" -Xlog:aot=off -Xlog:cds=off -XX:+UseSerialGC -XX:-UsePerfData \
                -Xss512k -Dberth.home="$BERTH_HOME" -cp "$BERTH_HOME/lib/*" io.berth.daemon.AotTraining \
                >"$1.log" 2>&1 && [ -s "$tmp" ]; then
            mv -f "$tmp" "$1"
        else
            rm -f "$tmp"
            exit 1
        fi
    ) 9>"$BERTH_HOME/.aot-training.lock"
}
