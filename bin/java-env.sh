# Sourced by bin/berthd and bin/berth: finds the distribution and the newest JDK, and the JVM flags
# berth needs (Chronicle Queue's module access; native access for JNA and Netty on JDK 22+).
BERTH_SRC=$(cd "$(dirname "$0")/.." && pwd)
BERTH_HOME=${BERTH_HOME:-$BERTH_SRC/distribution/target/berth}
if [ ! -d "$BERTH_HOME/lib" ] || [ ! -d "$BERTH_HOME/plugins" ]; then
    echo "$(basename "$0"): no berth distribution at $BERTH_HOME" >&2
    echo "build it first: (cd $BERTH_SRC && mvn -q -DskipTests package)" >&2
    exit 2
fi
if [ -z "${BERTH_JAVA:-}" ]; then
    BERTH_JAVA=java
    for jdk in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-25-jdk /usr/lib/jvm/java-25-openjdk-amd64; do
        if [ -x "$jdk/bin/java" ]; then BERTH_JAVA="$jdk/bin/java"; break; fi
    done
fi
BERTH_JVM_FLAGS="--add-exports=java.base/jdk.internal.ref=ALL-UNNAMED --add-exports=java.base/sun.nio.ch=ALL-UNNAMED --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.lang=ALL-UNNAMED -Dchronicle.analytics.disable=true"
# the JDK's major version from its release file (running java -version would cost a JVM start)
berth_release=$(dirname "$(dirname "$(readlink -f "$(command -v "$BERTH_JAVA")")")")/release
BERTH_JAVA_MAJOR=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$berth_release" 2>/dev/null || true)
[ -n "$BERTH_JAVA_MAJOR" ] || BERTH_JAVA_MAJOR=$("$BERTH_JAVA" -version 2>&1 | head -n 1 | sed -E 's/.*version "([0-9]+).*/\1/')
if [ "$BERTH_JAVA_MAJOR" -ge 22 ] 2>/dev/null; then
    BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow"
fi
# Start-up caches of the app's classes, written at the first clean exit and used from then on (about half
# the start-up time): JDK 25's AOT cache, else JDK 19+'s dynamic CDS archive. A cache older than any jar
# is dropped, so a rebuild trains a new one.
berth_cds() { # name [dynamic]   ("dynamic": the CDS archive even on JDK 25, for short-lived processes that
                #                   may start side by side, where one AOT training run per process would cost)
    [ -w "$BERTH_HOME" ] || return 0
    if [ "$BERTH_JAVA_MAJOR" -ge 25 ] 2>/dev/null && [ "${2:-}" != dynamic ]; then
        cache="$BERTH_HOME/$1.aot"
        if [ -f "$cache" ] && [ -n "$(find "$BERTH_HOME/lib" "$BERTH_HOME/plugins" -newer "$cache" -name '*.jar' 2>/dev/null | head -n 1)" ]; then
            rm -f "$cache"
        fi
        if [ -f "$cache" ]; then
            echo "-XX:AOTCache=$cache -Xlog:aot=off -Xlog:cds=off"
        else
            echo "-XX:AOTCacheOutput=$cache -Xlog:aot=off -Xlog:cds=off"
        fi
    elif [ "$BERTH_JAVA_MAJOR" -ge 19 ] 2>/dev/null; then
        echo "-XX:+AutoCreateSharedArchive -XX:SharedArchiveFile=$BERTH_HOME/$1.jsa -Xlog:cds=off -Xlog:cds+dynamic=off"
    fi
}
