/*
 * The per-container monitor: creates the container (through a short-lived intermediate that joins the
 * cgroups), relays its setup result to the launcher, then holds its stdio, writes the json-file log,
 * serves the attach socket, reaps it and writes the exit file.
 *
 * Signals: SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1/2 are read from a signalfd and ignored (the daemon
 * signals the container directly; the monitor must survive a service manager stopping the daemon).
 * SIGKILL ends it: the container then keeps running without a log writer, and no exit file is written.
 */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#define F_HELLO 0x01
#define F_STDIN 0x02
#define F_STDIN_EOF 0x03
#define F_RESIZE 0x04
#define F_STDOUT 0x11
#define F_STDERR 0x12
#define F_EXIT 0x13
#define WANT_STDIN 1
#define WANT_STDOUT 2
#define WANT_STDERR 4
#define MAX_PAYLOAD (1 << 20)
#define MAX_CLIENT_BACKLOG (16 << 20) /* a client this far behind is disconnected */
#define MAX_STDIN_QUEUE (16 << 20)     /* stdin beyond this, not yet taken by the container, is dropped */

struct client {
    int fd;
    int wants, hello, pollout, stdin_done;
    struct buf in, out;
    struct client *next;
};

static struct {
    struct spec *s;
    int link, ep, sfd, lsock;
    pid_t cpid;
    int out_fd, err_fd, in_fd, master;
    int in_pollout, in_close_pending;
    struct buf inq;
    struct jsonlog log;
    struct client *clients;
    int exited, status;
    long long finished, oom_start;
} M;

static char TAG_LISTEN, TAG_SIG, TAG_OUT, TAG_ERR, TAG_IN;

static void stdin_flush(void);

static void __attribute__((noreturn)) startup_fail(const char *msg)
{
    /* msg is "<kind> <text>" */
    send_msg(M.link, "E %s", msg);
    if (M.cpid > 0) {
        kill(M.cpid, SIGKILL);
        waitpid(M.cpid, NULL, 0);
    }
    unlink("attach.sock");
    _exit(1);
}

static void __attribute__((noreturn, format(printf, 1, 2))) startup_fail_errno(const char *fmt, ...)
{
    int e = errno;
    char step[2048], msg[3000];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(step, sizeof step, fmt, ap);
    va_end(ap);
    snprintf(msg, sizeof msg, "%s %s: %s", KIND_SETUP, step, strerror(e));
    startup_fail(msg);
}

static void write_pid_file(const char *name, pid_t pid)
{
    char c[64];
    snprintf(c, sizeof c, "%d %lld\n", (int)pid, proc_starttime(pid));
    if (write_file_atomic(name, c, 0) < 0)
        startup_fail_errno("write %s", name);
}

static void set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    if (fl >= 0)
        fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

static void ep_ctl(int op, int fd, uint32_t events, void *tag)
{
    struct epoll_event ev = {.events = events, .data.ptr = tag};
    epoll_ctl(M.ep, op, fd, &ev);
}

/* ---- creating the container ---- */

static void intermediate(struct spec *s, int pidpipe, struct container_fds *cfds)
{
    char buf[3000];
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%d", (int)getpid());
    for (int i = 0; i < s->procs.n; i++) {
        int fd = open(s->procs.v[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, pid, (size_t)n) != n) {
            snprintf(buf, sizeof buf, "E %s join cgroup %s: %s", KIND_SETUP, s->procs.v[i], strerror(errno));
            write_all(pidpipe, buf, strlen(buf));
            _exit(1);
        }
        close(fd);
    }
    if (s->net == NET_JOIN) {
        int fd = open(s->netns, O_RDONLY | O_CLOEXEC);
        if (fd < 0 || setns(fd, CLONE_NEWNET) < 0) {
            snprintf(buf, sizeof buf, "E %s join network namespace %s: %s", KIND_SETUP, s->netns, strerror(errno));
            write_all(pidpipe, buf, strlen(buf));
            _exit(1);
        }
        close(fd);
    }
    TMARK("intermediate joined");
    unsigned long flags = CLONE_PARENT | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | SIGCHLD;
    if (s->net == NET_NEW)
        flags |= CLONE_NEWNET;
    long c = syscall(SYS_clone, flags, 0, NULL, NULL, 0);
    if (c == 0) {
        close(pidpipe);
        container_main(s, cfds);
    }
    if (c < 0)
        snprintf(buf, sizeof buf, "E %s clone: %s", KIND_SETUP, strerror(errno));
    else
        snprintf(buf, sizeof buf, "P %ld", c);
    write_all(pidpipe, buf, strlen(buf));
    _exit(0);
}

