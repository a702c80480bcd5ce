/*
 * Docker's json-file log format: one JSON object per line,
 *   {"log":"hello\n","stream":"stdout","time":"2026-11-28T04:02:52.847396123Z"}
 * Strings are escaped as Go's encoding/json does (HTML-safe: < > & as \u003c..., control characters
 * as \n \r \t or \u00XX, U+2028/U+2029 escaped, invalid UTF-8 bytes replaced by \ufffd).
 * Each read of the container's output (at most 16 KiB) is split at newlines; a trailing partial line is
 * written as its own record (an incomplete UTF-8 sequence at its end is carried to the next read).
 * Rotation by size: log -> log.1 -> log.2 ..., max_files files in total (max_files 1: truncate).
 */
#include "berth.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char hexd[] = "0123456789abcdef";

/* length of the valid UTF-8 sequence at s (as Go's utf8.DecodeRune), 0 if invalid; *rune gets the value */
static int utf8_seq(const unsigned char *s, size_t n, unsigned *rune)
{
    unsigned c = s[0];
    if (c < 0x80) {
        *rune = c;
        return 1;
    }
    int len;
    unsigned min, r;
    if (c >= 0xc2 && c <= 0xdf) { len = 2; min = 0x80; r = c & 0x1f; }
    else if (c >= 0xe0 && c <= 0xef) { len = 3; min = 0x800; r = c & 0x0f; }
    else if (c >= 0xf0 && c <= 0xf4) { len = 4; min = 0x10000; r = c & 0x07; }
    else return 0;
    if ((size_t)len > n)
        return 0;
    for (int i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        r = (r << 6) | (s[i] & 0x3f);
    }
    if (r < min || r > 0x10ffff || (r >= 0xd800 && r <= 0xdfff))
        return 0;
    *rune = r;
    return len;
}

/* length of a trailing incomplete (but so far valid) multi-byte sequence at the end of p, 0 if none */
static size_t utf8_incomplete_tail(const unsigned char *p, size_t n)
{
    for (size_t back = 1; back <= 3 && back <= n; back++) {
        unsigned char c = p[n - back];
        if ((c & 0xc0) == 0x80)
            continue; /* continuation byte: look further back */
        size_t need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c <= 0xef ? 3 : c >= 0xc2 && c <= 0xdf ? 2 : 0;
        return need > back ? back : 0;
    }
    return 0;
}

void json_escape(struct buf *b, const unsigned char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        unsigned char c = s[i];
        if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
            size_t j = i + 1;
            while (j < n && s[j] >= 0x20 && s[j] < 0x80 && s[j] != '"' && s[j] != '\\' && s[j] != '<' &&
                   s[j] != '>' && s[j] != '&')
                j++;
            buf_put(b, s + i, j - i);
            i = j;
            continue;
        }
        if (c < 0x80) {
            switch (c) {
            case '"': buf_put(b, "\\\"", 2); break;
            case '\\': buf_put(b, "\\\\", 2); break;
            case '\n': buf_put(b, "\\n", 2); break;
            case '\r': buf_put(b, "\\r", 2); break;
            case '\t': buf_put(b, "\\t", 2); break;
            default: {
                char e[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
                buf_put(b, e, 6);
            }
            }
            i++;
            continue;
        }
        unsigned rune;
        int len = utf8_seq(s + i, n - i, &rune);
        if (len == 0) {
            buf_put(b, "\\ufffd", 6);
            i++;
        } else if (rune == 0x2028 || rune == 0x2029) {
            buf_put(b, rune == 0x2028 ? "\\u2028" : "\\u2029", 6);
            i += (size_t)len;
        } else {
            buf_put(b, s + i, (size_t)len);
            i += (size_t)len;
        }
    }
}

