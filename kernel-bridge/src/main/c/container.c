/*
 * The container's first process, from clone() to execve(). It is pid 1 of a new pid namespace, already
 * inside the container's cgroups (the intermediate joined them before clone). Every failure is reported
 * to the monitor as one line "E <kind> <step>: <strerror>" on the sync socket, then it exits.
 */
#include "berth.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif
#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int sync_fd = -1;

static void __attribute__((noreturn, format(printf, 2, 3))) fail_kind(const char *kind, const char *fmt, ...)
{
    char buf[3000];
    int off = snprintf(buf, sizeof buf, "E %s ", kind);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + off, sizeof buf - (size_t)off, fmt, ap);
    va_end(ap);
    send(sync_fd, buf, strlen(buf), MSG_NOSIGNAL);
    _exit(1);
}

/* fails with "<step>: <strerror(errno)>" */
static void __attribute__((noreturn, format(printf, 1, 2))) fail(const char *fmt, ...)
{
    int e = errno;
    char step[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(step, sizeof step, fmt, ap);
    va_end(ap);
    fail_kind(KIND_SETUP, "%s: %s", step, strerror(e));
}

static const char *fdpath(int fd, char *buf)
{
    snprintf(buf, 32, "/proc/self/fd/%d", fd);
    return buf;
}

/* opens path inside the root dirfd; symlinks and ".." cannot leave it */
static int open_in_root(int rootfd, const char *path, int flags)
{
    while (*path == '/')
        path++;
    struct open_how how = {.flags = (unsigned long long)(flags | O_CLOEXEC),
                           .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, rootfd, *path ? path : ".", &how, sizeof how);
}

/* lexically cleans an absolute container path into "a/b/c" ("" for the root) */
static void clean_path(const char *in, char *out, size_t outlen)
{
    size_t len = 0;
    out[0] = 0;
    const char *p = in;
    while (*p) {
        while (*p == '/')
            p++;
        if (!*p)
            break;
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n == 1 && p[0] == '.') {
        } else if (n == 2 && p[0] == '.' && p[1] == '.') {
            char *slash = strrchr(out, '/');
            len = slash ? (size_t)(slash - out) : 0;
            out[len] = 0;
        } else if (len + n + 2 < outlen) {
            if (len)
                out[len++] = '/';
            memcpy(out + len, p, n);
            len += n;
            out[len] = 0;
        }
        p += n;
    }
}

/*
 * Returns an O_PATH fd for path inside the root, creating missing components (directories, and the last
 * one as a directory or an empty file) without ever following a symlink out of the root.
 */
static int ensure_in_root_depth(int rootfd, const char *path, int last_is_dir, int depth);

static int ensure_in_root(int rootfd, const char *path, int last_is_dir)
{
    return ensure_in_root_depth(rootfd, path, last_is_dir, 0);
}

/*
 * A component that exists but cannot be opened is a dangling symlink: create its target inside the root
 * (as runc's MkdirAllInRoot does), resolving relative targets from the link's directory.
 */
static int create_link_target(int rootfd, int pfd, const char *parent, const char *name, int is_dir, int depth)
{
    char target[PATH_MAX], joined[2 * PATH_MAX + 2];
    ssize_t n = readlinkat(pfd, name, target, sizeof target - 1);
    if (n < 0)
        return -1;
    target[n] = 0;
    if (target[0] == '/')
        snprintf(joined, sizeof joined, "%s", target);
    else
        snprintf(joined, sizeof joined, "/%s/%s", parent, target);
    int fd = ensure_in_root_depth(rootfd, joined, is_dir, depth + 1);
    if (fd >= 0)
        close(fd);
    return fd < 0 ? -1 : 0;
}

