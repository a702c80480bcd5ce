package io.berth.daemon.api;

import io.berth.daemon.DaemonPaths;
import io.berth.daemon.Drivers;
import io.berth.daemon.command.Command;
import io.berth.daemon.command.EventWaiters;
import io.berth.daemon.command.Journal;
import io.berth.daemon.image.ImageStore;
import io.berth.daemon.runtime.AttachRegistry;
import io.berth.daemon.state.EngineState;
import io.berth.eventlog.Actor;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * What the routes work with: the state to read, the command bus to write through, the waiters for
 * outcomes, and the daemon's drivers and paths.
 */
public record Engine(Vertx vertx, EngineState state, EventWaiters waiters, Drivers drivers, DaemonPaths paths,
                     ImageStore images, AttachRegistry attachments, DaemonInfo info,
                     io.berth.daemon.registry.RegistryClient registry) {

    /** Sends a command on behalf of the API caller. */
    public Future<Journal.Result> send(Command command, Actor caller, String correlationId) {
        return Journal.send(vertx, command, caller, correlationId);
    }

    /** Runs blocking work (files, drivers) on a worker thread. */
    public <T> Future<T> blocking(java.util.concurrent.Callable<T> work) {
        return vertx.executeBlocking(work, false);
    }

    /** Static facts about this daemon for /info and /version. */
    public record DaemonInfo(String daemonId, String name, long startedAtNanos, String cgroupMode) {}
}
