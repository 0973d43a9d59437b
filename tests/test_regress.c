/* test_regress.c — every input the fuzzers once crashed on (tests/data/regress/READER/),
 * fed to the same entry point: each must come back with an error status and a one-line message
 * (run under -Db_sanitize=address,undefined to catch a regression of the memory error itself). */
#include <dirent.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/args.h"
#include "cli/report.h"
#include "io/image.h"
#include "import/keras_internal.h"
#include "import/onnx.h"
#include "testutil.h"

#ifndef TEST_REGRESS_DIR
#define TEST_REGRESS_DIR "tests/data/regress"
#endif

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

/* A command line saved by fuzz_cli (arguments separated by NUL bytes): parsed and, where it
 * parses, its layer lists resolved against a small model, as the CLI does. It must end in a
 * usage error or a one-line layer error; the memory error it once caused shows under ASan. */
static void one_cli(clvis_ctx *ctx, const char *path, const char *name)
{
    FILE *f = fopen(path, "rb");
    char buf[65536], *argv[256], msg[1024] = "";
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    int argc = 0;
    for (size_t i = 0; i <= n && argc < 256; i += strlen(buf + i) + 1)
        argv[argc++] = buf + i;
    cli_args a;
    cli_result r = cli_parse(argc, argv, &a, msg, sizeof msg);
    int clean = r == CLI_USAGE;
    clvis_model *m = NULL;
    if (r == CLI_RUN && clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m) == 0) {
        int *ids = NULL, k = 0;
        const char *list = a.layers ? a.layers : a.layer;
        clean = list && cli_layer_list(m, list, &ids, &k, msg, sizeof msg) == 1;
        free(ids);
    }
    /* the layer lists themselves, also where the grammar now refuses them first (an empty
     * --layers is a usage error since #17): cli_layer_list must still refuse them cleanly, the
     * memory error it once had shows under ASan */
    clvis_model *m2 = NULL;
    for (int i = 1; i + 1 < argc && clean; i++)
        if ((!strcmp(argv[i], "--layers") || !strcmp(argv[i], "--layer")) &&
            (m2 || clvis_model_load(ctx, TEST_KERAS_DIR "/small_convnet.h5", NULL, &m2) == 0)) {
            int *ids = NULL, k = 0;
            char lmsg[1024] = "";
            if (cli_layer_list(m2, argv[i + 1], &ids, &k, lmsg, sizeof lmsg) == 1)
                clean = *lmsg && !strchr(lmsg, '\n');
            free(ids);
        }
    clvis_model_destroy(m2);
    clvis_model_destroy(m);
    cli_free(&a);
    char label[600];
    snprintf(label, sizeof label, "cli/%s refused cleanly", name);
    test_check(label, f && clean && *msg && !strchr(msg, '\n'), msg);
}

static void one(clvis_ctx *ctx, const char *reader, const char *path, const char *name)
{
    clvis_status st = CLVIS_OK;
    if (!strcmp(reader, "cli")) {
        one_cli(ctx, path, name);
        return;
    }
    if (!strcmp(reader, "image")) {
        image8 img = {0};
        st = image_load(path, &img);
        image_free(&img);
    } else if (!strcmp(reader, "keras")) {
        clvis_model *m = NULL;
        st = clvis_model_load(ctx, path, NULL, &m);
        clvis_model_destroy(m);
    } else if (!strcmp(reader, "onnx")) {
        /* straight to the ONNX importer (a damaged file may no longer look like one) */
        graph *g = NULL;
        st = onnx_load(ctx, path, NULL, &g);
        graph_destroy(g);
    } else if (!strcmp(reader, "json")) {
        char *text = slurp(path);
        kmodel km = {0};
        km.src = name;
        st = text ? kjson_build_text(ctx, text, &km) : CLVIS_ERR_IO;
        if (st == CLVIS_OK)
            graph_destroy(km.g);
        kjson_free(&km);
        free(text);
    }
    char label[600], d[700];
    snprintf(label, sizeof label, "%s/%s refused cleanly", reader, name);
    snprintf(d, sizeof d, "%s: %.500s", clvis_status_name(st), clvis_last_error());
    test_check(label, st != CLVIS_OK && clvis_last_error()[0] && !strchr(clvis_last_error(), '\n'),
               d);
}