/*
 * The monitor's own setup; runs while the intermediate and the container set up (in parallel on 2 cores).
 * A failure is reported once the container's pid is known, so that it can be killed first.
 */
static char own_error[3000];

static void own_fail(const char *step, const char *arg)
{
    int e = errno;
    if (!own_error[0])
        snprintf(own_error, sizeof own_error, "%s %s%s: %s", KIND_SETUP, step, arg, strerror(e));
}

static void own_setup(struct spec *s)
{
    M.lsock = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    strcpy(sa.sun_path, "attach.sock"); /* relative: the cwd is the state dir */
    unlink("attach.sock");
    if (M.lsock < 0 || bind(M.lsock, (struct sockaddr *)&sa, sizeof sa) < 0 || chmod("attach.sock", 0600) < 0 ||
        listen(M.lsock, 128) < 0)
        own_fail("listen on attach.sock", "");
    char c[64];
    snprintf(c, sizeof c, "%d %lld\n", (int)getpid(), proc_starttime(getpid()));
    if (write_file_atomic("monitor.pid", c, 0) < 0)
        own_fail("write monitor.pid", "");
    if (jsonlog_open(&M.log, s->log_path, s->log_max_size, s->log_max_files) < 0)
        own_fail("open log file ", s->log_path);
    /* before the go: the container cannot allocate anything of note until then */
    M.oom_start = oom_kill_count(s->oom_file);
}