static int ensure_in_root_depth(int rootfd, const char *path, int last_is_dir, int depth)
{
    if (depth > 8) {
        errno = ELOOP;
        return -1;
    }
    char clean[PATH_MAX];
    clean_path(path, clean, sizeof clean);
    int fd = open_in_root(rootfd, clean, O_PATH);
    if (fd >= 0 || errno != ENOENT)
        return fd;
    size_t len = strlen(clean);
    for (size_t i = 0; i <= len; i++) {
        if (clean[i] != '/' && clean[i] != 0)
            continue;
        int last = i == len;
        char saved = clean[i];
        clean[i] = 0;
        fd = open_in_root(rootfd, clean, O_PATH);
        if (fd < 0 && errno == ENOENT) {
            char *slash = strrchr(clean, '/');
            const char *name = clean;
            int pfd;
            if (slash) {
                *slash = 0;
                pfd = open_in_root(rootfd, clean, O_PATH | O_DIRECTORY);
                *slash = '/';
                name = slash + 1;
            } else {
                pfd = open_in_root(rootfd, "", O_PATH | O_DIRECTORY);
            }
            if (pfd < 0)
                return -1;
            int r;
            if (!last || last_is_dir) {
                r = mkdirat(pfd, name, 0755);
            } else {
                r = openat(pfd, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
                if (r >= 0)
                    close(r);
            }
            int e = errno;
            if (r < 0 && e == EEXIST) {
                struct stat st;
                if (fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
                    char parent[PATH_MAX];
                    snprintf(parent, sizeof parent, "%.*s", (int)(name - clean), clean);
                    if (create_link_target(rootfd, pfd, parent, name, !last || last_is_dir, depth) < 0) {
                        e = errno;
                        close(pfd);
                        errno = e;
                        return -1;
                    }
                }
            }
            close(pfd);
            if (r < 0 && e != EEXIST) {
                errno = e;
                return -1;
            }
            fd = open_in_root(rootfd, clean, O_PATH);
        }
        clean[i] = saved;
        if (fd < 0)
            return -1;
        if (!last)
            close(fd);
    }
    return fd;
}

static unsigned long mount_flags_of(const char *path)
{
    struct statvfs sv;
    unsigned long f = 0;
    if (statvfs(path, &sv) == 0) {
        if (sv.f_flag & ST_NOSUID) f |= MS_NOSUID;
        if (sv.f_flag & ST_NODEV) f |= MS_NODEV;
        if (sv.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
        if (sv.f_flag & ST_NOATIME) f |= MS_NOATIME;
        if (sv.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
        if (sv.f_flag & ST_RELATIME) f |= MS_RELATIME;
    }
    return f;
}

/* mounts fstype (or a bind of src) on path inside the root, creating it; "what" names the step */
static void mount_in_root(int rootfd, const char *src, const char *dst, const char *fstype, unsigned long flags,
                          const char *data, int dir)
{
    int fd = ensure_in_root(rootfd, dst, dir);
    if (fd < 0)
        fail("create mount point %s", dst);
    char p[32];
    unsigned long first = (flags & MS_BIND) ? (flags & ~(unsigned long)MS_RDONLY) : flags;
    if (mount(src, fdpath(fd, p), fstype, first, data) < 0)
        fail("mount %s on %s", fstype ? fstype : src, dst);
    close(fd);
    if ((flags & MS_BIND) && (flags & MS_RDONLY)) {
        /* the fd above points below the new mount: reopen to remount the mount itself */
        fd = open_in_root(rootfd, dst, O_PATH);
        if (fd < 0)
            fail("reopen %s", dst);
        fdpath(fd, p);
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of(p), NULL) < 0)
            fail("remount %s read-only", dst);
        close(fd);
    }
}

static void setup_dev(int rootfd, struct spec *s)
{
    mount_in_root(rootfd, "tmpfs", "/dev", "tmpfs", MS_NOSUID | MS_STRICTATIME, "mode=755,size=65536k", 1);
    int dev = open_in_root(rootfd, "/dev", O_PATH | O_DIRECTORY);
    if (dev < 0)
        fail("open /dev");
    static const struct {
        const char *name;
        unsigned maj, min;
    } nodes[] = {{"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0}};
    for (size_t i = 0; i < sizeof nodes / sizeof nodes[0]; i++) {
        if (mknodat(dev, nodes[i].name, S_IFCHR | 0666, makedev(nodes[i].maj, nodes[i].min)) == 0)
            continue;
        /* no mknod (e.g. user namespace): bind the host's node over an empty file */
        char host[64], rel[64];
        snprintf(host, sizeof host, "/dev/%s", nodes[i].name);
        snprintf(rel, sizeof rel, "/dev/%s", nodes[i].name);
        mount_in_root(rootfd, host, rel, NULL, MS_BIND, NULL, 0);
    }
    static const char *links[][2] = {{"/proc/self/fd", "fd"},     {"/proc/self/fd/0", "stdin"},
                                     {"/proc/self/fd/1", "stdout"}, {"/proc/self/fd/2", "stderr"},
                                     {"/proc/kcore", "core"},       {"pts/ptmx", "ptmx"}};
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++)
        if (symlinkat(links[i][0], dev, links[i][1]) < 0)
            fail("symlink /dev/%s", links[i][1]);
    if (mkdirat(dev, "pts", 0755) < 0 || mkdirat(dev, "shm", 01777) < 0 || mkdirat(dev, "mqueue", 0755) < 0)
        fail("mkdir in /dev");
    close(dev);
    mount_in_root(rootfd, "devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC,
                  "newinstance,ptmxmode=0666,mode=0620,gid=5", 1);
    mount_in_root(rootfd, "shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "mode=1777,size=65536k", 1);
    mount_in_root(rootfd, "mqueue", "/dev/mqueue", "mqueue", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
    if (s->tty) {
        /* /dev/console: the pty slave is bound there later (see setup_tty) */
        int fd = ensure_in_root(rootfd, "/dev/console", 0);
        if (fd < 0)
            fail("create /dev/console");
        close(fd);
    }
}

static void setup_timens(void)
{
    if (unshare(CLONE_NEWTIME) < 0) {
        if (errno == EINVAL || errno == ENOSYS || errno == EPERM)
            return; /* no time namespaces here: run without */
        fail("unshare time namespace");
    }
    struct timespec mono, boot;
    clock_gettime(CLOCK_MONOTONIC, &mono);
    clock_gettime(CLOCK_BOOTTIME, &boot);
    /* offsets that bring both clocks to ~0 now (seconds negative, nanoseconds in [0, 1e9)) */
    char buf[128];
    int n = snprintf(buf, sizeof buf, "monotonic %lld %ld\nboottime %lld %ld\n",
                     -(long long)mono.tv_sec - (mono.tv_nsec ? 1 : 0), mono.tv_nsec ? 1000000000L - mono.tv_nsec : 0,
                     -(long long)boot.tv_sec - (boot.tv_nsec ? 1 : 0), boot.tv_nsec ? 1000000000L - boot.tv_nsec : 0);
    int fd = open("/proc/self/timens_offsets", O_WRONLY | O_CLOEXEC);
    if (fd < 0 || write(fd, buf, (size_t)n) != n)
        fail("write /proc/self/timens_offsets");
    close(fd);
}

static void loopback_up(void)
{
    int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sk < 0)
        fail("socket for lo");
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    strcpy(ifr.ifr_name, "lo");
    if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
        fail("get flags of lo");
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
        fail("set lo up");
    close(sk);
}

static void mask_paths(struct spec *s)
{
    for (int i = 0; i < s->masked.n; i++) {
        const char *path = s->masked.v[i];
        int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            fail("open masked path %s", path);
        }
        struct stat st;
        char p[32];
        if (fstat(fd, &st) < 0)
            fail("stat masked path %s", path);
        if (S_ISDIR(st.st_mode)) {
            if (mount("tmpfs", fdpath(fd, p), "tmpfs", MS_RDONLY, NULL) < 0)
                fail("mask %s", path);
        } else if (mount("/dev/null", fdpath(fd, p), NULL, MS_BIND, NULL) < 0) {
            fail("mask %s", path);
        }
        close(fd);
    }
}

static void readonly_paths(struct spec *s)
{
    for (int i = 0; i < s->ro_paths.n; i++) {
        const char *path = s->ro_paths.v[i];
        int fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0) {
            if (errno == ENOENT || errno == ENOTDIR)
                continue;
            fail("open read-only path %s", path);
        }
        char p[32];
        fdpath(fd, p);
        if (mount(p, p, NULL, MS_BIND | MS_REC, NULL) < 0)
            fail("bind read-only path %s", path);
        close(fd);
        fd = open(path, O_PATH | O_NOFOLLOW | O_CLOEXEC);
        if (fd < 0)
            fail("reopen read-only path %s", path);
        fdpath(fd, p);
        if (mount(NULL, p, NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of(p), NULL) < 0)
            fail("remount %s read-only", path);
        close(fd);
    }
}

/* ---- users and groups, from the container's own /etc/passwd and /etc/group ---- */

struct user {
    uid_t uid;
    gid_t gid;
    char name[256];
    char home[PATH_MAX];
    gid_t groups[64];
    int ngroups;
};

static int all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

/* splits a passwd/group line into fields (in place); returns the count */
static int split_colon(char *line, char **f, int max)
{
    int n = 0;
    f[n++] = line;
    for (char *p = line; *p && n < max; p++)
        if (*p == ':') {
            *p = 0;
            f[n++] = p + 1;
        }
    return n;
}

static void lookup_user(struct spec *s, struct user *u)
{
    char spec_user[512];
    snprintf(spec_user, sizeof spec_user, "%s", s->user);
    char *group = strchr(spec_user, ':');
    if (group)
        *group++ = 0;
    const char *uname = spec_user;
    memset(u, 0, sizeof *u);
    strcpy(u->home, "/");
    int have_user = 0;
    if (!*uname)
        uname = "0";
    if (all_digits(uname))
        u->uid = (uid_t)strtoul(uname, NULL, 10);
    FILE *f = fopen("/etc/passwd", "re");
    if (f) {
        char line[4096];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            char *fl[7];
            if (line[0] == '#' || split_colon(line, fl, 7) < 7)
                continue;
            if (all_digits(uname) ? (uid_t)strtoul(fl[2], NULL, 10) == u->uid : strcmp(fl[0], uname) == 0) {
                u->uid = (uid_t)strtoul(fl[2], NULL, 10);
                u->gid = (gid_t)strtoul(fl[3], NULL, 10);
                snprintf(u->name, sizeof u->name, "%s", fl[0]);
                snprintf(u->home, sizeof u->home, "%s", *fl[5] ? fl[5] : "/");
                have_user = 1;
                break;
            }
        }
        fclose(f);
    }
    if (!have_user && !all_digits(uname))
        fail_kind(KIND_SETUP, "unable to find user %s: no matching entries in passwd file", uname);
    int have_group = 0;
    if (group && all_digits(group)) {
        u->gid = (gid_t)strtoul(group, NULL, 10);
        have_group = 1;
    }
    f = fopen("/etc/group", "re");
    if (f) {
        char line[65536];
        while (fgets(line, sizeof line, f)) {
            line[strcspn(line, "\n")] = 0;
            char *fl[4];
            if (line[0] == '#' || split_colon(line, fl, 4) < 4)
                continue;
            gid_t gid = (gid_t)strtoul(fl[2], NULL, 10);
            if (group && !have_group && strcmp(fl[0], group) == 0) {
                u->gid = gid;
                have_group = 1;
            }
            if (!group && have_user && u->ngroups < 64) {
                /* supplementary groups: every group that lists the user as a member */
                for (char *m = strtok(fl[3], ","); m; m = strtok(NULL, ","))
                    if (strcmp(m, u->name) == 0) {
                        u->groups[u->ngroups++] = gid;
                        break;
                    }
            }
        }
        fclose(f);
    }
    if (group && !have_group)
        fail_kind(KIND_SETUP, "unable to find group %s: no matching entries in group file", group);
}

