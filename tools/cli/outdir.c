/* outdir.c — output directory preparation, paths and index entries (outdir.h). */
#include "cli/outdir.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli/common.h"
#include "cli/manifest.h"
#include "cli/util.h"

/* The folders out_prepare made (the deepest and the shallowest), for out_finish; and their
 * live slots, so a signal that ends the run removes them too when they are still empty. */
static char made_deep[1024], made_top[1024];
static int made_slot[8], made_n;

static void made_register(void)
{
    char q[1024];
    snprintf(q, sizeof q, "%s", made_deep);
    size_t top = strlen(made_top);
    made_n = 0;
    while (made_n < 8 && strlen(q) >= top) {
        made_slot[made_n++] = util_live_add_dir(q);
        char *s = strrchr(q, '/');
        if (!s || s == q)
            break;
        *s = 0;
    }
}

static void made_unregister(void)
{
    for (int i = 0; i < made_n; i++)
        util_live_remove(made_slot[i]);
    made_n = 0;
}

/* A temporary of file_write_atomic, dump or an older clvis whose process is gone:
 * ".<name>.tmp.<pid>.<16 hex>" or "<name>.tmp.<pid>". */
static int stale_temp(const char *name)
{
    const char *t = NULL;
    for (const char *q = strstr(name, ".tmp."); q; q = strstr(q + 1, ".tmp."))
        t = q;
    if (!t || t == name)
        return 0;
    const char *d = t + 5;
    char *end;
    errno = 0;
    long pid = strtol(d, &end, 10);
    if (end == d || errno || pid <= 0 || pid > 0x3fffffffL)
        return 0;
    if (*end == '.') { /* the random part */
        size_t n = strspn(end + 1, "0123456789abcdef");
        if (n != 16 || end[17] || name[0] != '.')
            return 0;
    } else if (*end) {
        return 0;
    }
    if ((pid_t)pid == getpid())
        return 0;
    return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

static void sweep(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        struct stat sb;
        if (!stale_temp(e->d_name) || fstatat(dirfd(d), e->d_name, &sb, AT_SYMLINK_NOFOLLOW) ||
            !S_ISREG(sb.st_mode))
            continue;
        n += unlinkat(dirfd(d), e->d_name, 0) == 0;
    }
    closedir(d);
    if (n && !cli_quiet)
        fprintf(stderr, "clvis: removed %d stale temporar%s from %s (left by processes that no "
                        "longer run)\n", n, n == 1 ? "y" : "ies", dir);
}

int out_prepare(const char *dir)
{
    char p[1024];
    if (snprintf(p, sizeof p, "%s", dir) >= (int)sizeof p || !*dir)
        return cli_fail("--out: bad directory '%s'", dir);
    /* the shallowest level that does not exist yet: what this run creates */
    made_top[0] = made_deep[0] = 0;
    struct stat sb;
    if (lstat(p, &sb) != 0) {
        char q[1024];
        snprintf(q, sizeof q, "%s", p);
        snprintf(made_top, sizeof made_top, "%s", q);
        for (char *s = strrchr(q, '/'); s && s > q; s = strrchr(q, '/')) {
            *s = 0;
            if (lstat(q, &sb) == 0)
                break;
            snprintf(made_top, sizeof made_top, "%s", q);
        }
        snprintf(made_deep, sizeof made_deep, "%s", p);
    }
    if (made_deep[0])
        made_register();
    char failed[1024];
    if (util_mkdir_p(p, failed, sizeof failed)) {
        int e = errno;
        out_finish();
        return cli_fail("cannot create output directory %s: %s", failed, strerror(e));
    }
    if (stat(p, &sb) || !S_ISDIR(sb.st_mode))
        return cli_fail("output path %s is not a directory", p);
    if (access(p, W_OK | X_OK))
        return cli_fail("output directory %s is not writable: %s", p, strerror(errno));
    sweep(p);
    return 0;
}

static void pend_release(void);

