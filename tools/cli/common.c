/* common.c — failures, progress, layer arguments and image-run status of the CLI (common.h). */
#include "cli/common.h"

#include <cjson/cJSON.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/split.h"
#include "cli/progress.h"

int cli_quiet;

int cli_fail(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (char *p = msg; *p; p++)
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    cli_count_clear();
    fprintf(stderr, "clvis: %s\n", msg);
    return 1;
}

int cli_usage_fail(const char *fmt, ...)
{
    char msg[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    cli_fail("%s", msg);
    return 2;
}

int cli_fail_st(clvis_status st)
{
    (void)st;
    return cli_fail("%s", clvis_last_error());
}

void cli_progress(void *user, const char *line)
{
    (void)user;
    if (!cli_quiet) {
        cli_count_clear();
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
    }
}

void cli_log(void *user, const char *line)
{
    (void)user;
    if (!cli_quiet) {
        cli_count_clear();
        fprintf(stderr, "clvis: %s\n", line);
    }
}

int cli_find_layer(clvis_model *m, const char *name, int *id)
{
    clvis_status st = clvis_model_find_layer(m, name, id);
    return st ? cli_fail_st(st) : 0;
}

int cli_parse_layers(clvis_model *m, const char *list, int **out, int *n)
{
    char msg[1024];
    return cli_layer_list(m, list, out, n, msg, sizeof msg) ? cli_fail("%s", msg) : 0;
}

void cli_stem(const char *path, char *out, size_t cap)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t n = 0;
    for (; *b && *b != '.' && n + 1 < cap; b++)
        out[n++] = (isalnum((unsigned char)*b) || *b == '-' || *b == '_') ? *b : '_';
    out[n] = 0;
    if (!n)
        snprintf(out, cap, "image");
}

int cli_bad_input(clvis_status st)
{
    return st == CLVIS_ERR_IO || st == CLVIS_ERR_FORMAT;
}

void cli_image_failed(int json, const char *path, clvis_status st)
{
    (void)st;
    const char *msg = clvis_last_error();
    cli_fail("%s", msg);
    if (!json)
        return;
    /* the message without the "<path>: " it starts with: the path is the record's own field */
    size_t pl = strlen(path);
    if (!strncmp(msg, path, pl) && !strncmp(msg + pl, ": ", 2))
        msg += pl + 2;
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "image", path);
    cJSON_AddStringToObject(j, "error", msg);
    char *t = cJSON_PrintUnformatted(j);
    if (t)
        printf("%s\n", t);
    else
        printf("{\"image\":null,\"error\":\"out of memory\"}\n");
    fflush(stdout);
    free(t);
    cJSON_Delete(j);
}

int cli_finish_images(int rc, int bad, int n)
{
    if (rc)
        return rc;
    if (split_report(n - bad, n, bad)) /* a part of --split: the parent sums and says */
        return bad ? 1 : 0;
    /* the summary, for runs over several images: even with --quiet when something failed (one
     * image that fails has its one-line error only) */
    if (n > 1 && (bad || !cli_quiet))
        fprintf(stderr, "clvis: done %d of %d, %d failed%s\n", n - bad, n, bad,
                bad ? " (each named above)" : "");
    return bad ? 1 : 0;
}
