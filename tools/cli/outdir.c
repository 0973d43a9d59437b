/* outdir.c — output directory preparation, paths and index entries (outdir.h). */
#include "cli/outdir.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/util.h"
#include "io/fsutil.h"

int out_prepare(const char *dir)
{
    char p[1024];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p || !*dir)
        return cli_fail("--out: bad directory '%s'", dir);
    char failed[1024];
    if (util_mkdir_p(p, failed, sizeof failed))
        return cli_fail("cannot create output directory %s: %s", failed, strerror(errno));
    struct stat sb;
    if (stat(p, &sb) || !S_ISDIR(sb.st_mode))
        return cli_fail("output path %s is not a directory", p);
    if (access(p, W_OK | X_OK))
        return cli_fail("output directory %s is not writable: %s", p, strerror(errno));
    return 0;
}

int out_path(char *buf, size_t cap, const char *dir, const char *name)
{
    if (util_path_join(buf, cap, dir, name))
        return cli_fail("path too long: %s/%s", dir ? dir : "", name);
    return 0;
}

static int names_has(const out_names *u, const char *name)
{
    for (int i = 0; i < u->n; i++)
        if (!strcmp(u->name[i], name))
            return 1;
    return 0;
}

static int names_add(out_names *u, const char *name)
{
    char **p = realloc(u->name, (size_t)(u->n + 1) * sizeof *p);
    if (!p)
        return cli_fail("out of host memory");
    u->name = p;
    if (!(u->name[u->n] = strdup(name)))
        return cli_fail("out of host memory");
    u->n++;
    return 0;
}

int out_name(out_names *u, const char *prefix, const char *raw, const char *suffix,
             const char *from, char *buf, size_t cap)
{
    char safe[FS_NAME_MAX + 1];
    fs_safe_name(raw, safe, sizeof safe);
    int n = snprintf(buf, cap, "%s%s%s", prefix, safe, suffix);
    if (n < 0 || (size_t)n >= cap)
        return cli_fail("output name too long: %s%s%s", prefix, safe, suffix);
    if (names_has(u, buf)) {
        char first[512];
        snprintf(first, sizeof first, "%s", buf);
        for (int k = 2;; k++) {
            n = snprintf(buf, cap, "%s%s_%d%s", prefix, safe, k, suffix);
            if (n < 0 || (size_t)n >= cap)
                return cli_fail("output name too long: %s%s_%d%s", prefix, safe, k, suffix);
            if (!names_has(u, buf))
                break;
        }
        fprintf(stderr, "clvis: warning: %s is already a result of this run; %s is written "
                        "as %s\n", first, from ? from : raw, buf);
    }
    return names_add(u, buf);
}

void out_names_free(out_names *u)
{
    for (int i = 0; i < u->n; i++)
        free(u->name[i]);
    free(u->name);
    u->name = NULL;
    u->n = 0;
}

int out_report(const cli_args *o, const report_entry *e, int n)
{
    clvis_status st = report_add(o->out, e, n);
    if (st)
        return cli_fail_st(st);
    if (!cli_quiet)
        fprintf(stderr, "index: %s/index.html\n", o->out);
    return 0;
}
