/* bench_batch.c — batch scaling (issue 16, lever 8): images per second of a whole forward pass
 * (input upload, every layer, the output read back) at each batch size, for one model file
 * (Keras .h5 or ONNX). Input: seeded uniform values in [-1, 1) (timing only). One JSON line per
 * batch size on stdout: {"engine":"clvis","model":...,"batch":N,"ms":median,"ms_min":...,
 * "images_per_s":...}. tools/bench/batch_scaling.sh runs it beside TensorFlow and ONNX Runtime.
 * usage: bench_batch MODEL RUNS BATCH... */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clvis.h"

static double now_ms(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    if (argc < 4 || atoi(argv[2]) < 1) {
        fprintf(stderr, "usage: bench_batch MODEL RUNS BATCH...\n");
        return 2;
    }
    const int runs = atoi(argv[2]);
    clvis_ctx *ctx;
    clvis_model *m;
    clvis_ctx_options co = {0};
    if (clvis_ctx_create(&co, &ctx) || clvis_model_load(ctx, argv[1], NULL, &m)) {
        fprintf(stderr, "bench_batch: %s\n", clvis_last_error());
        return 1;
    }
    clvis_shape in = clvis_model_input_shape(m);
    const int last = clvis_model_layer_count(m) - 1;
    clvis_shape os = clvis_model_layer_shape(m, last);
    const size_t item = (size_t)in.h * in.w * in.c, oitem = (size_t)os.h * os.w * os.c;
    double *t = malloc((size_t)runs * sizeof *t);
    int rc = 0;
    for (int a = 3; a < argc && !rc; a++) {
        int n = atoi(argv[a]);
        float *x = n > 0 ? malloc((size_t)n * item * sizeof *x) : NULL;
        float *y = n > 0 ? malloc((size_t)n * oitem * sizeof *y) : NULL;
        if (!x || !y || !t) {
            fprintf(stderr, "bench_batch: bad batch '%s' or out of memory\n", argv[a]);
            free(x), free(y);
            rc = 1;
            break;
        }
        unsigned s = 12345u;
        for (size_t i = 0; i < (size_t)n * item; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = (float)((s >> 8) / 8388608.0 - 1.0);
        }
        /* the warm-up plans the buffers for this batch */
        clvis_status st = clvis_model_forward(m, x, n, -1);
        if (!st)
            st = clvis_model_read(m, last, y);
        for (int r = 0; r < runs && !st; r++) {
            double t0 = now_ms();
            st = clvis_model_forward(m, x, n, -1);
            if (!st)
                st = clvis_model_read(m, last, y);
            t[r] = now_ms() - t0;
        }
        if (st) {
            fprintf(stderr, "bench_batch: batch %d: %s\n", n, clvis_last_error());
            rc = 1;
        } else {
            qsort(t, (size_t)runs, sizeof *t, cmp_d);
            double med = runs % 2 ? t[runs / 2] : (t[runs / 2 - 1] + t[runs / 2]) / 2;
            printf("{\"engine\":\"clvis\",\"model\":\"%s\",\"batch\":%d,\"runs\":%d,\"ms\":%.3f,"
                   "\"ms_min\":%.3f,\"images_per_s\":%.3f}\n",
                   argv[1], n, runs, med, t[0], n * 1000.0 / med);
            fflush(stdout);
        }
        free(x);
        free(y);
    }
    free(t);
    clvis_model_destroy(m);
    clvis_ctx_destroy(ctx);
    return rc;
}
