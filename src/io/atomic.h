/* atomic.h — crash-safe file output: a temporary ".<name>.tmp.<pid>.<random>" beside <path>,
 * created with O_CREAT|O_EXCL|O_NOFOLLOW (a planted link or file there is never followed or
 * reused), written, fsynced and renamed over <path>. On any failure the temporary is removed
 * and <path> is left as it was (usually absent). */
#ifndef CLVIS_IO_ATOMIC_H
#define CLVIS_IO_ATOMIC_H

#include <stddef.h>
#include <sys/types.h>

#include "core/error.h"

/* Writes n bytes of data to path atomically. CLVIS_ERR_IO (naming the file) on failure. */
clvis_status file_write_atomic(const char *path, const void *data, size_t n);
/* The same with the file's mode (before the umask); file_write_atomic uses 0666. */
clvis_status file_write_atomic_mode(const char *path, const void *data, size_t n, mode_t mode);

#endif
