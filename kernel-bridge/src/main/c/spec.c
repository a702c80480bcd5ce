/* The spec file: NUL-terminated "key=value" entries, repeated keys for lists (see README.md). */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

static const struct {
    const char *name;
    int res;
} rlimit_names[] = {
    {"as", RLIMIT_AS},           {"core", RLIMIT_CORE},         {"cpu", RLIMIT_CPU},
    {"data", RLIMIT_DATA},       {"fsize", RLIMIT_FSIZE},       {"locks", RLIMIT_LOCKS},
    {"memlock", RLIMIT_MEMLOCK}, {"msgqueue", RLIMIT_MSGQUEUE}, {"nice", RLIMIT_NICE},
    {"nofile", RLIMIT_NOFILE},   {"nproc", RLIMIT_NPROC},       {"rss", RLIMIT_RSS},
    {"rtprio", RLIMIT_RTPRIO},   {"rttime", RLIMIT_RTTIME},     {"sigpending", RLIMIT_SIGPENDING},
    {"stack", RLIMIT_STACK},
};

static int parse_rlimit(const char *v, struct rlim *r)
{
    const char *c1 = strchr(v, ':');
    if (!c1)
        return -1;
    const char *c2 = strchr(c1 + 1, ':');
    if (!c2)
        return -1;
    size_t nl = (size_t)(c1 - v);
    r->resource = -1;
    for (size_t i = 0; i < sizeof rlimit_names / sizeof rlimit_names[0]; i++)
        if (strlen(rlimit_names[i].name) == nl && strncasecmp(v, rlimit_names[i].name, nl) == 0)
            r->resource = rlimit_names[i].res;
    if (r->resource < 0)
        return -1;
    r->soft = strncmp(c1 + 1, "-1:", 3) == 0 ? RLIM_INFINITY : strtoull(c1 + 1, NULL, 10);
    r->hard = strcmp(c2 + 1, "-1") == 0 ? RLIM_INFINITY : strtoull(c2 + 1, NULL, 10);
    return 0;
}

