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
case "$("$BERTH_JAVA" -version 2>&1 | head -n 1)" in
    *\"1.*|*\"9*|*\"1[0-9].*|*\"2[01].*) ;;
    *) BERTH_JVM_FLAGS="$BERTH_JVM_FLAGS --enable-native-access=ALL-UNNAMED --sun-misc-unsafe-memory-access=allow" ;;
esac