/* RFC 3339 with 9 fraction digits in UTC, as Docker's RFC3339NanoFixed */
void format_time(struct buf *b, long long ns)
{
    time_t sec = (time_t)(ns / 1000000000LL);
    long frac = (long)(ns % 1000000000LL);
    struct tm tm;
    gmtime_r(&sec, &tm);
    char t[64];
    int n = snprintf(t, sizeof t, "%04d-%02d-%02dT%02d:%02d:%02d.%09ldZ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, frac);
    buf_put(b, t, (size_t)n);
}

int jsonlog_open(struct jsonlog *l, const char *path, long long max_size, int max_files)
{
    memset(l, 0, sizeof *l);
    l->fd = -1;
    if (!path || !*path)
        return 0;
    l->path = xstrdup(path);
    l->max_size = max_size;
    l->max_files = max_files < 1 ? 1 : max_files;
    l->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
    if (l->fd < 0)
        return -1;
    struct stat st;
    l->size = fstat(l->fd, &st) == 0 ? st.st_size : 0;
    return 0;
}

static void rotate(struct jsonlog *l)
{
    if (l->max_files <= 1) {
        if (ftruncate(l->fd, 0) == 0)
            l->size = 0;
        return;
    }
    char from[4200], to[4200];
    for (int i = l->max_files - 1; i >= 1; i--) {
        if (i == 1)
            snprintf(from, sizeof from, "%s", l->path);
        else
            snprintf(from, sizeof from, "%s.%d", l->path, i - 1);
        snprintf(to, sizeof to, "%s.%d", l->path, i);
        rename(from, to); /* ENOENT for files not there yet is fine */
    }
    int fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd >= 0) {
        close(l->fd);
        l->fd = fd;
        l->size = 0;
    }
}

static void flush(struct jsonlog *l, struct buf *out)
{
    if (out->len == 0)
        return;
    if (write_all(l->fd, out->d, out->len) == 0)
        l->size += (long long)out->len;
    out->len = 0;
}

static void record(struct jsonlog *l, struct buf *out, const char *stream, const unsigned char *p, size_t n,
                   long long ts)
{
    size_t start = out->len;
    buf_puts(out, "{\"log\":\"");
    json_escape(out, p, n);
    buf_puts(out, "\",\"stream\":\"");
    buf_puts(out, stream);
    buf_puts(out, "\",\"time\":\"");
    format_time(out, ts);
    buf_puts(out, "\"}\n");
    size_t rec = out->len - start;
    if (l->max_size > 0 && l->size + (long long)out->len > l->max_size && l->size + (long long)start > 0) {
        /* the record does not fit: write what came before, rotate, then start the new file with it */
        struct buf tail = {0};
        buf_put(&tail, out->d + start, rec);
        out->len = start;
        flush(l, out);
        rotate(l);
        buf_put(out, tail.d, tail.len);
        buf_free(&tail);
    }
}

void jsonlog_write(struct jsonlog *l, int stream, const unsigned char *p, size_t n, int eof)
{
    if (l->fd < 0)
        return;
    const char *name = stream == 0 ? "stdout" : "stderr";
    long long ts = now_realtime_ns();
    struct buf in = {0};
    if (l->carry_len[stream]) {
        buf_put(&in, l->carry[stream], (size_t)l->carry_len[stream]);
        buf_put(&in, p, n);
        p = (const unsigned char *)in.d;
        n = in.len;
        l->carry_len[stream] = 0;
    }
    static struct buf out;
    size_t i = 0;
    while (i < n) {
        const unsigned char *nl = memchr(p + i, '\n', n - i);
        size_t end = nl ? (size_t)(nl - p) + 1 : n;
        if (!nl && !eof) {
            size_t tail = utf8_incomplete_tail(p + i, end - i);
            if (tail) {
                memcpy(l->carry[stream], p + end - tail, tail);
                l->carry_len[stream] = (int)tail;
                end -= tail;
            }
        }
        if (end > i)
            record(l, &out, name, p + i, end - i, ts);
        if (!nl)
            break;
        i = end;
    }
    flush(l, &out);
    buf_free(&in);
}
