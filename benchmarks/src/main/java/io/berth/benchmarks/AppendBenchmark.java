package io.berth.benchmarks;

import io.berth.eventlog.ChronicleEventLog;
import io.berth.eventlog.PendingEvent;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The latency of one {@code append} (one batch, acknowledged when it returns), in SampleTime mode for
 * percentiles. {@code fsync=false} is the default mode (the batch survives a kill -9 when append returns);
 * {@code fsync=true} msyncs before returning (survives power loss), where batching pays.
 * Per-event cost = the figure / batch.
 */
@State(Scope.Thread) // set up by the measuring thread, which then owns the log's appender
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AppendBenchmark {

    @Param({"false", "true"})
    boolean fsync;

    @Param({"1", "10", "100"})
    int batch;

    private Path dir;
    private ChronicleEventLog log;
    private List<PendingEvent> events;

    @Setup(Level.Trial)
    public void open() {
        dir = Events.scratchDirectory("append");
        log = ChronicleEventLog.open(dir, fsync);
        events = Events.batch(batch, 1);
    }

    @TearDown(Level.Trial)
    public void close() {
        log.close();
        Events.delete(dir);
    }

    @Benchmark
    public long append() {
        return log.append(events).size();
    }
}
