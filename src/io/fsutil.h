/* fsutil.h — the small POSIX helpers the library and its tools share, written once: a
 * monotonic clock and mkdir -p. */
#ifndef CLVIS_IO_FSUTIL_H
#define CLVIS_IO_FSUTIL_H

#include <stddef.h>
#include <sys/types.h>

/* Monotonic clock in milliseconds. */
double fs_now_ms(void);

/* mkdir -p path with `mode` (before the umask). 0, or -1 with errno set and the directory that
 * could not be made in failed (cap bytes; may be NULL). An existing path of any type is not an
 * error here: callers check that it is a directory. */
int fs_mkdir_p(const char *path, mode_t mode, char *failed, size_t cap);

#endif
