/* util.c — monotonic clock, mkdir -p and path joins for the tools (see util.h). */
#include "cli/util.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

double util_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int make_one(const char *p, char *failed, size_t cap)
{
    if (mkdir(p, 0777) == 0 || errno == EEXIST)
        return 0;
    int e = errno;
    if (failed && cap)
        snprintf(failed, cap, "%s", p);
    errno = e;
    return -1;
}

int util_mkdir_p(const char *path, char *failed, size_t cap)
{
    char p[4096];
    if (!*path || snprintf(p, sizeof p, "%s", path) >= (int)sizeof p) {
        if (failed && cap)
            snprintf(failed, cap, "%s", path);
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *q = p + 1; *q; q++)
        if (*q == '/') {
            *q = 0;
            if (make_one(p, failed, cap))
                return -1;
            *q = '/';
        }
    return make_one(p, failed, cap);
}

int util_path_join(char *buf, size_t cap, const char *dir, const char *name)
{
    int n = snprintf(buf, cap, "%s%s%s", dir ? dir : "", dir && *dir ? "/" : "", name);
    return (n < 0 || (size_t)n >= cap) ? -1 : 0;
}