/* ---- capabilities ---- */

static const char *cap_names[] = {
    "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
    "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
    "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
    "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
    "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
    "CHECKPOINT_RESTORE"};
#define NCAPNAMES ((int)(sizeof cap_names / sizeof cap_names[0]))

static int last_cap(void)
{
    int last = NCAPNAMES - 1;
    int fd = open("/proc/sys/kernel/cap_last_cap", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        char b[16] = {0};
        if (read(fd, b, sizeof b - 1) > 0)
            last = atoi(b);
        close(fd);
    }
    return last < 63 ? last : 63;
}

static uint64_t wanted_caps(struct spec *s, int last)
{
    uint64_t want = 0;
    if (s->privileged)
        return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
    for (int i = 0; i < s->caps.n; i++) {
        const char *n = s->caps.v[i];
        if (strncasecmp(n, "CAP_", 4) == 0)
            n += 4;
        if (strcasecmp(n, "ALL") == 0)
            return last >= 63 ? ~0ULL : (1ULL << (last + 1)) - 1;
        int found = -1;
        for (int c = 0; c < NCAPNAMES; c++)
            if (strcasecmp(n, cap_names[c]) == 0)
                found = c;
        if (found < 0)
            fail_kind(KIND_SETUP, "unknown capability %s", s->caps.v[i]);
        if (found <= last)
            want |= 1ULL << found;
    }
    return want;
}