/* #17: processes adding to one folder's manifest at the same time keep every entry (the
 * read-merge-write is under flock; before, a process's rename replaced what another had added
 * between its read and its write). */
static void test_manifest_concurrent(void)
{
    char dir[] = "/tmp/clvis_manifest_XXXXXX";
    if (!mkdtemp(dir)) {
        test_check("concurrent manifest: temporary folder", 0, "mkdtemp failed");
        return;
    }
    enum { PROCS = 4, EACH = 20 };
    pid_t kids[PROCS];
    for (int p = 0; p < PROCS; p++) {
        kids[p] = fork();
        if (kids[p] == 0) {
            int bad = 0;
            for (int i = 0; i < EACH; i++) {
                char cap[64];
                snprintf(cap, sizeof cap, "proc%d-item%d: text", p, i);
                report_entry e = {.command = "predict", .file = "", .caption = cap,
                                  .model = "model", .device = "device", .ms = 1.0};
                bad |= report_add(dir, &e, 1) != CLVIS_OK;
            }
            _exit(bad);
        }
    }
    int ok = 1;
    for (int p = 0; p < PROCS; p++) {
        int ws = 0;
        ok &= kids[p] > 0 && waitpid(kids[p], &ws, 0) == kids[p] && WIFEXITED(ws) &&
              WEXITSTATUS(ws) == 0;
    }
    char path[600], line[512];
    snprintf(path, sizeof path, "%s/manifest.tsv", dir);
    FILE *f = fopen(path, "r");
    int rows = 0;
    while (f && fgets(line, sizeof line, f))
        rows += !strncmp(line, "predict\t", 8);
    if (f)
        fclose(f);
    char d[200];
    snprintf(d, sizeof d, "%d of %d entries in the manifest", rows, PROCS * EACH);
    test_check("concurrent manifest: 4 processes x 20 entries on one folder, none lost",
               ok && rows == PROCS * EACH, d);
    DIR *dd = opendir(dir);
    struct dirent *e;
    int temps = 0;
    while (dd && (e = readdir(dd))) {
        temps += strstr(e->d_name, ".tmp.") != NULL;
        char q[700];
        snprintf(q, sizeof q, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.' || strlen(e->d_name) > 2)
            unlink(q);
    }
    if (dd)
        closedir(dd);
    rmdir(dir);
    test_check("concurrent manifest: no temporary left", temps == 0, "");
}

static void ignore_alarm(int sig)
{
    (void)sig;
}

int main(void)
{
    test_manifest_concurrent(); /* host only; before SIGCHLD is ignored below (waitpid) */
    /* An application that catches SIGALRM must not disarm the HDF5 sandbox's watchdog (the
     * hanging input below must still be refused), nor one that ignores SIGCHLD (children
     * reaped at once, no exit status) turn the sandbox off (the crashing inputs). */
    signal(SIGALRM, ignore_alarm);
    signal(SIGCHLD, SIG_IGN);
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    const char *readers[] = {"image", "keras", "json", "cli", "onnx"};
    for (int r = 0; r < 5; r++) {
        char dir[600];
        snprintf(dir, sizeof dir, "%s/%s", TEST_REGRESS_DIR, readers[r]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        struct dirent *e;
        while ((e = readdir(d)))
            if (e->d_name[0] != '.') {
                char path[1300];
                snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
                one(ctx, readers[r], path, e->d_name);
            }
        closedir(d);
    }
    clvis_ctx_destroy(ctx);
    return test_summary();
}
