/*
 * berth-monitor start <state-dir>
 *
 * The launcher: reads <state-dir>/spec, forks the monitor (which creates the container) and talks to the
 * daemon over its stdio, one line each:
 *   stdout "created <container-pid>"   all setup done; the container waits before execve
 *   stdin  "go"                        (anything else, or EOF: abort; the container is killed)
 *   stdout "started"                   execve succeeded; exit status 0
 *   stdout "error <kind> <message>"    kind: notfound | noexec | setup; exit status 1, nothing left running
 */
#include "berth.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int report(const char *fmt, const char *arg)
{
    char line[4200];
    int n = snprintf(line, sizeof line, fmt, arg);
    if (n < 0)
        return -1;
    if ((size_t)n >= sizeof line)
        n = sizeof line - 1;
    /* one line, no embedded newlines */
    for (int i = 0; i < n - 1; i++)
        if (line[i] == '\n' || line[i] == '\r')
            line[i] = ' ';
    return write_all(1, line, (size_t)n);
}

static int launcher(const char *dir)
{
    syscall(SYS_close_range, 3, ~0U, 0);
    TMARK("launcher start");
    if (chdir(dir) < 0) {
        char m[4096];
        snprintf(m, sizeof m, "chdir %s: %s", dir, strerror(errno));
        report("error " KIND_SETUP " %s\n", m);
        return 1;
    }
    static struct spec s;
    char err[1024];
    if (spec_load("spec", &s, err, sizeof err) < 0) {
        report("error " KIND_SETUP " %s\n", err);
        return 1;
    }
    int link[2];
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, link) < 0) {
        report("error " KIND_SETUP " socketpair: %s\n", strerror(errno));
        return 1;
    }
    pid_t mon = fork();
    if (mon < 0) {
        report("error " KIND_SETUP " fork: %s\n", strerror(errno));
        return 1;
    }
    if (mon == 0) {
        close(link[0]);
        monitor_main(&s, link[1]);
    }
    close(link[1]);
    char msg[4096];
    ssize_t n = recv_msg(link[0], msg, sizeof msg, NULL);
    if (n <= 0 || msg[0] == 'E') {
        waitpid(mon, NULL, 0);
        report("error %s\n", n > 0 ? msg + 2 : KIND_SETUP " the monitor exited during setup");
        return 1;
    }
    report("created %s\n", msg + 2);
    TMARK("launcher created");
    char line[64];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t r = read(0, line + got, 1);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0 || line[got] == '\n')
            break;
        got++;
    }
    line[got] = 0;
    if (strcmp(line, "go") != 0) {
        close(link[0]); /* the monitor kills the container and exits */
        waitpid(mon, NULL, 0);
        report("error " KIND_SETUP " %s\n", "start aborted before exec");
        return 1;
    }
    TMARK("launcher go");
    if (send_msg(link[0], "G") < 0) {
        waitpid(mon, NULL, 0);
        report("error " KIND_SETUP " %s\n", "the monitor exited before exec");
        return 1;
    }
    n = recv_msg(link[0], msg, sizeof msg, NULL);
    if (n > 0 && msg[0] == 'S') {
        report("%s", "started\n");
        return 0;
    }
    waitpid(mon, NULL, 0);
    report("error %s\n", n > 0 && msg[0] == 'E' ? msg + 2 : KIND_SETUP " the monitor exited during exec");
    return 1;
}

/*
 * berth-monitor jsonlog <path> <max-size> <max-files>: copies stdin to a json-file log as the monitor
 * does for a container's stdout, one record per read (for tests without root)
 */
static int jsonlog_tool(const char *path, const char *max_size, const char *max_files)
{
    struct jsonlog l;
    if (jsonlog_open(&l, path, atoll(max_size), atoi(max_files)) < 0) {
        report("jsonlog: cannot open %s\n", path);
        return 1;
    }
    unsigned char b[16384];
    for (;;) {
        ssize_t n = read(0, b, sizeof b);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        jsonlog_write(&l, 0, b, (size_t)n, 0);
    }
    jsonlog_write(&l, 0, b, 0, 1);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 5 && strcmp(argv[1], "jsonlog") == 0)
        return jsonlog_tool(argv[2], argv[3], argv[4]);
    if (argc == 3 && strcmp(argv[1], "start") == 0)
        return launcher(argv[2]);
    if (argc == 2 && strcmp(argv[1], "version") == 0) {
        report("berth-monitor protocol %s\n", "1");
        return 0;
    }
    report("%s", "usage: berth-monitor start <state-dir> | version\n");
    return 2;
}
