/* cache.c — kernel cache entries: format, verification, safe reads and crash-safe writes. */
#include "cache.h"
#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static void put_le(unsigned char *p, uint64_t v, int bytes)
{
    for (int i = 0; i < bytes; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint64_t get_le(const unsigned char *p, int bytes)
{
    uint64_t v = 0;
    for (int i = bytes - 1; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

void cache_key_hash(const char *const *fields, int n, unsigned char key[SHA256_BYTES])
{
    sha256_ctx c;
    sha256_init(&c);
    for (int i = 0; i < n; i++) {
        const char *s = fields[i] ? fields[i] : "";
        unsigned char len[8];
        put_le(len, strlen(s), 8);
        sha256_update(&c, len, sizeof len);
        sha256_update(&c, s, strlen(s));
    }
    sha256_final(&c, key);
}

clvis_status cache_entry_make(const unsigned char key[SHA256_BYTES], const void *payload,
                              size_t n, unsigned char **out, size_t *out_len)
{
    *out = NULL;
    *out_len = 0;
    if (n == 0 || n > CACHE_MAX_BYTES - CACHE_HEADER_BYTES)
        return err_set(CLVIS_ERR_INVALID_ARG, "kernel cache: a binary of %zu bytes", n);
    unsigned char *e = malloc(CACHE_HEADER_BYTES + n);
    if (!e)
        return err_set(CLVIS_ERR_NO_MEMORY, "kernel cache: out of host memory");
    memcpy(e, CACHE_MAGIC, 8);
    put_le(e + 8, CACHE_VERSION, 4);
    put_le(e + 12, CACHE_HEADER_BYTES, 4);
    put_le(e + 16, n, 8);
    memcpy(e + 24, key, SHA256_BYTES);
    sha256(payload, n, e + 56);
    memcpy(e + CACHE_HEADER_BYTES, payload, n);
    *out = e;
    *out_len = CACHE_HEADER_BYTES + n;
    return CLVIS_OK;
}

clvis_status cache_entry_check(const unsigned char *buf, size_t len,
                               const unsigned char key[SHA256_BYTES], size_t *payload_off,
                               size_t *payload_len)
{
    *payload_off = *payload_len = 0;
    if (!buf || len < CACHE_HEADER_BYTES)
        return err_set(CLVIS_ERR_FORMAT, "truncated header (%zu of %u bytes)", buf ? len : 0,
                       CACHE_HEADER_BYTES);
    if (memcmp(buf, CACHE_MAGIC, 8) != 0)
        return err_set(CLVIS_ERR_FORMAT, "not a clvis cache entry (bad magic)");
    uint64_t version = get_le(buf + 8, 4), hsize = get_le(buf + 12, 4);
    uint64_t n = get_le(buf + 16, 8), have = len - CACHE_HEADER_BYTES;
    if (version != CACHE_VERSION)
        return err_set(CLVIS_ERR_FORMAT, "format version %llu (this clvis writes %u)",
                       (unsigned long long)version, CACHE_VERSION);
    if (hsize != CACHE_HEADER_BYTES)
        return err_set(CLVIS_ERR_FORMAT, "header size %llu (expected %u)",
                       (unsigned long long)hsize, CACHE_HEADER_BYTES);
    if (n == 0)
        return err_set(CLVIS_ERR_FORMAT, "empty binary");
    if (n != have)
        return err_set(CLVIS_ERR_FORMAT, "%s: header says %llu bytes of binary, file has %llu",
                       n > have ? "truncated" : "trailing bytes", (unsigned long long)n,
                       (unsigned long long)have);
    if (memcmp(buf + 24, key, SHA256_BYTES) != 0)
        return err_set(CLVIS_ERR_FORMAT,
                       "written for another key (kernel source, options, device or driver)");
    unsigned char h[SHA256_BYTES];
    sha256(buf + CACHE_HEADER_BYTES, (size_t)n, h);
    if (memcmp(buf + 56, h, SHA256_BYTES) != 0)
        return err_set(CLVIS_ERR_FORMAT, "binary does not match its SHA-256");
    *payload_off = CACHE_HEADER_BYTES;
    *payload_len = (size_t)n;
    return CLVIS_OK;
}

clvis_status cache_file_read(const char *path, size_t max, unsigned char **out, size_t *len)
{
    *out = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        int e = errno;
        if (e == ENOENT)
            return err_set(CLVIS_ERR_NOT_FOUND, "%s: no such file", path);
        if (e == ELOOP)
            return err_set(CLVIS_ERR_FORMAT, "%s: a symbolic link, not read", path);
        return err_set(CLVIS_ERR_IO, "%s: %s", path, strerror(e));
    }
    struct stat st;
    clvis_status rc = CLVIS_OK;
    if (fstat(fd, &st) != 0)
        rc = err_set(CLVIS_ERR_IO, "%s: fstat: %s", path, strerror(errno));
    else if (!S_ISREG(st.st_mode))
        rc = err_set(CLVIS_ERR_FORMAT, "%s: not a regular file, not read", path);
    else if (st.st_size < 0 || (uint64_t)st.st_size > max)
        rc = err_set(CLVIS_ERR_FORMAT, "%s: %lld bytes, over the %zu-byte limit", path,
                     (long long)st.st_size, max);
    unsigned char *buf = NULL;
    size_t want = rc ? 0 : (size_t)st.st_size, got = 0;
    if (!rc && !(buf = malloc(want ? want : 1)))
        rc = err_set(CLVIS_ERR_NO_MEMORY, "%s: out of host memory", path);
    while (!rc && got < want) { /* a file that shrinks meanwhile reads short: the check sees it */
        ssize_t r = read(fd, buf + got, want - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            rc = err_set(CLVIS_ERR_IO, "%s: read: %s", path, strerror(errno));
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *len = got;
    return CLVIS_OK;
}

clvis_status cache_file_write(const char *path, const void *data, size_t n)
{
    return file_write_atomic_mode(path, data, n, 0644);
}