/*
 * As Docker >= 23 with runc: bounding = permitted = effective = the list, inheritable and ambient empty.
 * Root keeps the bounding set across execve; a non-root user ends with no capabilities.
 */
static void apply_user_and_caps(struct spec *s, struct user *u)
{
    int last = last_cap();
    uint64_t want = wanted_caps(s, last);
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0, sizeof data);
    if (syscall(SYS_capget, &hdr, data) < 0)
        fail("capget");
    uint64_t have = (uint64_t)data[0].permitted | ((uint64_t)data[1].permitted << 32);
    want &= have; /* never ask for what this process lacks (e.g. CAP_SYS_RESOURCE here) */
    for (int c = 0; c <= last; c++)
        if (!(want & (1ULL << c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
            fail("drop capability %d from the bounding set", c);
    if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
        fail("prctl keepcaps");
    if (setgroups((size_t)u->ngroups, u->groups) < 0)
        fail("setgroups");
    if (setresgid(u->gid, u->gid, u->gid) < 0)
        fail("setgid %u", (unsigned)u->gid);
    if (setresuid(u->uid, u->uid, u->uid) < 0)
        fail("setuid %u", (unsigned)u->uid);
    if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
        fail("prctl keepcaps");
    memset(data, 0, sizeof data);
    data[0].permitted = data[0].effective = (uint32_t)want;
    data[1].permitted = data[1].effective = (uint32_t)(want >> 32);
    if (syscall(SYS_capset, &hdr, data) < 0)
        fail("capset");
    prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
}

/* ---- the command ---- */

static const char *env_get(struct spec *s, const char *name)
{
    size_t n = strlen(name);
    const char *v = NULL;
    for (int i = 0; i < s->env.n; i++)
        if (strncmp(s->env.v[i], name, n) == 0 && s->env.v[i][n] == '=')
            v = s->env.v[i] + n + 1;
    return v;
}

static int is_executable(const char *path)
{
    struct stat st;
    if (stat(path, &st) < 0)
        return -1;
    if (S_ISDIR(st.st_mode)) {
        errno = EACCES;
        return -1;
    }
    if (faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) < 0)
        return -1;
    return 0;
}

/* resolves argv[0] as Go's exec.LookPath does, reporting Docker's wording */
static char *resolve_command(struct spec *s)
{
    const char *name = s->args.v[0];
    if (strchr(name, '/')) {
        struct stat st;
        if (stat(name, &st) < 0)
            fail_kind(errno == ENOENT ? KIND_NOTFOUND : KIND_SETUP, "exec: \"%s\": stat %s: %s", name, name,
                      errno == ENOENT ? "no such file or directory" : strerror(errno));
        if (is_executable(name) < 0)
            fail_kind(KIND_NOEXEC, "exec: \"%s\": permission denied", name);
        return xstrdup(name);
    }
    const char *path = env_get(s, "PATH");
    if (!path)
        path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    if (*name) {
        const char *p = path;
        for (;;) {
            const char *e = strchr(p, ':');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char cand[PATH_MAX];
            if (n == 0)
                snprintf(cand, sizeof cand, "./%s", name);
            else
                snprintf(cand, sizeof cand, "%.*s/%s", (int)n, p, name);
            if (is_executable(cand) == 0)
                return xstrdup(cand);
            if (!e)
                break;
            p = e + 1;
        }
    }
    fail_kind(KIND_NOTFOUND, "exec: \"%s\": executable file not found in $PATH", name);
}

static void setup_tty(struct spec *s, struct user *u)
{
    int master = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (master < 0)
        fail("open /dev/pts/ptmx");
    int unlock = 0;
    if (ioctl(master, TIOCSPTLCK, &unlock) < 0)
        fail("unlockpt");
    int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY);
    if (slave < 0)
        fail("open the pty slave");
    if (s->rows > 0 && s->cols > 0) {
        struct winsize ws = {.ws_row = (unsigned short)s->rows, .ws_col = (unsigned short)s->cols};
        if (ioctl(master, TIOCSWINSZ, &ws) < 0)
            fail("set the terminal size");
    }
    if (u->uid != 0 && fchown(slave, u->uid, (gid_t)-1) < 0)
        fail("chown the pty slave");
    char p[32];
    if (mount(fdpath(slave, p), "/dev/console", NULL, MS_BIND, NULL) < 0)
        fail("bind the pty on /dev/console");
    if (ioctl(slave, TIOCSCTTY, 0) < 0)
        fail("make the pty the controlling terminal");
    for (int i = 0; i < 3; i++)
        if (dup2(slave, i) < 0)
            fail("dup the pty slave");
    close(slave);
    if (send_fd(sync_fd, "T", master) < 0)
        fail("send the pty master");
    close(master);
}

