/* util.h — the small host helpers every tool of tools/ shares: a monotonic clock, mkdir -p and
 * "dir/name" joins. Plain POSIX, no clvis state. */
#ifndef CLVIS_CLI_UTIL_H
#define CLVIS_CLI_UTIL_H

#include <stddef.h>

/* Monotonic clock in milliseconds. */
double util_now_ms(void);

/* mkdir -p path (mode 0777 before the umask). 0, or -1 with errno set and the directory that
 * could not be made in failed (cap bytes; may be NULL). An existing path of any type is not an
 * error here: callers check that it is a directory. */
int util_mkdir_p(const char *path, char *failed, size_t cap);

/* "dir/name" (just name when dir is NULL or ""). 0, or -1 when it does not fit in cap. */
int util_path_join(char *buf, size_t cap, const char *dir, const char *name);

#endif
