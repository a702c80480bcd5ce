package io.berth.daemon.api;

import io.berth.eventlog.Actor;
import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.PeerCredentials;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Who is on the other end of a connection: SO_PEERCRED on the unix socket gives pid, uid and gid; the
 * command name comes from /proc/PID/comm, read when the connection is accepted (a procfs read, which
 * never waits on a disk).
 */
public final class Caller {

    private Caller() {}

    public static Actor of(Channel channel) {
        if (channel instanceof EpollDomainSocketChannel uds) {
            try {
                PeerCredentials cred = uds.peerCredentials();
                int gid = cred.gids().length > 0 ? cred.gids()[0] : -1;
                return new Actor("unix", cred.uid(), gid, cred.pid(), comm(cred.pid()));
            } catch (IOException e) {
                return new Actor("unix", -1, -1, -1, "");
            }
        }
        return new Actor("tcp", -1, -1, -1, "");
    }

    private static String comm(int pid) {
        try {
            return Files.readString(Path.of("/proc", Integer.toString(pid), "comm"), StandardCharsets.UTF_8).trim();
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }
}
