/* test_onnx_conformance.c — the ONNX project's own backend test suite (Debian's
 * libonnx-testdata: a model.onnx and input_N.pb / output_N.pb per case) through clvis's
 * importer and engine. Every case runs whose model clvis claims: one float input of rank 2 to
 * 4, batch first, and one output; the other inputs of a case (the node tests make weights
 * inputs too) are bound to their test values and folded like initializers. Output 0 is
 * compared with ONNX's own tolerances (numpy assert_allclose, rtol 1e-3, atol 1e-7). A case
 * clvis does not claim (an op, an attribute value, a data type) is "not supported", listed by
 * reason; any other outcome is a failure.
 *   test_onnx_conformance [DATA_DIR [CASE_SUBSTRING]]   (default /usr/share/libonnx-testdata/data)
 * Last line: "N passed, M failed, K not supported". */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "graph/graph.h"
#include "import/onnx.h"
#include "onnx.pb-c.h"
#include "testutil.h"

#define RTOL 1e-3
#define ATOL 1e-7

static const char *suites[] = {"node", "pytorch-converted", "pytorch-operator", "simple"};

typedef struct {
    char reason[200];
    int count;
    char cases[4096];
} reason_row;

static reason_row reasons[512];
static int n_reasons, n_unsupported;

static void unsupported(const char *name, const char *why)
{
    /* the reason without the file and node: "op X is not supported", "auto_pad ..." */
    const char *r = why;
    const char *p = strstr(why, "): ");
    if (p)
        r = p + 3;
    else if ((p = strstr(why, ".onnx: ")))
        r = p + 7;
    char key[200];
    snprintf(key, sizeof key, "%s", r);
    n_unsupported++;
    int k;
    for (k = 0; k < n_reasons; k++)
        if (!strcmp(reasons[k].reason, key))
            break;
    if (k == n_reasons) {
        if (n_reasons == (int)(sizeof reasons / sizeof reasons[0]))
            k = n_reasons - 1;
        else
            snprintf(reasons[n_reasons++].reason, sizeof reasons[0].reason, "%s", key);
    }
    reasons[k].count++;
    size_t len = strlen(reasons[k].cases);
    if (len + strlen(name) + 3 < sizeof reasons[k].cases)
        snprintf(reasons[k].cases + len, sizeof reasons[k].cases - len, "%s%s", len ? " " : "",
                 name);
}

static void *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    void *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
    if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static int is_initializer(const Onnx__GraphProto *g, const char *name)
{
    for (size_t k = 0; k < g->n_initializer; k++)
        if (g->initializer[k]->name && !strcmp(g->initializer[k]->name, name))
            return 1;
    return 0;
}