static void create_container(struct spec *s)
{
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1}, sync[2], pidpipe[2];
    if (!s->tty) {
        if (pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0)
            startup_fail_errno("create stdio pipes");
        if (s->open_stdin && pipe2(in, O_CLOEXEC) < 0)
            startup_fail_errno("create stdin pipe");
    }
    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sync) < 0 || pipe2(pidpipe, O_CLOEXEC) < 0)
        startup_fail_errno("create sync channel");
    if (mkdir("rootfs", 0700) < 0 && errno != EEXIST)
        startup_fail_errno("mkdir rootfs");
    struct container_fds cfds = {
        .sync = sync[1], .stdin_r = in[0], .stdout_w = out[1], .stderr_w = err[1], .devnull = 0};
    TMARK("fork intermediate");
    pid_t ip = fork();
    if (ip < 0)
        startup_fail_errno("fork");
    if (ip == 0) {
        close(pidpipe[0]);
        intermediate(s, pidpipe[1], &cfds);
    }
    close(pidpipe[1]);
    close(sync[1]);
    if (!s->tty) {
        close(out[1]);
        close(err[1]);
        M.out_fd = out[0];
        M.err_fd = err[0];
        set_nonblock(M.out_fd);
        set_nonblock(M.err_fd);
        if (in[0] >= 0) {
            close(in[0]);
            M.in_fd = in[1];
            set_nonblock(M.in_fd);
        }
    }
    own_setup(s);
    char msg[3000];
    size_t got = 0;
    for (;;) {
        ssize_t n = read(pidpipe[0], msg + got, sizeof msg - 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    msg[got] = 0;
    close(pidpipe[0]);
    waitpid(ip, NULL, 0);
    if (msg[0] == 'E' && msg[1] == ' ')
        startup_fail(msg + 2);
    if (msg[0] != 'P')
        startup_fail(KIND_SETUP " the intermediate process died");
    M.cpid = (pid_t)atoi(msg + 2);
    if (own_error[0])
        startup_fail(own_error);
    TMARK("monitor got pid");
    write_pid_file("container.pid", M.cpid);

    /* setup of the container: "T" (pty master), then "R" or "E ..." */
    for (;;) {
        int fd = -1;
        ssize_t n = recv_msg(sync[0], msg, sizeof msg, &fd);
        if (n > 0 && msg[0] == 'T' && fd >= 0) {
            M.master = fd;
            continue;
        }
        if (fd >= 0)
            close(fd);
        if (n > 0 && msg[0] == 'R')
            break;
        if (n > 0 && msg[0] == 'E' && msg[1] == ' ') {
            waitpid(M.cpid, NULL, 0);
            M.cpid = 0;
            startup_fail(msg + 2);
        }
        int st = 0;
        waitpid(M.cpid, &st, 0);
        M.cpid = 0;
        if (WIFSIGNALED(st))
            snprintf(msg, sizeof msg, "%s container init was killed by signal %d during setup", KIND_SETUP,
                     WTERMSIG(st));
        else
            snprintf(msg, sizeof msg, "%s container init exited during setup", KIND_SETUP);
        startup_fail(msg);
    }
    if (M.master >= 0) {
        set_nonblock(M.master);
        M.out_fd = M.master;
        if (s->open_stdin)
            M.in_fd = fcntl(M.master, F_DUPFD_CLOEXEC, 3);
    }

    /* created: tell the launcher, wait for the go */
    TMARK("monitor got R");
    send_msg(M.link, "C %d", (int)M.cpid);
    ssize_t n = recv_msg(M.link, msg, sizeof msg, NULL);
    if (n <= 0 || msg[0] != 'G') {
        kill(M.cpid, SIGKILL);
        waitpid(M.cpid, NULL, 0);
        unlink("attach.sock");
        _exit(1);
    }
    if (send(sync[0], "G", 1, MSG_NOSIGNAL) < 0)
        startup_fail_errno("release the container");
    /* EOF: the CLOEXEC socket closed in execve; "E ...": execve failed */
    n = recv_msg(sync[0], msg, sizeof msg, NULL);
    if (n > 0 && msg[0] == 'E' && msg[1] == ' ') {
        waitpid(M.cpid, NULL, 0);
        M.cpid = 0;
        startup_fail(msg + 2);
    }
    TMARK("monitor exec done");
    close(sync[0]);
}

/* ---- the attach socket ---- */

static void client_close(struct client *c)
{
    if (c->fd < 0)
        return;
    if (!c->stdin_done && (c->wants & WANT_STDIN) && M.s->stdin_once && !M.s->tty) {
        M.in_close_pending = 1; /* the first stdin client hung up: with stdin-once that is EOF */
        stdin_flush();
    }
    epoll_ctl(M.ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
}

static void sweep_clients(void)
{
    for (struct client **pp = &M.clients; *pp;) {
        struct client *c = *pp;
        if (c->fd < 0) {
            *pp = c->next;
            buf_free(&c->in);
            buf_free(&c->out);
            free(c);
        } else {
            pp = &c->next;
        }
    }
}

static void client_flush(struct client *c)
{
    while (c->fd >= 0 && c->out.len > 0) {
        ssize_t w = send(c->fd, c->out.d, c->out.len, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w > 0) {
            buf_consume(&c->out, (size_t)w);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            break;
        } else {
            client_close(c);
            return;
        }
    }
    if (c->fd < 0)
        return;
    if (c->out.len > MAX_CLIENT_BACKLOG) {
        client_close(c);
        return;
    }
    int want_out = c->out.len > 0;
    if (want_out != c->pollout) {
        c->pollout = want_out;
        ep_ctl(EPOLL_CTL_MOD, c->fd, EPOLLIN | (want_out ? EPOLLOUT : 0), c);
    }
}

static void client_queue(struct client *c, unsigned char type, const void *p, size_t n)
{
    unsigned char h[5] = {type, (unsigned char)(n >> 24), (unsigned char)(n >> 16), (unsigned char)(n >> 8),
                          (unsigned char)n};
    buf_put(&c->out, h, 5);
    buf_put(&c->out, p, n);
}

static void broadcast(unsigned char type, const void *p, size_t n)
{
    int bit = type == F_STDERR ? WANT_STDERR : WANT_STDOUT;
    for (struct client *c = M.clients; c; c = c->next)
        if (c->fd >= 0 && c->hello && (c->wants & bit)) {
            client_queue(c, type, p, n);
            client_flush(c);
        }
}

static void stdin_flush(void)
{
    while (M.in_fd >= 0 && M.inq.len > 0) {
        ssize_t w = write(M.in_fd, M.inq.d, M.inq.len);
        if (w > 0) {
            buf_consume(&M.inq, (size_t)w);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && errno == EAGAIN) {
            break;
        } else {
            /* the container closed its stdin */
            M.inq.len = 0;
            M.in_close_pending = 1;
        }
    }
    if (M.in_fd < 0)
        return;
    int want_out = M.inq.len > 0;
    if (want_out != M.in_pollout) {
        ep_ctl(want_out ? EPOLL_CTL_ADD : EPOLL_CTL_DEL, M.in_fd, EPOLLOUT, &TAG_IN);
        M.in_pollout = want_out;
    }
    if (!want_out && M.in_close_pending) {
        close(M.in_fd);
        M.in_fd = -1;
    }
}

static void client_frame(struct client *c, unsigned char type, const unsigned char *p, size_t n)
{
    switch (type) {
    case F_HELLO:
        c->wants = n >= 1 ? p[0] : 0;
        c->hello = 1;
        break;
    case F_STDIN:
        if (M.in_fd >= 0 && !M.in_close_pending && M.inq.len + n <= MAX_STDIN_QUEUE) {
            buf_put(&M.inq, p, n);
            stdin_flush();
        }
        break;
    case F_STDIN_EOF:
        /* only with stdin-once (docker run -i / attach): otherwise a detaching client leaves stdin open */
        c->stdin_done = 1;
        if (M.s->stdin_once && !M.s->tty && M.in_fd >= 0) {
            M.in_close_pending = 1;
            stdin_flush();
        }
        break;
    case F_RESIZE:
        if (M.master >= 0 && n >= 4) {
            struct winsize ws = {.ws_row = (unsigned short)(p[0] << 8 | p[1]),
                                 .ws_col = (unsigned short)(p[2] << 8 | p[3])};
            ioctl(M.master, TIOCSWINSZ, &ws);
        }
        break;
    default:
        break;
    }
}

static void client_read(struct client *c)
{
    unsigned char b[65536];
    ssize_t n = recv(c->fd, b, sizeof b, MSG_DONTWAIT);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (n <= 0) {
        client_close(c);
        return;
    }
    buf_put(&c->in, b, (size_t)n);
    size_t off = 0;
    while (c->in.len - off >= 5) {
        const unsigned char *h = (const unsigned char *)c->in.d + off;
        size_t len = (size_t)h[1] << 24 | (size_t)h[2] << 16 | (size_t)h[3] << 8 | h[4];
        if (len > MAX_PAYLOAD) {
            client_close(c);
            return;
        }
        if (c->in.len - off < 5 + len)
            break;
        client_frame(c, h[0], h + 5, len);
        off += 5 + len;
    }
    buf_consume(&c->in, off);
}

static void accept_clients(void)
{
    for (;;) {
        int fd = accept4(M.lsock, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0)
            return;
        struct client *c = calloc(1, sizeof *c);
        if (!c)
            _exit(70);
        c->fd = fd;
        c->next = M.clients;
        M.clients = c;
        ep_ctl(EPOLL_CTL_ADD, fd, EPOLLIN, c);
        client_read(c); /* the HELLO usually came with the connection */
    }
}

/* ---- output ---- */

static void read_output(int stream)
{
    int *fdp = stream == 0 ? &M.out_fd : &M.err_fd;
    unsigned char b[16384];
    ssize_t n = read(*fdp, b, sizeof b);
    if (n > 0) {
        jsonlog_write(&M.log, stream, b, (size_t)n, 0);
        broadcast(stream == 0 ? F_STDOUT : F_STDERR, b, (size_t)n);
        return;
    }
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* EOF (or EIO from a pty master whose slaves are all closed) */
    jsonlog_write(&M.log, stream, b, 0, 1);
    epoll_ctl(M.ep, EPOLL_CTL_DEL, *fdp, NULL);
    if (*fdp != M.master)
        close(*fdp);
    *fdp = -1;
}

static void check_child(void)
{
    if (M.exited)
        return;
    int st;
    pid_t r = waitpid(M.cpid, &st, WNOHANG);
    if (r == M.cpid) {
        M.exited = 1;
        M.status = st;
        M.finished = now_realtime_ns();
    }
}

static void __attribute__((noreturn)) finish(void)
{
    int code = WIFEXITED(M.status) ? WEXITSTATUS(M.status) : 128 + WTERMSIG(M.status);
    long long oom_end = oom_kill_count(M.s->oom_file);
    int oom = oom_end > 0 && oom_end > (M.oom_start > 0 ? M.oom_start : 0);
    char exitline[128];
    snprintf(exitline, sizeof exitline, "exit=%d oom=%d finished=%lld", code, oom, M.finished);
    char filec[160];
    snprintf(filec, sizeof filec, "%s\n", exitline);
    write_file_atomic("exit", filec, 1);
    /* whoever connected by now gets the EXIT frame; later connections find no socket and read the file */
    accept_clients();
    unlink("attach.sock");
    close(M.lsock);
    for (struct client *c = M.clients; c; c = c->next) {
        if (c->fd < 0)
            continue;
        client_queue(c, F_EXIT, exitline, strlen(exitline));
        int fl = fcntl(c->fd, F_GETFL);
        fcntl(c->fd, F_SETFL, fl & ~O_NONBLOCK);
        struct timeval tv = {.tv_sec = 5};
        setsockopt(c->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
        write_all(c->fd, c->out.d, c->out.len);
        shutdown(c->fd, SHUT_WR);
        close(c->fd);
    }
    _exit(0);
}

static void main_loop(void)
{
    M.ep = epoll_create1(EPOLL_CLOEXEC);
    if (M.ep < 0)
        _exit(1);
    ep_ctl(EPOLL_CTL_ADD, M.lsock, EPOLLIN, &TAG_LISTEN);
    ep_ctl(EPOLL_CTL_ADD, M.sfd, EPOLLIN, &TAG_SIG);
    if (M.out_fd >= 0)
        ep_ctl(EPOLL_CTL_ADD, M.out_fd, EPOLLIN, &TAG_OUT);
    if (M.err_fd >= 0)
        ep_ctl(EPOLL_CTL_ADD, M.err_fd, EPOLLIN, &TAG_ERR);
    /* attach clients that connected before the go get everything */
    accept_clients();
    struct epoll_event evs[64];
    for (;;) {
        check_child();
        if (M.exited && M.out_fd < 0 && M.err_fd < 0)
            break;
        int n = epoll_wait(M.ep, evs, 64, M.exited ? 2000 : -1);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            break;
        }
        if (n == 0 && M.exited)
            break; /* output still open 2 s after the exit: someone outside kept the pipe */
        /* connections and client frames first, so a HELLO is seen before the output that follows it */
        for (int i = 0; i < n; i++) {
            void *t = evs[i].data.ptr;
            if (t == &TAG_LISTEN) {
                accept_clients();
            } else if (t == &TAG_SIG) {
                struct signalfd_siginfo si;
                while (read(M.sfd, &si, sizeof si) == sizeof si) {
                }
                check_child();
            } else if (t == &TAG_IN) {
                stdin_flush();
            } else if (t != &TAG_OUT && t != &TAG_ERR) {
                struct client *c = t;
                if (c->fd >= 0 && (evs[i].events & EPOLLOUT))
                    client_flush(c);
                if (c->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
                    client_read(c);
            }
        }
        for (int i = 0; i < n; i++) {
            void *t = evs[i].data.ptr;
            if (t == &TAG_OUT && M.out_fd >= 0)
                read_output(0);
            else if (t == &TAG_ERR && M.err_fd >= 0)
                read_output(1);
        }
        sweep_clients();
    }
    finish();
}

int monitor_main(struct spec *s, int link)
{
    memset(&M, 0, sizeof M);
    M.s = s;
    M.link = link;
    TMARK("monitor start");
    M.out_fd = M.err_fd = M.in_fd = M.master = -1;
    setsid();
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
        dup2(null, 0);
        dup2(null, 1);
        dup2(null, 2);
        close(null);
    }
    signal(SIGPIPE, SIG_IGN);
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGCHLD, SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaddset(&set, sigs[i]);
    sigprocmask(SIG_BLOCK, &set, NULL);
    M.sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (M.sfd < 0)
        startup_fail_errno("signalfd");

    M.lsock = -1;
    M.log.fd = -1;
    create_container(s);

    send_msg(M.link, "S");
    close(M.link);
    M.link = -1;
    main_loop();
    _exit(0);
}
