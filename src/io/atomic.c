/* atomic.c — file_write_atomic: temporary file in the target's directory, fsync, rename. */
#if !defined(_GNU_SOURCE) && !defined(_POSIX_C_SOURCE)
#define _POSIX_C_SOURCE 200809L
#endif

#include "io/atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Best effort: makes the rename itself durable. Failures are ignored (some file systems refuse
 * fsync on directories). */
static void atomic_sync_dir(const char *path)
{
    char dir[4096];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, sizeof dir, ".");
    } else if (slash == path) {
        snprintf(dir, sizeof dir, "/");
    } else {
        size_t len = (size_t)(slash - path);
        if (len >= sizeof dir)
            return;
        memcpy(dir, path, len);
        dir[len] = '\0';
    }
    int fd = open(dir, O_RDONLY);
    if (fd >= 0) {
        (void)fsync(fd);
        close(fd);
    }
}

clvis_status file_write_atomic(const char *path, const void *data, size_t n)
{
    if (!path || !*path || (!data && n > 0))
        return err_set(CLVIS_ERR_INVALID_ARG, "file_write_atomic: no path or no data");

    size_t cap = strlen(path) + 32;
    char *tmp = malloc(cap);
    if (!tmp)
        return err_set(CLVIS_ERR_NO_MEMORY, "%s: out of memory", path);
    snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());

    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0666);
    if (fd < 0) {
        int e = errno;
        free(tmp);
        return err_set(CLVIS_ERR_IO, "%s: cannot create file: %s", path, strerror(e));
    }

    const unsigned char *p = data;
    size_t left = n;
    while (left > 0) {
        ssize_t w = write(fd, p, left);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            close(fd);
            unlink(tmp);
            free(tmp);
            return err_set(CLVIS_ERR_IO, "%s: write failed: %s", path, strerror(e));
        }
        p += w;
        left -= (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        free(tmp);
        return err_set(CLVIS_ERR_IO, "%s: fsync failed: %s", path, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return err_set(CLVIS_ERR_IO, "%s: close failed: %s", path, strerror(e));
    }
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        free(tmp);
        return err_set(CLVIS_ERR_IO, "%s: cannot rename temporary file into place: %s", path,
                       strerror(e));
    }
    free(tmp);
    atomic_sync_dir(path);
    return CLVIS_OK;
}