int spec_load(const char *path, struct spec *s, char *err, size_t errlen)
{
    memset(s, 0, sizeof *s);
    s->net = NET_NEW;
    s->timens = 1;
    s->log_max_files = 1;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "open spec %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        snprintf(err, errlen, "stat spec: %s", strerror(errno));
        close(fd);
        return -1;
    }
    size_t size = (size_t)st.st_size;
    char *data = xmalloc(size + 1);
    size_t got = 0;
    while (got < size) {
        ssize_t n = read(fd, data + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    close(fd);
    data[got] = 0;
    int version_seen = 0;
    for (size_t off = 0; off < got;) {
        char *e = data + off;
        size_t len = strlen(e);
        off += len + 1;
        if (len == 0)
            continue;
        char *eq = strchr(e, '=');
        if (!eq) {
            snprintf(err, errlen, "spec: entry without '=': %.64s", e);
            return -1;
        }
        *eq = 0;
        char *k = e, *v = eq + 1;
        if (!strcmp(k, "version")) {
            if (atoi(v) != BERTH_PROTOCOL_VERSION) {
                snprintf(err, errlen, "spec: unsupported version %s", v);
                return -1;
            }
            version_seen = 1;
        } else if (!strcmp(k, "id")) s->id = v;
        else if (!strcmp(k, "rootfs.type")) s->rootfs_type = v;
        else if (!strcmp(k, "rootfs.source")) s->rootfs_source = v;
        else if (!strcmp(k, "rootfs.data")) s->rootfs_data = v;
        else if (!strcmp(k, "arg")) strv_push(&s->args, v);
        else if (!strcmp(k, "env")) strv_push(&s->env, v);
        else if (!strcmp(k, "cwd")) s->cwd = v;
        else if (!strcmp(k, "user")) s->user = v;
        else if (!strcmp(k, "hostname")) s->hostname = v;
        else if (!strcmp(k, "tty")) s->tty = atoi(v);
        else if (!strcmp(k, "stdin")) s->open_stdin = atoi(v);
        else if (!strcmp(k, "stdin_once")) s->stdin_once = atoi(v);
        else if (!strcmp(k, "rows")) s->rows = atoi(v);
        else if (!strcmp(k, "cols")) s->cols = atoi(v);
        else if (!strcmp(k, "net")) {
            if (!strcmp(v, "new")) s->net = NET_NEW;
            else if (!strcmp(v, "host")) s->net = NET_HOST;
            else if (!strcmp(v, "join")) s->net = NET_JOIN;
            else {
                snprintf(err, errlen, "spec: unknown network mode %s", v);
                return -1;
            }
        } else if (!strcmp(k, "netns")) s->netns = v;
        else if (!strcmp(k, "cgroup.procs")) strv_push(&s->procs, v);
        else if (!strcmp(k, "oom")) s->oom_file = v;
        else if (!strcmp(k, "cap")) strv_push(&s->caps, v);
        else if (!strcmp(k, "privileged")) s->privileged = atoi(v);
        else if (!strcmp(k, "no_new_privs")) s->no_new_privs = atoi(v);
        else if (!strcmp(k, "mask")) strv_push(&s->masked, v);
        else if (!strcmp(k, "ro_path")) strv_push(&s->ro_paths, v);
        else if (!strcmp(k, "readonly")) s->readonly = atoi(v);
        else if (!strcmp(k, "timens")) s->timens = atoi(v);
        else if (!strcmp(k, "bind")) {
            /* "bind=ro|rw" opens an entry; "bind.src" and "bind.dst" fill the last one */
            s->binds = realloc(s->binds, sizeof(struct bindm) * (size_t)(s->nbinds + 1));
            if (!s->binds)
                _exit(70);
            s->binds[s->nbinds].src = NULL;
            s->binds[s->nbinds].dst = NULL;
            s->binds[s->nbinds].ro = !strcmp(v, "ro");
            s->nbinds++;
        } else if (!strcmp(k, "bind.src") || !strcmp(k, "bind.dst")) {
            if (s->nbinds == 0) {
                snprintf(err, errlen, "spec: %s before bind", k);
                return -1;
            }
            if (k[5] == 's') s->binds[s->nbinds - 1].src = v;
            else s->binds[s->nbinds - 1].dst = v;
        } else if (!strcmp(k, "rlimit")) {
            s->rlimits = realloc(s->rlimits, sizeof(struct rlim) * (size_t)(s->nrlimits + 1));
            if (!s->rlimits)
                _exit(70);
            if (parse_rlimit(v, &s->rlimits[s->nrlimits]) < 0) {
                snprintf(err, errlen, "spec: bad rlimit %s", v);
                return -1;
            }
            s->nrlimits++;
        } else if (!strcmp(k, "log")) s->log_path = v;
        else if (!strcmp(k, "log.max_size")) s->log_max_size = atoll(v);
        else if (!strcmp(k, "log.max_files")) s->log_max_files = atoi(v);
        /* unknown keys are ignored: a newer daemon may add optional settings */
    }
    if (!version_seen) {
        snprintf(err, errlen, "spec: missing version");
        return -1;
    }
    if (!s->rootfs_type || !s->rootfs_source) {
        snprintf(err, errlen, "spec: missing rootfs");
        return -1;
    }
    if (s->args.n == 0) {
        snprintf(err, errlen, "spec: no command");
        return -1;
    }
    for (int i = 0; i < s->nbinds; i++)
        if (!s->binds[i].src || !s->binds[i].dst) {
            snprintf(err, errlen, "spec: incomplete bind mount");
            return -1;
        }
    if (s->net == NET_JOIN && (!s->netns || !*s->netns)) {
        snprintf(err, errlen, "spec: network mode join without netns");
        return -1;
    }
    if (s->log_max_files < 1)
        s->log_max_files = 1;
    if (!s->cwd || !*s->cwd)
        s->cwd = "/";
    if (!s->hostname)
        s->hostname = "";
    if (!s->user)
        s->user = "";
    return 0;
}
