/* util.c — the tools' clock, mkdir -p, safe names (the library's io/fsutil.c), path joins and
 * live temporaries (io/atomic.c). */
#include "cli/util.h"

#include <stdio.h>

#include "io/atomic.h" /* the library's one copy of each */
#include "io/fsutil.h"

_Static_assert(UTIL_NAME_MAX == FS_NAME_MAX, "util.h and io/fsutil.h agree on the name limit");

double util_now_ms(void)
{
    return fs_now_ms();
}

int util_mkdir_p(const char *path, char *failed, size_t cap)
{
    return fs_mkdir_p(path, 0777, failed, cap);
}

int util_path_join(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s%s%s", dir ? dir : "", dir && *dir ? "/" : "", name);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}

int util_safe_name(const char *in, char *out, size_t cap)
{
    return fs_safe_name(in, out, cap);
}

int util_live_add(const char *path)
{
    return atomic_live_add(path);
}

int util_live_add_dir(const char *path)
{
    return atomic_live_add_dir(path);
}

void util_live_remove(int slot)
{
    atomic_live_remove(slot);
}

void util_cleanup_on_signals(void)
{
    (void)atomic_cleanup_on_signals();
}
