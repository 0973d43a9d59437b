/* fsutil.h — the small POSIX helpers the library and its tools share, written once: a
 * monotonic clock, mkdir -p and safe file-name components. */
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

/* The longest name fs_safe_name writes (bytes, without the NUL). */
#define FS_NAME_MAX 120
/* A name from untrusted text (a layer name, an image stem) made safe as one component of a
 * file name: letters, digits, '_', '-', '+' and single inner dots are kept, every other byte
 * ('/', control characters, spaces, a leading dot, the second dot of "..", non-ASCII) becomes
 * '_'; at most FS_NAME_MAX bytes (and cap - 1); "" becomes "_". So the result never names a
 * directory, a parent or a hidden file. Returns 1 when the name changed, 0 when it was kept,
 * -1 when cap < 2. */
int fs_safe_name(const char *in, char *out, size_t cap);

#endif
