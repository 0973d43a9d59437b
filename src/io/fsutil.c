/* fsutil.c — monotonic clock and mkdir -p (see fsutil.h). */
#include "io/fsutil.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>

double fs_now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int make_one(const char *p, mode_t mode, char *failed, size_t cap)
{
    if (mkdir(p, mode) == 0 || errno == EEXIST)
        return 0;
    int e = errno;
    if (failed && cap)
        snprintf(failed, cap, "%s", p);
    errno = e;
    return -1;
}

int fs_mkdir_p(const char *path, mode_t mode, char *failed, size_t cap)
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
            if (make_one(p, mode, failed, cap))
                return -1;
            *q = '/';
        }
    return make_one(p, mode, failed, cap);
}

int fs_safe_name(const char *in, char *out, size_t cap)
{
    if (!out || cap < 2)
        return -1;
    size_t n = 0;
    int changed = 0;
    for (const char *p = in ? in : ""; *p; p++) {
        unsigned char c = (unsigned char)*p;
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '+' ||
                 (c == '.' && n > 0 && out[n - 1] != '.'); /* no leading dot, no ".." */
        if (n + 1 >= cap || n >= FS_NAME_MAX) {
            changed = 1;
            break;
        }
        out[n++] = ok ? (char)c : '_';
        changed |= !ok;
    }
    if (!n) {
        out[n++] = '_';
        changed = 1;
    }
    out[n] = 0;
    return changed;
}
