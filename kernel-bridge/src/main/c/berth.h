/*
 * berth-monitor: the native launcher, container init and per-container monitor of berth.
 *
 * One binary, one single-threaded process tree:
 *
 *   daemon (JVM) --ProcessBuilder--> launcher  `berth-monitor start <state-dir>`
 *       launcher --fork--> monitor (setsid; outlives the daemon; reaps the container)
 *           monitor --fork--> intermediate (joins the container's cgroups, setns for "join")
 *               intermediate --clone(CLONE_PARENT|NEWPID|NEWNS|NEWUTS|NEWIPC[|NEWNET])--> container
 *           (the intermediate exits at once; thanks to CLONE_PARENT the container is the monitor's child)
 *
 * Channels:
 *   launcher <-> daemon        stdout lines ("created <pid>", "started", "error <kind> <msg>") / stdin "go"
 *   launcher <-> monitor       "link", SOCK_SEQPACKET: monitor sends "C <pid>", "S", "E <kind> <msg>";
 *                              launcher sends "G" (go); EOF = abort
 *   monitor  <-> container     "sync", SOCK_SEQPACKET, CLOEXEC in the container: container sends "T"
 *                              (+ pty master via SCM_RIGHTS), "R" (ready, blocked before execve) or
 *                              "E <kind> <msg>"; monitor sends "G"; EOF after "G" = execve succeeded.
 *
 * See README.md next to this file for the spec file format and the state-dir files.
 */
#ifndef BERTH_H
#define BERTH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define BERTH_PROTOCOL_VERSION 1

/* error kinds reported to the daemon (first word after "error") */
#define KIND_SETUP "setup"
#define KIND_NOTFOUND "notfound"
#define KIND_NOEXEC "noexec"

enum net_mode { NET_NEW, NET_HOST, NET_JOIN };

struct strv {
    char **v;
    int n, cap;
};

struct bindm {
    char *src, *dst;
    int ro;
};

struct rlim {
    int resource;
    unsigned long long soft, hard;
};

struct spec {
    char *id;
    char *rootfs_type, *rootfs_source, *rootfs_data;
    struct strv args, env, procs, caps, masked, ro_paths;
    char *cwd, *user, *hostname;
    int tty, open_stdin, stdin_once, rows, cols;
    int net;
    char *netns;
    char *oom_file;
    int privileged, no_new_privs, readonly, timens;
    struct bindm *binds;
    int nbinds;
    struct rlim *rlimits;
    int nrlimits;
    char *log_path;
    long long log_max_size;
    int log_max_files;
};

/* spec.c */
int spec_load(const char *path, struct spec *s, char *err, size_t errlen);

/* util.c */
struct buf {
    char *d;
    size_t len, cap;
};
void buf_put(struct buf *b, const void *p, size_t n);
void buf_putc(struct buf *b, char c);
void buf_puts(struct buf *b, const char *s);
void buf_consume(struct buf *b, size_t n);
void buf_free(struct buf *b);
void strv_push(struct strv *v, char *s);
int write_all(int fd, const void *p, size_t n);
int write_file_atomic(const char *path, const char *content, int durable);
long long proc_starttime(pid_t pid);
long long oom_kill_count(const char *path);
long long now_realtime_ns(void);
void *xmalloc(size_t n);
char *xstrdup(const char *s);
int send_msg(int fd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int send_fd(int sock, const char *msg, int fd);
ssize_t recv_msg(int sock, char *buf, size_t len, int *fd_out);

/* container.c: runs as the container's pid 1 until execve; never returns */
struct container_fds {
    int sync;        /* container end of the sync socket */
    int stdin_r;     /* or -1: /dev/null */
    int stdout_w, stderr_w; /* -1 for a TTY */
    int devnull;
};
void container_main(struct spec *s, struct container_fds *fds) __attribute__((noreturn));

/* monitor.c */
int monitor_main(struct spec *s, int link) __attribute__((noreturn));

/* jsonlog.c */
struct jsonlog {
    int fd;
    char *path;
    long long size, max_size;
    int max_files;
    /* an incomplete UTF-8 sequence carried to the next read, per stream (0 stdout, 1 stderr) */
    unsigned char carry[2][4];
    int carry_len[2];
};
int jsonlog_open(struct jsonlog *l, const char *path, long long max_size, int max_files);
void jsonlog_write(struct jsonlog *l, int stream, const unsigned char *p, size_t n, int eof);
void json_escape(struct buf *b, const unsigned char *s, size_t n);
void format_time(struct buf *b, long long ns);


#ifdef BERTH_TIMING
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#define TMARK(what) do { struct timespec _t; clock_gettime(CLOCK_MONOTONIC, &_t); \
    FILE *_f = fopen("/tmp/berth-timing", "ae"); if (_f) { fprintf(_f, "%d %ld.%06ld %s\n", getpid(), (long)_t.tv_sec, _t.tv_nsec / 1000, what); fclose(_f); } } while (0)
#else
#define TMARK(what) do { } while (0)
#endif

#endif
