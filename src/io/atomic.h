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

/* Live temporaries: paths a signal handler removes (at most 16 at a time; when full, -1 and the
 * path is left to the sweep at the next start). atomic_live_add returns a slot for
 * atomic_live_remove (which ignores -1). file_write_atomic registers its temporary itself. */
int atomic_live_add(const char *path);
/* A folder removed (rmdir: only when empty) after the files; folders go in the order added
 * (add the deepest first). */
int atomic_live_add_dir(const char *path);
void atomic_live_remove(int slot);
/* unlink()s every live path, then rmdir()s every live folder; async-signal-safe. */
void atomic_live_unlink_all(void);
/* Installs a handler for SIGINT, SIGTERM, SIGHUP and SIGQUIT (not where the signal is ignored)
 * that removes the live temporaries, then lets the signal end the process as it would have.
 * For programs (the CLI); a library user with its own handlers calls atomic_live_unlink_all.
 * 0, or -1 when sigaction failed. */
int atomic_cleanup_on_signals(void);

#endif
