/* explain.h — inside the library, what the pipelines of src/explain share (the public calls
 * are in clvis.h): progress lines, numpy's start noise, output paths. The pipelines run on the
 * engine surface (graph/engine.h) only: no OpenCL, no node internals. */
#ifndef CLVIS_EXPLAIN_H
#define CLVIS_EXPLAIN_H

#include <stdint.h>

#include "clvis.h"
#include "core/error.h"
#include "io/image.h"

#include "api/model.h"

/* Formats one progress line and hands it to progress (nothing when progress is NULL). */
void viz_say(clvis_progress_fn progress, void *user, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ---- filter patterns: the start noise ------------------------------------------------- */
/* The start image: numpy's legacy generator, exactly. MT19937 seeded as
 * numpy.random.RandomState(seed) (init_genrand), doubles as random_sample (53-bit genrand_res53),
 * value = double * 20 + 128 rounded to float32. */
typedef struct {
    uint32_t mt[624];
    int mti;
} viz_mt19937;
void viz_mt_seed(viz_mt19937 *r, uint32_t seed);
double viz_mt_random(viz_mt19937 *r);
/* numpy's legacy normal (RandomState.normal / standard_normal): polar Box-Muller on
 * viz_mt_random with its cached second value. Start with has = 0 and a seeded mt. */
typedef struct {
    viz_mt19937 mt;
    int has;
    double keep;
} viz_gauss_state;
double viz_gauss(viz_gauss_state *s);

/* Joins dir and name into buf ("dir/name"); CLVIS_ERR_INVALID_ARG when too long. */
clvis_status viz_path(char *buf, size_t cap, const char *dir, const char *name);

#endif
