/* bench_lucid.c — the readability measure of BENCHMARKS.md: for layers of a model, the book's
 * filter patterns (40 steps, the model's preprocessing in front) and --style lucid's (its
 * defaults), the share of spectral energy above half the Nyquist frequency
 * (clvis_high_frequency_share) and the wall time of each.
 * usage: bench_lucid MODEL SIZE STEPS[:N] LAYER...   (N: the first N filters, default up to 64) */
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

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: bench_lucid MODEL SIZE STEPS[:N] LAYER...\n");
        return 2;
    }
    int S = atoi(argv[2]), steps = atoi(argv[3]), nmax = 64;
    const char *colon = strchr(argv[3], ':');
    if (colon && (nmax = atoi(colon + 1)) < 1) {
        fprintf(stderr, "bench_lucid: STEPS:N wants N >= 1\n");
        return 2;
    }
    if (nmax > 64)
        nmax = 64;
    clvis_ctx *ctx;
    clvis_model *m;
    clvis_ctx_options co = {0};
    if (clvis_ctx_create(&co, &ctx) || clvis_model_load(ctx, argv[1], NULL, &m) ||
        clvis_model_set_input_size(m, S, S)) {
        fprintf(stderr, "bench_lucid: %s\n", clvis_last_error());
        return 1;
    }
    printf("| layer | size | filters | book (40 steps) | book ms | lucid (%d steps) | lucid ms |\n"
           "|---|---:|---:|---:|---:|---:|---:|\n", steps);
    for (int a = 4; a < argc; a++) {
        int layer;
        if (clvis_model_find_layer(m, argv[a], &layer)) {
            fprintf(stderr, "bench_lucid: %s\n", clvis_last_error());
            return 1;
        }
        int n = clvis_model_layer_shape(m, layer).c < nmax ? clvis_model_layer_shape(m, layer).c
                                                            : nmax;
        int units[64];
        for (int i = 0; i < n; i++)
            units[i] = i;
        unsigned char *pb = malloc((size_t)n * S * S * 3), *pl = malloc((size_t)n * S * S * 3);
        clvis_filter_options fo;
        clvis_filter_options_default(&fo);
        fo.preprocess = clvis_model_preprocess(m);
        clvis_lucid_options lo;
        clvis_lucid_options_default(&lo);
        lo.steps = steps;
        double t0 = now_ms();
        if (clvis_filter_patterns(m, layer, units, n, NULL, &fo, NULL, pb, NULL, NULL, NULL)) {
            fprintf(stderr, "bench_lucid: %s\n", clvis_last_error());
            return 1;
        }
        double t1 = now_ms();
        if (clvis_lucid_patterns(m, layer, units, n, &lo, pl, NULL, NULL, NULL, NULL)) {
            fprintf(stderr, "bench_lucid: %s\n", clvis_last_error());
            return 1;
        }
        double t2 = now_ms();
        printf("| %s | %d | %d | %.3f | %.0f | %.3f | %.0f |\n", argv[a], S, n,
               clvis_high_frequency_share(pb, n, S), t1 - t0, clvis_high_frequency_share(pl, n, S),
               t2 - t1);
        fflush(stdout);
        free(pb);
        free(pl);
    }
    clvis_model_destroy(m);
    clvis_ctx_destroy(ctx);
    return 0;
}
