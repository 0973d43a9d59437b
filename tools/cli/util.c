/* util.c — the tools' clock, mkdir -p (the library's io/fsutil.c) and path joins. */
#include "cli/util.h"

#include <stdio.h>

#include "io/fsutil.h" /* the library's one copy */

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