void out_finish(void)
{
    pend_release();
    made_unregister();
    if (!made_deep[0])
        return;
    char q[1024];
    snprintf(q, sizeof q, "%s", made_deep);
    size_t top = strlen(made_top);
    /* deepest first; rmdir refuses a folder with anything in it */
    while (strlen(q) >= top && rmdir(q) == 0) {
        char *s = strrchr(q, '/');
        if (!s || s == q)
            break;
        *s = 0;
    }
    made_deep[0] = made_top[0] = 0;
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
    char safe[UTIL_NAME_MAX + 1];
    util_safe_name(raw, safe, sizeof safe);
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

/* The entries out_report holds back: copies (the callers' strings are theirs), for one folder. */
static struct {
    char *dir;
    report_entry *e;
    int n, cap;
    double last_end, last_cost; /* monotonic seconds: the last write's end and its duration */
    int written;                /* a write happened in this run */
} pend;

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void pend_free_entries(void)
{
    for (int i = 0; i < pend.n; i++) {
        report_entry *e = &pend.e[i];
        free((char *)e->command);
        free((char *)e->file);
        free((char *)e->caption);
        free((char *)e->model);
        free((char *)e->device);
        free((char *)e->image);
        free((char *)e->role);
        free((char *)e->variant);
    }
    pend.n = 0;
}

static char *dup_or_null(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *d = strdup(s);
    if (!d)
        *oom = 1;
    return d;
}

static void pend_release(void)
{
    pend_free_entries();
    free(pend.e);
    free(pend.dir);
    pend.e = NULL;
    pend.dir = NULL;
    pend.cap = 0;
}

int out_flush(void)
{
    if (!pend.n)
        return 0;
    double t0 = now_s();
    clvis_status st = report_add(pend.dir, pend.e, pend.n);
    if (!st) /* the JSON-lines copy, for shards and `clvis report DIR...` */
        st = manifest_sync_jsonl(pend.dir);
    pend_free_entries();
    pend.last_end = now_s();
    pend.last_cost = pend.last_end - t0;
    pend.written = 1;
    if (st)
        return cli_fail_st(st);
    return 0;
}

int out_report(const cli_args *o, const report_entry *e, int n)
{
    if (pend.dir && strcmp(pend.dir, o->out)) { /* another folder: this one's entries first */
        if (out_flush())
            return 1;
    }
    if (!pend.dir || strcmp(pend.dir, o->out)) {
        free(pend.dir);
        if (!(pend.dir = strdup(o->out)))
            return cli_fail("out of host memory");
    }
    if (pend.n + n > pend.cap) {
        int cap = pend.cap ? pend.cap : 16;
        while (cap < pend.n + n)
            cap *= 2;
        report_entry *p = realloc(pend.e, (size_t)cap * sizeof *p);
        if (!p)
            return cli_fail("out of host memory");
        pend.e = p;
        pend.cap = cap;
    }
    long long when = (long long)time(NULL);
    int oom = 0;
    for (int i = 0; i < n; i++) {
        report_entry c = e[i];
        c.command = dup_or_null(e[i].command, &oom);
        c.file = dup_or_null(e[i].file, &oom);
        c.caption = dup_or_null(e[i].caption, &oom);
        c.model = dup_or_null(e[i].model, &oom);
        c.device = dup_or_null(e[i].device, &oom);
        c.image = dup_or_null(e[i].image, &oom);
        c.role = dup_or_null(e[i].role, &oom);
        c.variant = dup_or_null(e[i].variant, &oom);
        if (!c.when)
            c.when = when;
        pend.e[pend.n++] = c; /* freed with the rest, even when a copy failed */
    }
    if (oom)
        return cli_fail("out of host memory");
    double t = now_s(), wait = 10.0 * pend.last_cost;
    if (wait < 1.0)
        wait = 1.0;
    if (!pend.written || t - pend.last_end >= wait) {
        if (out_flush())
            return 1;
    }
    if (!cli_quiet)
        fprintf(stderr, "index: %s/index.html\n", o->out);
    return 0;
}
