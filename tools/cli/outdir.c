/* outdir.c — output directory preparation, paths and index entries (outdir.h). */
#include "cli/outdir.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/util.h"

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

int out_report(const cli_args *o, const report_entry *e, int n)
{
    clvis_status st = report_add(o->out, e, n);
    if (st)
        return cli_fail_st(st);
    if (!cli_quiet)
        fprintf(stderr, "index: %s/index.html\n", o->out);
    return 0;
}
