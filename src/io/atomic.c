/* atomic.c — file_write_atomic: an exclusive, never-followed temporary in the target's
 * directory, fsync, rename, fsync of the directory. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* 64 unpredictable bits for a temporary's name; a clock-and-pid mix where getrandom fails
 * (O_EXCL keeps that safe, only guessable). */
static unsigned long long random_name(void)
{
    static unsigned long long counter;
    unsigned long long v;
    if (getrandom(&v, sizeof v, GRND_NONBLOCK) == (ssize_t)sizeof v)
        return v;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return ((unsigned long long)ts.tv_nsec ^ (unsigned long long)ts.tv_sec << 30 ^
            (unsigned long long)getpid() << 40) + ++counter * 0x9E3779B97F4A7C15ULL;
}

clvis_status file_write_atomic_mode(const char *path, const void *data, size_t n, mode_t mode)
{
    if (!path || !*path || (!data && n > 0))
        return err_set(CLVIS_ERR_INVALID_ARG, "file_write_atomic: no path or no data");
    const char *slash = strrchr(path, '/');
    char dir[4096], tmp[4300];
    size_t dlen = slash ? (size_t)(slash - path) : 0;
    if (dlen >= sizeof dir || strlen(path) + 64 >= sizeof tmp)
        return err_set(CLVIS_ERR_IO, "%s: path too long", path);
    if (slash) {
        memcpy(dir, path, dlen ? dlen : 1); /* "/x": the root */
        dir[dlen ? dlen : 1] = 0;
    } else {
        snprintf(dir, sizeof dir, ".");
    }
    const char *base = slash ? slash + 1 : path;
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%ld.%016llx", dir, base, (long)getpid(),
                 random_name());
        fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST)
            break;
    }
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot create a temporary file in %s: %s", path, dir,
                       strerror(errno));
    const unsigned char *p = data;
    size_t left = n;
    const char *step = NULL;
    int e = 0;
    while (left > 0 && !step) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            step = "write failed";
            e = w < 0 ? errno : ENOSPC;
            break;
        }
        p += w;
        left -= (size_t)w;
    }
    if (!step && fsync(fd) != 0) {
        step = "fsync failed";
        e = errno;
    }
    if (close(fd) != 0 && !step) {
        step = "close failed";
        e = errno;
    }
    if (!step && rename(tmp, path) != 0) {
        step = "cannot rename the temporary file into place";
        e = errno;
    }
    if (step) {
        unlink(tmp);
        return err_set(CLVIS_ERR_IO, "%s: %s: %s", path, step, strerror(e));
    }
    /* the rename itself made durable; some file systems refuse fsync on a directory */
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        (void)fsync(dfd);
        close(dfd);
    }
    return CLVIS_OK;
}

clvis_status file_write_atomic(const char *path, const void *data, size_t n)
{
    return file_write_atomic_mode(path, data, n, 0666);
}
