package io.berth.benchmarks;

import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.Envelope;
import io.berth.eventlog.EventCursor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Reading a log of {@link #EVENTS} events (batches of 10, the ~300-byte payload): a full replay and a
 * full cursor read (figures are events per second), and the cost of a seek (a cursor at a random
 * position and its first event; a search by time).
 */
@State(Scope.Benchmark)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ReadBenchmark {

    static final int EVENTS = 1_000_000;
    private static final int BATCH = 10;

    private Path dir;
    private ChronicleEventLog log;
    private long firstTime;
    private long lastTime;

    @Setup(Level.Trial)
    public void fill() {
        dir = Events.scratchDirectory("read");
        try (ChronicleEventLog writer = ChronicleEventLog.open(dir, false)) {
            for (int i = 0; i < EVENTS; i += BATCH) {
                List<Envelope> stored = writer.append(Events.batch(BATCH, i));
                if (i == 0) {
                    firstTime = stored.get(0).timeNanos();
                }
                lastTime = stored.get(0).timeNanos();
            }
        }
        log = ChronicleEventLog.open(dir, false);
    }

    @TearDown(Level.Trial)
    public void close() {
        log.close();
        Events.delete(dir);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(EVENTS)
    public long replayAll(Blackhole bh) {
        return log.replay(1, bh::consume);
    }

    @Benchmark
    @BenchmarkMode(Mode.Throughput)
    @OutputTimeUnit(TimeUnit.SECONDS)
    @OperationsPerInvocation(EVENTS)
    public long cursorAll(Blackhole bh) {
        try (EventCursor c = log.cursor(1)) {
            for (Envelope e = c.next(); e != null; e = c.next()) {
                bh.consume(e);
            }
            return c.position();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public Envelope cursorSeek() {
        try (EventCursor c = log.cursor(1 + ThreadLocalRandom.current().nextLong(EVENTS))) {
            return c.next();
        }
    }

    @Benchmark
    @BenchmarkMode(Mode.AverageTime)
    @OutputTimeUnit(TimeUnit.MICROSECONDS)
    public long seekByTime() {
        return log.firstPositionAtOrAfter(ThreadLocalRandom.current().nextLong(firstTime, lastTime + 1));
    }
}
