/* util.h — the small host helpers every tool of tools/ shares: a monotonic clock, mkdir -p,
 * "dir/name" joins, safe file-name components and the live-temporary registry. Plain POSIX, no
 * clvis state; the library's own helpers (io/fsutil.h, io/atomic.h) behind them. */
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

/* The longest name util_safe_name writes (without the NUL). */
#define UTIL_NAME_MAX 120
/* fs_safe_name: untrusted text as one safe file-name component (no '/', no "..", no control
 * characters, no leading dot). 1 when changed, 0 when kept. */
int util_safe_name(const char *in, char *out, size_t cap);

/* Paths a SIGINT/SIGTERM/SIGHUP/SIGQUIT removes before the signal ends the process
 * (io/atomic.h): util_live_add returns a slot (-1: none free) for util_live_remove. */
int util_live_add(const char *path);
/* A folder removed (when empty) after the files, in the order added: the deepest first. */
int util_live_add_dir(const char *path);
void util_live_remove(int slot);
/* Installs that signal handler (where a signal is not ignored). */
void util_cleanup_on_signals(void);

#endif