void container_main(struct spec *s, struct container_fds *fds)
{
    sync_fd = fds->sync;
    TMARK("container start");
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    umask(0);

    /* stdio first: the container's pid 1 keeps fds 0, 1, 2 */
    if (dup2(fds->stdin_r >= 0 ? fds->stdin_r : fds->devnull, 0) < 0 ||
        dup2(fds->stdout_w >= 0 ? fds->stdout_w : fds->devnull, 1) < 0 ||
        dup2(fds->stderr_w >= 0 ? fds->stderr_w : fds->devnull, 2) < 0)
        fail("set up stdio");

    if (setsid() < 0)
        fail("setsid");
    if (unshare(CLONE_NEWCGROUP) < 0)
        fail("unshare cgroup namespace");
    if (s->timens)
        setup_timens();
    if (mount(NULL, "/", NULL, MS_REC | MS_SLAVE, NULL) < 0)
        fail("make / rslave");

    /* the root filesystem, on <state-dir>/rootfs (the monitor's cwd is the state dir) */
    if (!strcmp(s->rootfs_type, "bind")) {
        if (mount(s->rootfs_source, "rootfs", NULL, MS_BIND | MS_REC, NULL) < 0)
            fail("bind rootfs %s", s->rootfs_source);
    } else if (mount(s->rootfs_source, "rootfs", s->rootfs_type, 0, s->rootfs_data) < 0) {
        fail("mount %s rootfs", s->rootfs_type);
    }
    int rootfd = open("rootfs", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (rootfd < 0)
        fail("open rootfs");

    mount_in_root(rootfd, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 1);
    mount_in_root(rootfd, "sysfs", "/sys", "sysfs",
                  MS_NOSUID | MS_NODEV | MS_NOEXEC | (s->privileged ? 0 : MS_RDONLY), NULL, 1);
    setup_dev(rootfd, s);
    for (int i = 0; i < s->nbinds; i++) {
        struct stat st;
        if (stat(s->binds[i].src, &st) < 0)
            fail("bind mount source %s", s->binds[i].src);
        mount_in_root(rootfd, s->binds[i].src, s->binds[i].dst, NULL,
                      MS_BIND | MS_REC | (s->binds[i].ro ? MS_RDONLY : 0), NULL, S_ISDIR(st.st_mode));
    }

    TMARK("mounts done");
    if (fchdir(rootfd) < 0)
        fail("chdir to rootfs");
    if (syscall(SYS_pivot_root, ".", ".") < 0)
        fail("pivot_root");
    if (umount2(".", MNT_DETACH) < 0)
        fail("detach the old root");
    if (chdir("/") < 0)
        fail("chdir /");
    close(rootfd);


    TMARK("pivot done");
    if (s->net == NET_NEW)
        loopback_up();
    if (!s->privileged) {
        mask_paths(s);
        readonly_paths(s);
    }
    if (sethostname(s->hostname, strlen(s->hostname)) < 0)
        fail("sethostname");

    struct user u;
    lookup_user(s, &u);
    if (s->tty)
        setup_tty(s, &u);
    else if (u.uid != 0)
        for (int i = 0; i < 3; i++) {
            struct stat st;
            if (fstat(i, &st) == 0 && S_ISFIFO(st.st_mode))
                if (fchown(i, u.uid, u.gid) < 0) /* as runc: the user may reopen /dev/stdout */
                    fail("chown stdio to the user");
        }

    /* the working directory, created as root if missing */
    int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    int wd = root < 0 ? -1 : ensure_in_root(root, s->cwd, 1);
    if (wd < 0)
        fail("create the working directory %s", s->cwd);
    close(wd);
    close(root);

    if (s->readonly && mount(NULL, "/", NULL, MS_REMOUNT | MS_BIND | MS_RDONLY | mount_flags_of("/"), NULL) < 0)
        fail("remount / read-only");

    for (int i = 0; i < s->nrlimits; i++) {
        struct rlimit cur, nl;
        getrlimit(s->rlimits[i].resource, &cur);
        nl.rlim_max = s->rlimits[i].hard < cur.rlim_max ? s->rlimits[i].hard : cur.rlim_max;
        nl.rlim_cur = s->rlimits[i].soft < nl.rlim_max ? s->rlimits[i].soft : nl.rlim_max;
        if (setrlimit(s->rlimits[i].resource, &nl) < 0)
            fail("setrlimit %d", s->rlimits[i].resource);
    }

    TMARK("caps");
    apply_user_and_caps(s, &u);
    umask(022);
    if (chdir(s->cwd) < 0)
        fail("chdir to cwd (\"%s\") set in config.json failed", s->cwd);

    /* the environment: HOME from passwd when not given, as runc does */
    if (!env_get(s, "HOME")) {
        char *h = xmalloc(strlen(u.home) + 6);
        sprintf(h, "HOME=%s", u.home);
        strv_push(&s->env, h);
    }
    if (s->env.n == 0)
        strv_push(&s->env, NULL), s->env.n = 0;

    char *path = resolve_command(s);
    if (s->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        fail("prctl no_new_privs");

    /* ready: wait for the go */
    TMARK("ready");
    if (send(sync_fd, "R", 1, MSG_NOSIGNAL) < 0)
        _exit(1);
    char go[8];
    ssize_t n;
    do {
        n = recv(sync_fd, go, sizeof go, 0);
    } while (n < 0 && errno == EINTR);
    if (n <= 0 || go[0] != 'G')
        _exit(1);
    syscall(SYS_close_range, 3, ~0U, 4 /* CLOSE_RANGE_CLOEXEC */);
    execve(path, s->args.v, s->env.v);
    int e = errno;
    fail_kind(e == ENOENT ? KIND_NOTFOUND : e == EACCES ? KIND_NOEXEC : KIND_SETUP, "exec %s: %s", path,
              e == ENOENT ? "no such file or directory" : strerror(e));
}
