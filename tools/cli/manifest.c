/* manifest.c — manifest.tsv read back, manifest.jsonl written and read (manifest.h). */
#include "cli/manifest.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "cli/util.h"
#include "core/error.h"
#include "io/atomic.h"

static void row_free(manifest_row *r)
{
    free(r->command), free(r->file), free(r->caption), free(r->model), free(r->device);
    free(r->time), free(r->image), free(r->role), free(r->variant), free(r->size);
}

static int row_incomplete(const manifest_row *r)
{
    return !r->command || !r->file || !r->caption || !r->model || !r->device || !r->time ||
           !r->image || !r->role || !r->variant || !r->size;
}

void manifest_free(manifest *m)
{
    for (int i = 0; i < m->n; i++)
        row_free(&m->row[i]);
    free(m->row);
    m->row = NULL;
    m->n = 0;
}

static clvis_status push(manifest *m, manifest_row *r, int *cap)
{
    if (m->n == *cap) {
        int nc = *cap ? *cap * 2 : 64;
        manifest_row *p = realloc(m->row, (size_t)nc * sizeof *p);
        if (!p)
            return err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
        m->row = p;
        *cap = nc;
    }
    m->row[m->n++] = *r;
    return CLVIS_OK;
}

static FILE *open_in(const char *dir, const char *name, clvis_status *st)
{
    char path[1024];
    *st = CLVIS_OK;
    if (util_path_join(path, sizeof path, dir, name)) {
        *st = err_set(CLVIS_ERR_INVALID_ARG, "path too long: %s/%s", dir, name);
        return NULL;
    }
    FILE *f = fopen(path, "r");
    if (!f)
        *st = err_set(errno == ENOENT ? CLVIS_ERR_NOT_FOUND : CLVIS_ERR_IO, "%s: %s", path,
                      strerror(errno));
    return f;
}

clvis_status manifest_read_tsv(const char *dir, manifest *m)
{
    m->row = NULL;
    m->n = 0;
    clvis_status st;
    FILE *f = open_in(dir, "manifest.tsv", &st);
    if (!f)
        return st == CLVIS_ERR_NOT_FOUND ? CLVIS_OK : st;
    char *line = NULL;
    size_t lcap = 0;
    int cap = 0;
    st = CLVIS_OK;
    while (!st && getline(&line, &lcap, f) > 0) {
        line[strcspn(line, "\r\n")] = 0;
        if (line[0] == '#' || !line[0])
            continue;
        /* command file caption model device ms time image role variant size versions */
        enum { NF = 11 };
        char *fld[NF] = {0};
        int k = 0;
        for (char *s = line; k < NF; k++) {
            char *t = strchr(s, '\t');
            fld[k] = s;
            if (!t) {
                k++;
                break;
            }
            *t = 0;
            s = t + 1;
        }
        if (k < 6) /* malformed; the time and the page's columns may be missing */
            continue;
#define FLD(i) strdup(fld[i] ? fld[i] : "")
        manifest_row r = {FLD(0), FLD(1), FLD(2), FLD(3), FLD(4), FLD(6), atof(fld[5]),
                          FLD(7), FLD(8), FLD(9), FLD(10)};
#undef FLD
        if (row_incomplete(&r))
            st = err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
        if (!st)
            st = push(m, &r, &cap);
        if (st)
            row_free(&r);
    }
    free(line);
    fclose(f);
    if (st)
        manifest_free(m);
    return st;
}

static char *json_str(const cJSON *o, const char *key)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
    return strdup(cJSON_IsString(v) && v->valuestring ? v->valuestring : "");
}

clvis_status manifest_read_jsonl(const char *dir, manifest *m)
{
    m->row = NULL;
    m->n = 0;
    clvis_status st;
    FILE *f = open_in(dir, "manifest.jsonl", &st);
    if (!f)
        return st;
    char *line = NULL;
    size_t lcap = 0;
    int cap = 0, no = 0;
    while (!st && getline(&line, &lcap, f) > 0) {
        no++;
        if (!line[strspn(line, " \t\r\n")])
            continue;
        cJSON *o = cJSON_Parse(line);
        const cJSON *cmd = cJSON_GetObjectItemCaseSensitive(o, "command");
        if (!cJSON_IsObject(o) || !cJSON_IsString(cmd)) {
            cJSON_Delete(o);
            st = err_set(CLVIS_ERR_FORMAT, "%s/manifest.jsonl: line %d is not a manifest entry",
                         dir, no);
            break;
        }
        const cJSON *ms = cJSON_GetObjectItemCaseSensitive(o, "ms");
        manifest_row r = {json_str(o, "command"), json_str(o, "file"), json_str(o, "caption"),
                          json_str(o, "model"),   json_str(o, "device"), json_str(o, "time"),
                          cJSON_IsNumber(ms) ? ms->valuedouble : 0,
                          json_str(o, "image"),   json_str(o, "role"),   json_str(o, "variant"),
                          json_str(o, "size")};
        cJSON_Delete(o);
        if (row_incomplete(&r))
            st = err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
        if (!st)
            st = push(m, &r, &cap);
        if (st)
            row_free(&r);
    }
    free(line);
    fclose(f);
    if (st)
        manifest_free(m);
    return st;
}

clvis_status manifest_sync_jsonl(const char *dir)
{
    char lpath[1024], jpath[1024];
    if (util_path_join(lpath, sizeof lpath, dir, ".manifest.lock") ||
        util_path_join(jpath, sizeof jpath, dir, "manifest.jsonl"))
        return err_set(CLVIS_ERR_INVALID_ARG, "path too long: %s/manifest.jsonl", dir);
    int fd = open(lpath, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0666);
    if (fd < 0)
        return err_set(CLVIS_ERR_IO, "%s: cannot open the manifest's lock file: %s", lpath,
                       strerror(errno));
    while (flock(fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            close(fd);
            return err_set(CLVIS_ERR_IO, "%s: cannot lock: %s", lpath, strerror(errno));
        }
    manifest m;
    clvis_status st = manifest_read_tsv(dir, &m);
    char *text = NULL;
    size_t len = 0;
    FILE *mem = st ? NULL : open_memstream(&text, &len);
    if (!st && !mem)
        st = err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
    for (int i = 0; !st && i < m.n; i++) {
        manifest_row *r = &m.row[i];
        cJSON *o = cJSON_CreateObject();
        cJSON_AddStringToObject(o, "command", r->command);
        cJSON_AddStringToObject(o, "file", r->file);
        cJSON_AddStringToObject(o, "caption", r->caption);
        cJSON_AddStringToObject(o, "model", r->model);
        cJSON_AddStringToObject(o, "device", r->device);
        cJSON_AddNumberToObject(o, "ms", r->ms);
        cJSON_AddStringToObject(o, "time", r->time);
        cJSON_AddStringToObject(o, "image", r->image);
        cJSON_AddStringToObject(o, "role", r->role);
        cJSON_AddStringToObject(o, "variant", r->variant);
        cJSON_AddStringToObject(o, "size", r->size);
        char *t = cJSON_PrintUnformatted(o);
        cJSON_Delete(o);
        if (!t) {
            st = err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
            break;
        }
        fprintf(mem, "%s\n", t);
        free(t);
    }
    if (mem && fclose(mem) && !st)
        st = err_set(CLVIS_ERR_NO_MEMORY, "manifest: out of memory");
    if (!st)
        st = file_write_atomic(jpath, text ? text : "", text ? len : 0);
    free(text);
    manifest_free(&m);
    flock(fd, LOCK_UN);
    close(fd);
    return st;
}
