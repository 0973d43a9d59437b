/* split.c — one run over several devices of this host in child processes (split.h). */
#include "cli/split.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli/common.h"

extern char **environ;

int split_argc;
char **split_argv;

int split_part(long *d, long *nd)
{
    const char *p = getenv("CLVIS_SPLIT_PART");
    char *e;
    if (!p || !*p)
        return 0;
    *d = strtol(p, &e, 10);
    if (*e != '/')
        return 0;
    *nd = strtol(e + 1, &e, 10);
    return !*e && *nd >= 1 && *d >= 0 && *d < *nd;
}

int split_mine(const char *path, long d, long nd)
{
    char stem[200];
    cli_stem(path, stem, sizeof stem);
    uint32_t h = 2166136261u; /* FNV-1a: the same on every machine */
    for (const unsigned char *s = (const unsigned char *)stem; *s; s++)
        h = (h ^ *s) * 16777619u;
    return (long)(h % (uint32_t)nd) == d;
}

int split_report(int done, int total, int failed)
{
    const char *f = getenv("CLVIS_SPLIT_FD");
    long d, nd;
    if (!f || !split_part(&d, &nd))
        return 0;
    int fd = atoi(f);
    char line[64];
    int n = snprintf(line, sizeof line, "%d %d %d\n", done, total, failed);
    return fd > 2 && write(fd, line, (size_t)n) == n;
}

/* The devices to split over: every device, or (test hook) CLVIS_TEST_SPLIT_DEVICES="0,0,0", a
 * list of device indices (one device three times runs the parts side by side on it). */
static int device_list(int **idx, int *n)
{
    const char *t = getenv("CLVIS_TEST_SPLIT_DEVICES");
    if (t && *t) {
        int cap = 1;
        for (const char *p = t; *p; p++)
            cap += *p == ',';
        *idx = calloc((size_t)cap, sizeof **idx);
        *n = 0;
        for (const char *p = t; *idx && *p;) {
            (*idx)[(*n)++] = atoi(p);
            p += strcspn(p, ",");
            p += *p == ',';
        }
        return *idx ? 0 : cli_fail("out of host memory");
    }
    clvis_device_info *all = NULL;
    clvis_status st = clvis_devices(&all, n);
    if (st)
        return cli_fail_st(st);
    *idx = calloc((size_t)*n, sizeof **idx);
    for (int i = 0; *idx && i < *n; i++)
        (*idx)[i] = all[i].index;
    free(all);
    return *idx ? 0 : cli_fail("out of host memory");
}

int split_run(cli_args *o, int (*run)(cli_args *))
{
    int *idx = NULL, nd = 0;
    if (device_list(&idx, &nd))
        return 1;
    char sel[32];
    if (nd == 1) { /* nothing to split: this process runs on the one device */
        snprintf(sel, sizeof sel, "%d", idx[0]);
        free(idx);
        o->device = sel;
        o->split = 0;
        return run(o);
    }
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) || fcntl(fds[1], F_SETFD, 0)) { /* the write end is inherited */
        free(idx);
        return cli_fail("cannot create a pipe: %s", strerror(errno));
    }
    /* the part's command line: ours with --device I before any "--" (the last --device wins) */
    int at = split_argc;
    for (int i = 1; i < split_argc; i++)
        if (!strcmp(split_argv[i], "--")) {
            at = i;
            break;
        }
    char **av = calloc((size_t)split_argc + 3, sizeof *av);
    size_t nenv = 0;
    while (environ[nenv])
        nenv++;
    char **env = calloc(nenv + 3, sizeof *env);
    pid_t *pid = calloc((size_t)nd, sizeof *pid);
    if (!av || !env || !pid) {
        free(av), free(env), free(pid), free(idx);
        close(fds[0]), close(fds[1]);
        return cli_fail("out of host memory");
    }
    /* ... and without --split (a part does not split again) */
    for (int i = 0, k = 0; i <= split_argc; i++) {
        if (i == at) {
            av[k++] = "--device";
            av[k++] = sel;
        }
        if (i < split_argc && (i > at || strcmp(split_argv[i], "--split")))
            av[k++] = split_argv[i];
    }
    size_t ne = 0;
    for (size_t i = 0; i < nenv; i++)
        if (strncmp(environ[i], "CLVIS_SPLIT_", 12))
            env[ne++] = environ[i];
    char part[64], fdv[64];
    env[ne++] = part;
    env[ne++] = fdv;
    snprintf(fdv, sizeof fdv, "CLVIS_SPLIT_FD=%d", fds[1]);
    int rc = 0, started = 0;
    for (int d = 0; d < nd; d++) {
        snprintf(sel, sizeof sel, "%d", idx[d]);
        snprintf(part, sizeof part, "CLVIS_SPLIT_PART=%d/%d", d, nd);
        int e = posix_spawn(&pid[d], "/proc/self/exe", NULL, NULL, av, env);
        if (e) {
            rc = cli_fail("cannot start the part for device %d: %s", idx[d], strerror(e));
            pid[d] = 0;
            continue;
        }
        started++;
    }
    close(fds[1]);
    /* the parts' counts, then their exit statuses */
    int done = 0, total = 0, failed = 0, got = 0;
    FILE *f = fdopen(fds[0], "r");
    int a, b, c;
    while (f && fscanf(f, "%d %d %d", &a, &b, &c) == 3) {
        done += a, total += b, failed += c;
        got++;
    }
    if (f)
        fclose(f);
    else
        close(fds[0]);
    for (int d = 0; d < nd; d++) {
        int ws;
        if (!pid[d])
            continue;
        while (waitpid(pid[d], &ws, 0) < 0 && errno == EINTR)
            ;
        int prc = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + (WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
        if (prc > rc)
            rc = prc;
    }
    if (got && (failed || !cli_quiet))
        fprintf(stderr, "clvis: done %d of %d, %d failed (%d devices%s)\n", done, total, failed,
                started, got < started ? ", some parts stopped early" : "");
    free(av), free(env), free(pid), free(idx);
    return rc ? rc : failed ? 1 : 0;
}
