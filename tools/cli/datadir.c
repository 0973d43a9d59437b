/* datadir.c — run-time lookup of the CLI's data files (see datadir.h). The source tree is a
 * fallback only for a binary that lives inside the build directory it was compiled for
 * (CLVIS_BUILD_ROOT / CLVIS_SOURCE_ROOT come from meson for this file alone), so an installed or
 * copied binary never reads the tree it was built from. */
#include "cli/datadir.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/util.h"

static int is_dir(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* The directory of the running binary (resolved), or "" when /proc/self/exe is unreadable. */
static void exe_dir(char *buf, size_t cap)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    buf[0] = 0;
    if (n <= 0)
        return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash)
        return;
    *slash = 0;
    snprintf(buf, cap, "%s", *exe ? exe : "/");
}

/* 1 when path (resolved) is root or below it. */
static int inside(const char *path, const char *root)
{
    char rp[PATH_MAX];
    if (!*root || !realpath(root, rp))
        return 0;
    size_t n = strlen(rp);
    return !strncmp(path, rp, n) && (path[n] == '/' || path[n] == 0);
}

const char *data_dir(char *dir, size_t cap)
{
    const char *env = getenv("CLVIS_DATA_DIR");
    if (env && *env) {
        snprintf(dir, cap, "%s", env);
        return "CLVIS_DATA_DIR";
    }
    char exe[PATH_MAX], share[PATH_MAX + 32];
    exe_dir(exe, sizeof exe);
    if (*exe) {
        snprintf(share, sizeof share, "%s/../share/clvis", exe);
        char rp[PATH_MAX];
        if (is_dir(share) && realpath(share, rp)) {
            snprintf(dir, cap, "%s", rp);
            return "prefix";
        }
    }
#if defined(CLVIS_BUILD_ROOT) && defined(CLVIS_SOURCE_ROOT)
    if (*exe && inside(exe, CLVIS_BUILD_ROOT) && is_dir(CLVIS_SOURCE_ROOT)) {
        snprintf(dir, cap, "%s", CLVIS_SOURCE_ROOT);
        return "build";
    }
#else
    (void)inside;
#endif
    if (cap)
        dir[0] = 0;
    return NULL;
}

int data_path(const char *rel, const char *src_rel, char *buf, size_t cap)
{
    char dir[PATH_MAX];
    const char *from = data_dir(dir, sizeof dir);
    if (!from) {
        snprintf(buf, cap, "%s", rel);
        return -1;
    }
    return util_path_join(buf, cap, dir, strcmp(from, "build") ? rel : src_rel);
}
