/* atomic.h — crash-safe file output: write "<path>.tmp.<pid>", fsync, rename over <path>.
 * On any failure the temporary is removed and <path> is left as it was (usually absent). */
#ifndef CLVIS_IO_ATOMIC_H
#define CLVIS_IO_ATOMIC_H

#include <stddef.h>

#include "core/error.h"

/* Writes n bytes of data to path atomically. CLVIS_ERR_IO (naming the file) on failure. */
clvis_status file_write_atomic(const char *path, const void *data, size_t n);

#endif