/* One case: 1 passed, 0 failed, -1 not supported. */
static int run_case(clvis_ctx *ctx, const char *dir, const char *name)
{
    char path[9000], why[700];
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    size_t len;
    void *buf = slurp(path, &len);
    if (!buf) {
        test_fail(name, "cannot read model.onnx");
        return 0;
    }
    Onnx__ModelProto *mp = onnx__model_proto__unpack(NULL, len, buf);
    if (!mp || !mp->graph) {
        free(buf);
        if (mp)
            onnx__model_proto__free_unpacked(mp, NULL);
        test_fail(name, "model.onnx does not parse");
        return 0;
    }
    const Onnx__GraphProto *gp = mp->graph;
    int result = 0;
    /* the runtime inputs in order, input_0.pb ... */
    const char *in_names[32];
    int n_in = 0;
    for (size_t k = 0; k < gp->n_input && n_in < 32; k++)
        if (gp->input[k]->name && !is_initializer(gp, gp->input[k]->name))
            in_names[n_in++] = gp->input[k]->name;
    onnx_binding bind[32];
    void *bind_buf[32] = {0};
    int n_bind = 0;
    float *x = NULL, *want = NULL, *got = NULL;
    graph *g = NULL;
    if (gp->n_output != 1) {
        snprintf(why, sizeof why, "a model with %zu outputs (clvis computes one)", gp->n_output);
        unsupported(name, why);
        result = -1;
        goto done;
    }
    if (n_in < 1) {
        unsupported(name, "a model without a runtime input");
        result = -1;
        goto done;
    }
    for (int k = 1; k < n_in; k++) {
        snprintf(path, sizeof path, "%s/test_data_set_0/input_%d.pb", dir, k);
        size_t bl;
        bind_buf[k] = slurp(path, &bl);
        if (!bind_buf[k]) {
            /* an omitted optional input */
            continue;
        }
        bind[n_bind++] = (onnx_binding){in_names[k], bind_buf[k], bl};
    }
    snprintf(path, sizeof path, "%s/model.onnx", dir);
    clvis_status st = onnx_load_buffer(ctx, path, buf, len, bind, n_bind, &g);
    if (st == CLVIS_ERR_UNSUPPORTED) {
        unsupported(name, clvis_last_error());
        result = -1;
        goto done;
    }
    if (st != CLVIS_OK) {
        snprintf(why, sizeof why, "load: %s: %s", clvis_status_name(st), clvis_last_error());
        test_fail(name, why);
        goto done;
    }
    int rank;
    long long dims[8];
    size_t nx, nw;
    snprintf(path, sizeof path, "%s/test_data_set_0/input_0.pb", dir);
    if ((st = onnx_read_tensor(path, &rank, dims, &x, &nx)) != CLVIS_OK) {
        if (st == CLVIS_ERR_UNSUPPORTED) {
            unsupported(name, clvis_last_error());
            result = -1;
        } else
            test_fail(name, clvis_last_error());
        goto done;
    }
    int batch = (int)dims[0];
    snprintf(path, sizeof path, "%s/test_data_set_0/output_0.pb", dir);
    if ((st = onnx_read_tensor(path, &rank, dims, &want, &nw)) != CLVIS_OK) {
        if (st == CLVIS_ERR_UNSUPPORTED) {
            unsupported(name, clvis_last_error());
            result = -1;
        } else
            test_fail(name, clvis_last_error());
        goto done;
    }
    shape3 in = graph_node_shape(g, 0);
    if (batch < 1 || (size_t)batch * in.c * in.h * in.w != nx) {
        snprintf(why, sizeof why, "input_0 has %zu values, the model's input %d x %dx%dx%d", nx,
                 batch, in.c, in.h, in.w);
        test_fail(name, why);
        goto done;
    }
    int last = graph_count(g) - 1;
    shape3 os = graph_node_shape(g, last);
    size_t n_out = (size_t)batch * os.c * os.h * os.w;
    if (n_out != nw) {
        snprintf(why, sizeof why, "output has %zu values (%d x %dx%dx%d), expected %zu", n_out,
                 batch, os.c, os.h, os.w, nw);
        test_fail(name, why);
        goto done;
    }
    got = malloc((n_out ? n_out : 1) * sizeof *got);
    if ((st = graph_plan(g, batch)) || (st = graph_set_input(g, LAYOUT_NCHW, x)) ||
        (st = graph_forward(g, -1)) || (st = graph_read(g, last, LAYOUT_NCHW, got))) {
        snprintf(why, sizeof why, "run: %s", clvis_last_error());
        test_fail(name, why);
        goto done;
    }
    size_t bad = 0, worst = 0;
    double worst_e = -1;
    for (size_t i = 0; i < n_out; i++) {
        double e = fabs((double)got[i] - want[i]), lim = ATOL + RTOL * fabs(want[i]);
        int same_nan = isnan(got[i]) && isnan(want[i]);
        int same_inf = isinf(got[i]) && isinf(want[i]) && (got[i] > 0) == (want[i] > 0);
        if (!(e <= lim) && !same_nan && !same_inf) {
            bad++;
            if (e > worst_e || isnan(e)) {
                worst_e = e;
                worst = i;
            }
        }
    }
    if (bad) {
        snprintf(why, sizeof why, "%zu of %zu values beyond rtol %.0e atol %.0e; [%zu] got %.8g "
                 "want %.8g", bad, n_out, RTOL, ATOL, worst, (double)got[worst],
                 (double)want[worst]);
        test_fail(name, why);
    } else {
        snprintf(why, sizeof why, "%zu values, %d graph nodes", n_out, graph_count(g));
        test_check(name, 1, why);
        result = 1;
    }
done:
    graph_destroy(g);
    free(x), free(want), free(got);
    for (int k = 0; k < 32; k++)
        free(bind_buf[k]);
    onnx__model_proto__free_unpacked(mp, NULL);
    free(buf);
    return result;
}

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    const char *root = argc > 1 ? argv[1] : "/usr/share/libonnx-testdata/data";
    const char *filter = argc > 2 ? argv[2] : NULL;
    struct stat sb;
    if (stat(root, &sb) || !S_ISDIR(sb.st_mode)) {
        printf("FAIL no ONNX test data at %s (Debian: apt-get install libonnx-testdata)\n", root);
        printf("0 passed, 1 failed\n");
        return 1;
    }
    clvis_ctx *ctx;
    int rc = test_open_ctx(&ctx);
    if (rc)
        return rc;
    for (size_t s = 0; s < sizeof suites / sizeof suites[0]; s++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%s", root, suites[s]);
        DIR *d = opendir(dir);
        if (!d)
            continue;
        char **names = NULL;
        size_t n = 0, cap = 0;
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            if (n == cap) {
                cap = cap ? 2 * cap : 256;
                names = realloc(names, cap * sizeof *names);
            }
            names[n++] = strdup(e->d_name);
        }
        closedir(d);
        qsort(names, n, sizeof *names, by_name);
        for (size_t k = 0; k < n; k++) {
            char cdir[8400], label[600];
            snprintf(cdir, sizeof cdir, "%s/%s", dir, names[k]);
            snprintf(label, sizeof label, "%s/%s", suites[s], names[k]);
            char model[8500];
            snprintf(model, sizeof model, "%s/model.onnx", cdir);
            if ((!filter || strstr(label, filter)) && !stat(model, &sb))
                run_case(ctx, cdir, label);
            free(names[k]);
        }
        free(names);
    }
    printf("\nNot supported, by reason (%d cases):\n", n_unsupported);
    for (int k = 0; k < n_reasons; k++)
        printf("  %3d  %s: %s\n", reasons[k].count, reasons[k].reason, reasons[k].cases);
    clvis_ctx_destroy(ctx);
    printf("%d passed, %d failed, %d not supported\n", tu_passed, tu_failed, n_unsupported);
    return tu_failed ? 1 : 0;
}
